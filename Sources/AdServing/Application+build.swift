import Hummingbird
import Logging
import ServiceLifecycle
import VickreyBilling
import VickreyBudget
import VickreyConfig
import VickreyCore
import VickreySigning
import VickreyStore
import VickreyTraffic
import VickreyWire
import VickreyYield

/// Builds the whole server from settings: the objects that serve, the routes and
/// middleware, and the service group — the database's pool first, the background
/// services behind the start-up gate. Nothing here asks the database: the start-up
/// (`ServerStartUp`: migrations, the signing key's registration, demo campaigns, the
/// index, spend recovered from the ledger, the first leases) runs before the server
/// accepts connections, while the service group already runs the pool. The executable
/// and the tests both call this.
public func buildApplication(settings: ServerSettings, logger: Logger) async throws -> some ApplicationProtocol {
    let database = try Store.connect(StoreLocation(settings.shared.databasePath), serverID: settings.effectiveServerID)
    let (keyring, createdKey) = try SigningKeyring.loadOrCreate(directory: settings.shared.keysDirectory)
    if createdKey {
        logger.info(
            "created signing key", metadata: ["key.id": "\(keyring.currentID)", "keys.directory": "\(settings.shared.keysDirectory)"])
    }
    let keys = LiveKeyring(keyring)
    let reloader = CampaignIndexReloader(
        store: database.campaigns, index: CampaignIndex(learning: ClickThroughLearning(priorWeight: settings.shared.ctrPriorWeight)))
    let learnedCTR = ClickThroughRefresher(ledger: database.ledger, index: reloader.index)
    let experimentPlan = ExperimentPlanSource(store: database.experiments)
    let experimentCounter = ExperimentCounter()
    let auctionLog =
        settings.auctionLogSamplePPM > 0
        ? AuctionLog(
            path: settings.auctionLogPath, sampleRatePPM: settings.auctionLogSamplePPM, maximumBytes: settings.auctionLogMaximumBytes,
            keptFiles: settings.auctionLogKeptFiles) : nil
    let requestSample =
        settings.requestSamplePPM > 0
        ? RequestSample(
            path: settings.effectiveRequestSamplePath, sampleRatePPM: settings.requestSamplePPM,
            maximumBytes: settings.requestSampleMaximumBytes, keptFiles: settings.requestSampleKeptFiles) : nil
    // A fleet server spends only from budget leased from the database.
    let budgets = BudgetBook(
        timeouts: settings.beaconTimeouts, reservationLimits: settings.reservationLimits, pacing: settings.pacing,
        leased: database.leases != nil)
    let keeper = database.leases.map {
        BudgetLeaseKeeper(store: $0, budgets: budgets, serverID: settings.effectiveServerID, policy: settings.leases, clock: settings.clock)
    }
    let replays = BeaconReplayGuard(timeouts: settings.beaconTimeouts)
    if settings.ledgerBearerToken == nil {
        logger.info("ledger.bearerToken is not set: billing reads the ledger with a billing API key (adctl apikey create --role billing)")
    }

    let traffic = LiveTrafficJudge()
    let trafficLists = LiveTrafficLists(
        paths: .init(
            robots: settings.ivtRobotsPath, browsers: settings.ivtBrowsersPath, excludedAddresses: settings.ivtExcludedAddressesPath),
        minimumClickDelayMilliseconds: settings.minimumClickDelayMilliseconds, judge: traffic)
    try trafficLists.load()
    let metrics = ServerMetrics()
    let policy = ServingPolicy(budgets: budgets, caps: FrequencyCapper(maximumUsers: settings.frequencyCapUsers))
    let sessions = ConsoleSessions(clock: { [clock = settings.clock] in clock.now().secondsSinceEpoch })
    let decisions = AdDecisions(
        reloader: reloader, auctioneer: Auctioneer(rules: settings.rules), policy: policy, keys: keys, settings: settings,
        experiments: experimentPlan, experimentCounter: experimentCounter, auctionLog: auctionLog, requestSample: requestSample,
        traffic: traffic
    )
    let writer = LedgerWriter(store: database.ledger, maximumBatch: settings.ledgerMaximumBatch) { keys.signingKey }
    let beacons = BeaconProcessor(
        keys: keys, budgets: budgets, ledger: writer, replays: replays, campaigns: reloader, traffic: traffic, clock: settings.clock)
    let router = Router(context: VickreyRequestContext.self)
    let auth = Authenticator(
        keys: database.apiKeys, billingToken: settings.ledgerBearerToken, metrics: metrics,
        maximumFailures: settings.authMaximumFailures, addresses: ClientAddressResolver(trustedProxies: settings.trustedProxies),
        clock: { [clock = settings.clock] in clock.now().secondsSinceEpoch })
    let metricsMiddleware = MetricsMiddleware<VickreyRequestContext>(metrics: metrics)
    router.add(middleware: metricsMiddleware)
    router.add(middleware: CORSMiddleware())
    router.add(middleware: ErrorMiddleware())
    WebTagController().addRoutes(to: router)
    AdsController(decisions: decisions, metrics: metrics, auth: auth).addRoutes(to: router)
    let rates = LiveRates(path: settings.shared.currencyRatesPath, maximumAgeSeconds: Int64(settings.currencyMaximumAgeHours) * 3_600)
    if let problem = rates.reloadIfChanged() { logger.warning("exchange rates", metadata: ["problem": "\(problem)"]) }
    OpenRTBController(decisions: decisions, metrics: metrics, rates: rates).addRoutes(to: router)
    let beaconController = BeaconController(
        processor: beacons, metrics: metrics, traffic: traffic, addresses: ClientAddressResolver(trustedProxies: settings.trustedProxies))
    beaconController.addRoutes(to: router)
    let lineItems = LineItemStatuses(reloader: reloader, policy: policy, clock: settings.clock)
    let administration = Administration(
        store: database, clock: settings.clock, lineItems: lineItems,
        sample: .init(
            path: settings.effectiveRequestSamplePath, ratePPM: max(1, settings.requestSamplePPM),
            keptFiles: settings.requestSampleKeptFiles))
    AdminController(
        administration: administration, auth: auth, clock: settings.clock, maximumBodyBytes: settings.limits.maximumBodyBytes
    ).addRoutes(to: router)
    ConsoleController(
        administration: administration, auth: auth,
        sessions: sessions,
        budgets: budgets, clock: settings.clock, secureCookies: settings.beaconBaseURL.hasPrefix("https://")
    ).addRoutes(to: router)
    LedgerController(
        ledger: database.ledger, keys: keys, auth: auth, budgets: budgets, leases: database.leases, reloader: reloader,
        clock: settings.clock
    ).addRoutes(to: router)
    let memory = MemoryTables(tables: [
        .init(name: "index_campaigns") { reloader.index.snapshot.count },
        .init(name: "budget_accounts") { budgets.accountCount },
        .init(name: "budget_reservations") { budgets.openReservations },
        .init(name: "frequency_cap_users") { policy.caps.rememberedUsers },
        .init(name: "frequency_cap_serves") { policy.caps.rememberedServes },
        .init(name: "beacon_replay_keys") { replays.count },
        .init(name: "learned_ctr_campaigns") { reloader.index.learning?.campaignCount ?? 0 },
        .init(name: "sponsorship_tallies") { policy.lineItems.tallyCount },
        .init(name: "experiment_pending_tallies") { experimentCounter.pendingCount },
        .init(name: "console_sessions") { sessions.count },
        .init(name: "auth_failure_subjects") { auth.trackedFailures },
        .init(name: "auction_log_queue") { auctionLog?.queuedLines ?? 0 },
        .init(name: "request_sample_queue") { requestSample?.queuedLines ?? 0 },
    ])
    OperationsController(
        reloader: reloader, metrics: metrics, budgets: budgets, lineItems: lineItems, memory: memory, clock: settings.clock
    ).addRoutes(to: router)

    let startUp = ServerStartUp(
        database: database, settings: settings, keys: keys, reloader: reloader, learnedCTR: learnedCTR, experimentPlan: experimentPlan,
        budgets: budgets, keeper: keeper, replays: replays, metrics: metrics, logger: logger)
    let gate = StartUpGate()
    // The service group shuts down in reverse: the HTTP server, then these from the last
    // up, so the leases are handed back only after the ledger writer has written every
    // pending charge, and the database's pool stops last.
    var background: [any Service] = keeper.map { [LeaseKeeperService(keeper: $0, metrics: metrics, logger: logger)] } ?? []
    background += [
        LedgerWriterService(writer: writer),
        MaintenanceService(
            budgets: budgets, replays: replays, keys: keys, fleet: database.fleet, serverID: settings.effectiveServerID,
            rates: rates, clock: settings.clock, logger: logger),
        TrafficListsService(lists: trafficLists, logger: logger),
        IndexReloaderService(
            reloader: reloader, interval: .milliseconds(settings.pollIntervalMilliseconds), metrics: metrics, logger: logger),
        YieldService(
            reloader: reloader, learnedCTR: learnedCTR, experimentPlan: experimentPlan, counter: experimentCounter,
            experiments: database.experiments, auctionLog: auctionLog, requestSample: requestSample, settings: settings, logger: logger),
    ]
    let services: [any Service] =
        (database.needsRunning ? [DatabaseService(store: database)] : []) + background.map { AfterStartUp(gate: gate, service: $0) }

    let host = settings.host
    let port = settings.port
    var app = Application(
        responder: BeaconFastPath(router: router.buildResponder(), beacons: beaconController, metrics: metricsMiddleware),
        server: .guardedHTTP1(limits: settings.connections, addresses: ClientAddressResolver(trustedProxies: settings.trustedProxies)),
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
    app.beforeServerStarts {
        try await startUp.run()
        gate.open()
    }
    return app
}
