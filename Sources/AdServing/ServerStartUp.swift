import Logging
import VickreyBilling
import VickreyBudget
import VickreyConfig
import VickreyCore
import VickreyLedger
import VickreySigning
import VickreyStore
import VickreyYield

/// Everything the server does with the database before it accepts a connection, in
/// order: the database migrated (and on PostgreSQL this server's chain claimed), durable
/// commits checked, the fleet's keys and token secrets exchanged, demo campaigns seeded
/// into an empty database, learned CTRs read from the whole ledger and the index loaded
/// (so a restarted server scores exactly as before), experiments read, a previous
/// process's leases handed back, spend and taken beacons recovered from the ledger, and
/// a first lease for the first page of active campaigns (`BudgetLeaseKeeper.settle`).
/// Runs once, in `beforeServerStarts`.
struct ServerStartUp: Sendable {
    let database: Store
    let settings: ServerSettings
    let keys: LiveKeyring
    let reloader: CampaignIndexReloader
    let learnedCTR: ClickThroughRefresher
    let experimentPlan: ExperimentPlanSource
    let budgets: BudgetBook
    let keeper: BudgetLeaseKeeper?
    let replays: BeaconReplayGuard
    let metrics: ServerMetrics
    let logger: Logger

    func run() async throws {
        try await database.prepare()
        try await database.ledger.requireDurableCommits()
        // A fleet shares its token secrets (any server accepts any server's beacons) and
        // registers every signing key, so any server's JWKS lists the keys of every chain.
        if let fleet = database.fleet {
            try await fleet.register(publicKeys: keys.ownPublicKeys.keys, serverID: settings.effectiveServerID)
            let (secrets, current) = try await fleet.tokenSecrets()
            keys.adopt(fleetTokens: BeaconTokenCodec(secrets: secrets, currentID: current))
            keys.adopt(registered: try await fleet.publicKeys())
        }
        if settings.seedDemoCampaigns {
            let seeded = try await DemoCampaigns.seedIfEmpty(database.campaigns)
            if seeded > 0 { logger.info("seeded demo campaigns into an empty database", metadata: ["campaigns": "\(seeded)"]) }
        }
        try await learnedCTR.refresh()
        try await reloader.loadAll()
        try await experimentPlan.refresh(revision: reloader.revision)
        logger.info(
            "campaign index loaded", metadata: ["index.campaigns": "\(reloader.index.snapshot.count)", "db": "\(database.location)"])
        if let keeper {
            let returned = try await keeper.start()
            if returned > .zero {
                logger.info("leases of this server's previous process returned to their pools", metadata: ["nanos": "\(returned.value)"])
            }
        }
        let recovered = try await SpendRecovery(ledger: database.ledger, reloader: reloader, clock: settings.clock)
            .restore(into: budgets, replays: replays, retentionSeconds: settings.beaconTimeouts.longestSeconds)
        logger.info(
            "spend recovered from the ledger", metadata: ["campaigns": "\(recovered.campaigns)", "ledger.records": "\(recovered.records)"])
        if let keeper {
            // Every active campaign asks for a lease; the first page of them is leased before
            // serving (a catalogue of up to `settlePageSize` lease requests fills from the first
            // request), the rest by the lease keeper's first settle, in pages, while ads are
            // served: a campaign without its lease yet does not bid, so nothing overspends.
            keeper.prepareLeases { reloader.index.snapshot.campaigns }
            try await keeper.settle(maximumPages: 1)
        }
        metrics.index(campaigns: reloader.index.snapshot.count, lagSeconds: 0)
        metrics.database(reachable: true)
    }
}
