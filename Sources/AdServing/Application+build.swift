import Hummingbird
import Logging
import ServiceLifecycle
import VickreyBilling
import VickreyBudget
import VickreyCore
import VickreySigning
import VickreyStore
import VickreyWire
import VickreyYield

/// Builds the whole server from settings: opens and migrates the database, creates the
/// signing key on first start, seeds demo campaigns into an empty database, loads the
/// index, recovers spend and taken beacons from the ledger, and wires routes,
/// middleware and the background services. The executable and the tests both call this.
public func buildApplication(settings: ServerSettings, logger: Logger) async throws -> some ApplicationProtocol {
    let database = try await Store.open(StoreLocation(settings.databasePath), serverID: settings.effectiveServerID)
    let store = database.campaigns
    let ledgerStore = database.ledger
    try await ledgerStore.requireDurableCommits()
    let (keyring, createdKey) = try SigningKeyring.loadOrCreate(directory: settings.keysDirectory)
    if createdKey {
        logger.info("created signing key", metadata: ["key.id": "\(keyring.currentID)", "keys.directory": "\(settings.keysDirectory)"])
    }
    // A fleet shares its token secrets (any server accepts any server's beacons) and
    // registers every signing key, so any server's JWKS lists the keys of every chain.
    var fleetTokens: BeaconTokenCodec?
    if let fleet = database.fleet {
        try await fleet.register(publicKeys: keyring.keys.mapValues(\.rawPublicKey), serverID: settings.effectiveServerID)
        let (secrets, current) = try await fleet.tokenSecrets()
        fleetTokens = BeaconTokenCodec(secrets: secrets, currentID: current)
    }
    let keys = LiveKeyring(keyring, fleetTokens: fleetTokens)
    if let fleet = database.fleet { keys.adopt(registered: try await fleet.publicKeys()) }
    if settings.seedDemoCampaigns {
        let seeded = try await DemoCampaigns.seedIfEmpty(store)
        if seeded > 0 { logger.info("seeded demo campaigns into an empty database", metadata: ["campaigns": "\(seeded)"]) }
    }
    // CPC campaigns bid with CTRs learned from the ledger: read it whole before the
    // first load, so a restarted server scores exactly as it did.
    let reloader = CampaignIndexReloader(
        store: store, index: CampaignIndex(learning: ClickThroughLearning(priorWeight: settings.ctrPriorWeight)))
    let learnedCTR = ClickThroughRefresher(ledger: ledgerStore, index: reloader.index)
    try await learnedCTR.refresh()
    try await reloader.loadAll()
    let experimentPlan = ExperimentPlanSource(store: database.experiments)
    try await experimentPlan.refresh(revision: reloader.revision)
    let experimentCounter = ExperimentCounter()
    let auctionLog =
        settings.auctionLogSamplePPM > 0
        ? AuctionLog(
            path: settings.auctionLogPath, sampleRatePPM: settings.auctionLogSamplePPM, maximumBytes: settings.auctionLogMaximumBytes,
            keptFiles: settings.auctionLogKeptFiles) : nil
    logger.info(
        "campaign index loaded", metadata: ["index.campaigns": "\(reloader.index.snapshot.count)", "db": "\(database.location)"])

    // A fleet server spends only from budget leased from the database.
    let budgets = BudgetBook(timeouts: settings.beaconTimeouts, pacing: settings.pacing, leased: database.leases != nil)
    let keeper = database.leases.map {
        BudgetLeaseKeeper(
            store: $0, budgets: budgets, serverID: settings.effectiveServerID, settings: settings.leases, clock: settings.clock)
    }
    if let keeper {
        let returned = try await keeper.start()
        if returned > .zero {
            logger.info("leases of this server's previous process returned to their pools", metadata: ["nanos": "\(returned.value)"])
        }
    }
    let replays = BeaconReplayGuard(retentionSeconds: max(settings.beaconTimeouts.impressionSeconds, settings.beaconTimeouts.clickSeconds))
    let recovered = try await SpendRecovery(ledger: ledgerStore, reloader: reloader, clock: settings.clock)
        .restore(
            into: budgets, replays: replays,
            retentionSeconds: max(settings.beaconTimeouts.impressionSeconds, settings.beaconTimeouts.clickSeconds))
    logger.info(
        "spend recovered from the ledger", metadata: ["campaigns": "\(recovered.campaigns)", "ledger.records": "\(recovered.records)"])
    if let keeper {
        // Lease for every active campaign before serving, so the first ad requests fill.
        let now = settings.clock.now()
        for campaign in reloader.index.snapshot.campaigns where campaign.status == .active {
            budgets.prepareLease(campaign.id, limits: BudgetLimits(campaign), largestCharge: campaign.maximumCharge, at: now)
        }
        try await keeper.settle()
    }
    if settings.ledgerBearerToken == nil {
        logger.warning("ledger.bearerToken is not set: GET /v1/ledger answers 401 to everyone")
    } else if settings.ledgerBearerToken == ServerSettings.shippedBillingToken {
        logger.warning(
            "ledger.bearerToken is the example value from config/vickrey.json: set your own (LEDGER_BEARER_TOKEN) before billing reads the ledger"
        )
    }

    let metrics = ServerMetrics()
    metrics.index(campaigns: reloader.index.snapshot.count, lagSeconds: 0)
    metrics.database(reachable: true)
    let policy = ServingPolicy(budgets: budgets, caps: FrequencyCapper(maximumUsers: settings.frequencyCapUsers))
    let decisions = AdDecisions(
        reloader: reloader, auctioneer: Auctioneer(rules: settings.rules), policy: policy, keys: keys, settings: settings,
        experiments: experimentPlan, experimentCounter: experimentCounter, auctionLog: auctionLog
    )
    let writer = LedgerWriter(store: ledgerStore, maximumBatch: settings.ledgerMaximumBatch) { keys.signingKey }
    let beacons = BeaconProcessor(
        keys: keys, budgets: budgets, ledger: writer, replays: replays, campaigns: reloader, clock: settings.clock)
    let router = Router(context: VickreyRequestContext.self)
    let auth = Authenticator(
        keys: database.apiKeys, billingToken: settings.ledgerBearerToken, metrics: metrics,
        maximumFailures: settings.authMaximumFailures, clock: { [clock = settings.clock] in clock.now().secondsSinceEpoch })
    let metricsMiddleware = MetricsMiddleware<VickreyRequestContext>(metrics: metrics)
    router.add(middleware: metricsMiddleware)
    router.add(middleware: ErrorMiddleware())
    AdsController(decisions: decisions, metrics: metrics).addRoutes(to: router)
    let rates = LiveRates(path: settings.currencyRatesPath, maximumAgeSeconds: Int64(settings.currencyMaximumAgeHours) * 3_600)
    if let problem = rates.reloadIfChanged() { logger.warning("exchange rates", metadata: ["problem": "\(problem)"]) }
    OpenRTBController(decisions: decisions, metrics: metrics, rates: rates).addRoutes(to: router)
    let beaconController = BeaconController<VickreyRequestContext>(processor: beacons, metrics: metrics)
    beaconController.addRoutes(to: router)
    let admin = AdminController(store: database, auth: auth, clock: settings.clock, maximumBodyBytes: settings.limits.maximumBodyBytes)
    admin.addRoutes(to: router)
    ConsoleController(
        admin: admin, auth: auth, sessions: ConsoleSessions(clock: { [clock = settings.clock] in clock.now().secondsSinceEpoch }),
        budgets: budgets, clock: settings.clock, secureCookies: settings.beaconBaseURL.hasPrefix("https://")
    ).addRoutes(to: router)
    LedgerController(
        ledger: ledgerStore, keys: keys, auth: auth, budgets: budgets, leases: database.leases,
        reloader: reloader,
        clock: settings.clock
    ).addRoutes(to: router)
    OperationsController(reloader: reloader, metrics: metrics, budgets: budgets, clock: settings.clock).addRoutes(to: router)

    // Shut down in reverse: the HTTP server, then these from the last up, so the leases
    // are handed back only after the ledger writer has written every pending charge.
    var services: [any Service] = keeper.map { [LeaseKeeperService(keeper: $0, metrics: metrics, logger: logger)] } ?? []
    services += [
        LedgerWriterService(writer: writer),
        MaintenanceService(
            budgets: budgets, replays: replays, keys: keys, fleet: database.fleet, serverID: settings.effectiveServerID,
            rates: rates, clock: settings.clock, logger: logger),
        IndexReloaderService(
            reloader: reloader, interval: .milliseconds(settings.pollIntervalMilliseconds), metrics: metrics, logger: logger),
        YieldService(
            reloader: reloader, learnedCTR: learnedCTR, experimentPlan: experimentPlan, counter: experimentCounter,
            experiments: database.experiments, auctionLog: auctionLog, settings: settings, logger: logger),
    ]

    let host = settings.host
    let port = settings.port
    return Application(
        responder: BeaconFastPath(router: router.buildResponder(), beacons: beaconController, metrics: metricsMiddleware),
        configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "Vickrey"),
        services: services,
        onServerRunning: { channel in
            let address = channel.localAddress?.port.map { "http://\(host):\($0)" } ?? "http://\(host):\(port)"
            logger.info("Vickrey is listening on \(address)")
            logger.info(
                "try: curl -s \(address)/v1/ads -H 'content-type: application/json' -d '{\"placements\":[{\"id\":\"home_feed\",\"sizes\":[\"300x250\"]}]}'"
            )
        },
        logger: logger
    )
}
