import Hummingbird
import Logging
import VickreyCore
import VickreySigning
import VickreyStore

/// Builds the whole server from settings: opens and migrates the database, creates the
/// signing key on first start, seeds demo campaigns into an empty database, loads the
/// index, and wires routes, middleware and the index reloader. The executable and the
/// tests both call this.
public func buildApplication(settings: ServerSettings, logger: Logger) async throws -> some ApplicationProtocol {
    let store = try CampaignStore(path: settings.databasePath)
    let (keyring, createdKey) = try SigningKeyring.loadOrCreate(directory: settings.keysDirectory)
    if createdKey {
        logger.info("created signing key", metadata: ["key.id": "\(keyring.currentID)", "keys.directory": "\(settings.keysDirectory)"])
    }
    if settings.seedDemoCampaigns {
        let seeded = try DemoCampaigns.seedIfEmpty(store)
        if seeded > 0 { logger.info("seeded demo campaigns into an empty database", metadata: ["campaigns": "\(seeded)"]) }
    }
    let reloader = CampaignIndexReloader(store: store)
    try reloader.loadAll()
    logger.info("campaign index loaded", metadata: ["index.campaigns": "\(reloader.index.snapshot.count)", "db.path": "\(settings.databasePath)"])

    let metrics = ServerMetrics()
    metrics.index(campaigns: reloader.index.snapshot.count, lagSeconds: 0)
    let decisions = AdDecisions(
        reloader: reloader, auctioneer: Auctioneer(rules: settings.rules), policy: AlwaysEligible(),
        tokens: BeaconTokenCodec(keyring: keyring), settings: settings
    )
    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: MetricsMiddleware(metrics: metrics))
    router.add(middleware: ErrorMiddleware())
    AdsController(decisions: decisions, metrics: metrics).addRoutes(to: router)
    OpenRTBController(decisions: decisions, metrics: metrics).addRoutes(to: router)
    OperationsController(reloader: reloader, metrics: metrics).addRoutes(to: router)

    let host = settings.host
    let port = settings.port
    return Application(
        router: router,
        configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "Vickrey"),
        services: [IndexReloaderService(reloader: reloader, interval: .milliseconds(settings.pollIntervalMilliseconds), metrics: metrics, logger: logger)],
        onServerRunning: { channel in
            let address = channel.localAddress?.port.map { "http://\(host):\($0)" } ?? "http://\(host):\(port)"
            logger.info("Vickrey is listening on \(address)")
            logger.info("try: curl -s \(address)/v1/ads -H 'content-type: application/json' -d '{\"placements\":[{\"id\":\"home_feed\",\"sizes\":[\"300x250\"]}]}'")
        },
        logger: logger
    )
}
