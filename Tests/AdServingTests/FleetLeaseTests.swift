import Foundation
import Synchronization
import Testing
import VickreyCore
import VickreyLedger
import VickreyStore
import VickreyTestSupport
import VickreyWire

/// Three real `adserver` processes on one PostgreSQL database spending budgets that
/// cover a few hundred impressions, hammered concurrently with beacons crossing servers
/// and replays, one server killed with `kill -9` twice: the fleet never overspends.
@Suite("Budget leases across a fleet of three servers", .enabled(if: PostgresTestServer.isAvailable, "PostgreSQL is not installed"))
struct FleetLeaseTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("leases-\(UUID().uuidString)")
    static let ttlSeconds = 3
    static let environment = ["LEASE_TTL_SECONDS": "\(ttlSeconds)", "LEASE_RENEW_INTERVAL_MILLISECONDS": "200"]

    /// Four advertisers bidding close together on one placement, so each charge is a real
    /// second price and, as budgets run out, the next campaign takes over.
    static let campaigns = [
        campaign("lease-a", bid: 2_000_000, total: 150_000),
        campaign("lease-b", bid: 1_900_000, daily: 120_000, total: 10_000_000),
        campaign("lease-c", bid: 1_800_000, total: 100_000),
        campaign("lease-d", bid: 1_700_000, daily: 80_000, total: 90_000),
    ]

    static func campaign(_ id: String, bid: Int64, daily: Int64? = nil, total: Int64) -> Campaign {
        var campaign = Campaigns.make(id, advertiser: "adv-\(id)", bid: bid, totalBudget: total)
        campaign.dailyBudget = daily.map(Micros.init)
        return campaign
    }

    @Test func threeServersKilledTwiceNeverOverspendAndLoseNoAcknowledgedBeacon() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let binary = try #require(CrashRecoveryTests.serverBinary(), "build the adserver executable first (swift build)")
        let adctl = URL(fileURLWithPath: binary).deletingLastPathComponent().appendingPathComponent("adctl").path
        let database = try await TestDatabase(.postgres)
        let url = database.argument
        try await database.with { store in
            for campaign in Self.campaigns {
                _ = try await store.campaigns.createAdvertiser(Advertiser(id: campaign.advertiserID, name: "\(campaign.advertiserID)"))
            }
            _ = try await store.campaigns.importCampaigns(Self.campaigns)
        }
        let keys = directory.path
        let start: @Sendable (String) async throws -> RunningServer = { name in
            try await RunningServer.start(
                binary: binary, database: url, keys: "\(keys)/keys-\(name)", arguments: ["--server-id", name], environment: Self.environment
            )
        }
        let fleet = Fleet([try await start("a"), try await start("b"), try await start("c")])
        defer { fleet.killAll() }

        // Workers: ads routed by user id, a third of the impression beacons fired at the
        // next server, every tenth one replayed at a third; until the budgets run dry.
        let acknowledged = AnsweredBeacons()
        let served = AnsweredBeacons()
        let requests = 1_500
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<6 {
                group.addTask {
                    for n in stride(from: worker, to: requests, by: 6) {
                        let home = (n / 7) % 3  // the user's server (users u-0… map to servers by id)
                        let body =
                            #"{"request_id":"r-\#(n)","user":{"id":"u-\#(n / 7)"},"placements":[{"id":"home_feed","sizes":["300x250"]}]}"#
                        guard let ad = await fleet.server(home).ads(body)?.first else { continue }
                        served.withLock { _ = $0.insert("r-\(n)") }
                        let target = n % 3 == 0 ? (home + 1) % 3 : home
                        var status = await fleet.server(target).get(ad.0)
                        if status == nil { status = await fleet.server((target + 1) % 3).get(ad.0) }  // that server is down
                        if status == 200 { acknowledged.withLock { _ = $0.insert("r-\(n)") } }
                        if n % 10 == 0 { _ = await fleet.server((home + 2) % 3).get(ad.0) }
                    }
                }
            }
            group.addTask {
                // Server a dies twice mid-run and comes back under the same id each time.
                for _ in 0..<2 {
                    try? await Task.sleep(for: .milliseconds(1_200))
                    fleet.server(0).kill()
                    await fleet.server(0).waitForExit()
                    try? await Task.sleep(for: .milliseconds(300))
                    if let restarted = try? await start("a") { fleet.replace(0, with: restarted) }
                }
            }
        }
        #expect(served.withLock { $0.count } > 100, "too few ads served to mean anything")

        // The ledger, every chain: exact spend within every budget, nothing billed twice,
        // every acknowledged beacon recorded.
        let records = try await database.with { store in
            var records: [LedgerRecord] = []
            for chain in try await store.ledger.chains() {
                try await store.ledger.forEachRecord(chain: chain.serverID, in: .all) { records.append($0) }
            }
            return records
        }
        let events = records.map { "\($0.event.kind.rawValue):\($0.event.impressionID)" }
        #expect(Set(events).count == events.count, "an event was recorded twice")
        let recorded = Set(records.map(\.event.requestID))
        let missing = acknowledged.withLock { $0 }.subtracting(recorded)
        #expect(missing.isEmpty, "answered 200 but not in any chain: \(missing.sorted().prefix(5))")
        var billed: [String: Nanos] = [:]
        var billedByDay: [String: Nanos] = [:]
        for record in records where record.event.billed {
            billed[record.event.campaignID.rawValue, default: .zero] += record.event.charge
            let day = record.event.eventTime.dayNumber(offsetSeconds: 0)
            billedByDay["\(record.event.campaignID.rawValue)/\(day)", default: .zero] += record.event.charge
        }
        for campaign in Self.campaigns {
            let spent = billed[campaign.id.rawValue] ?? .zero
            #expect(spent <= campaign.totalBudget.nanos, "\(campaign.id) spent \(spent) of \(campaign.totalBudget.nanos)")
            if let daily = campaign.dailyBudget {
                for (key, amount) in billedByDay where key.hasPrefix("\(campaign.id.rawValue)/") {
                    #expect(amount <= daily.nanos, "\(key) spent \(amount) of a daily \(daily.nanos)")
                }
            }
        }
        // The budgets bound: a lifetime budget was spent to within two charges of its end.
        let budgets = Self.campaigns.reduce(Nanos.zero) { $0 + ($1.dailyBudget ?? $1.totalBudget).nanos }
        let spent = billed.values.reduce(.zero, +)
        let bound = Self.campaigns.filter { $0.dailyBudget == nil }.filter { campaign in
            campaign.totalBudget.nanos - (billed[campaign.id.rawValue] ?? .zero) < Nanos(2 * campaign.bid.value)
        }
        #expect(!bound.isEmpty, "no budget was spent to its end: \(billed.sorted { $0.key < $1.key })")
        let reasons = Dictionary(grouping: records.filter { !$0.event.billed }, by: { $0.event.reason?.rawValue ?? "" }).mapValues(\.count)
        print(
            "fleet lease test: \(served.withLock { $0.count }) ads served of \(requests) requests, \(records.count) records, "
                + "spent \(spent) of \(budgets) (\(billed.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))), "
                + "unbilled: \(reasons.sorted { $0.key < $1.key })")
        let verified = try FleetTests.run(adctl, ["ledger", "verify", "--db", url])
        #expect(verified.status == 0, "\(verified.output)")

        // Each server shows its lease and the fleet's figures, on the budget endpoint and in /metrics.
        let budget = try #require(
            await fleet.server(1).fetch("/v1/campaigns/lease-b/budget", headers: ["Authorization": "Bearer \(ServerHarness.billingToken)"]))
        let lease = try #require((try JSONSerialization.jsonObject(with: budget.body) as? [String: Any])?["lease"] as? [String: Any])
        #expect((lease["fleet_spent_total_nanos"] as? NSNumber)?.int64Value == billed["lease-b"]?.value, "\(lease)")
        #expect(lease["daily_nanos"] is NSNumber && lease["unreserved_nanos"] is NSNumber, "\(lease)")
        let metrics = String(decoding: try #require(await fleet.server(1).fetch("/metrics")).body, as: UTF8.self)
        #expect(metrics.contains(#"vickrey_lease_held_nanos{campaign_id="lease-b",budget="daily"} "#))
        #expect(metrics.contains(#"vickrey_fleet_spent_nanos{campaign_id="lease-b",budget="lifetime"} "#))  // as of the last settle

        // Server c dies for good: after the lease TTL its unspent lease is back in the pool
        // (reaped by the live servers), and every pool's spend is exactly the ledger's.
        fleet.server(2).kill()
        await fleet.server(2).waitForExit()
        try await Task.sleep(for: .seconds(Self.ttlSeconds + 2))
        let pools = try await database.with { store in try await #require(store.leases).pools(campaign: nil) }
        for pool in pools {
            let ledgerSpend =
                pool.period == .lifetime
                ? billed[pool.campaignID.rawValue] ?? .zero : billedByDay["\(pool.campaignID.rawValue)/\(pool.period.code)"] ?? .zero
            #expect(pool.spent == ledgerSpend, "\(pool.campaignID) \(pool.period): pool says \(pool.spent), the ledger \(ledgerSpend)")
            let budget = try #require(pool.budget)
            #expect(pool.spent + pool.outstanding <= budget, "\(pool.campaignID) \(pool.period): spend + leases above the budget")
            #expect(
                pool.spent + pool.outstanding == pool.committed, "\(pool.campaignID) \(pool.period): the pool disagrees with its leases")
            let dead = pool.leases.filter { $0.serverID == "c" }.reduce(Nanos.zero) { $0 + $1.remaining }
            #expect(dead == .zero, "\(pool.campaignID) \(pool.period): the dead server still holds \(dead)")
        }
        #expect(pools.contains { $0.period == .lifetime } && pools.contains { $0.period != .lifetime })

        // adctl shows the same pools: the bound on money in flight is what the live servers hold.
        let listed = try FleetTests.run(adctl, ["lease", "list", "--db", url])
        #expect(listed.status == 0, "\(listed.output)")
        let inFlight = pools.reduce(Nanos.zero) { $0 + $1.outstanding }
        #expect(listed.output.contains("money in flight (outstanding leases): \(inFlight)"), "\(listed.output)")

        // A clean shutdown hands every lease back.
        await fleet.server(0).stop()
        await fleet.server(1).stop()
        let after = try await database.with { store in try await #require(store.leases).pools(campaign: nil) }
        #expect(after.allSatisfy { $0.outstanding == .zero }, "\(after.filter { $0.outstanding > .zero })")
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
}

/// The fleet's servers, by index, as the driving tasks see them (a restarted server
/// replaces the killed one).
final class Fleet: Sendable {
    private let servers: Mutex<[RunningServer]>

    init(_ servers: [RunningServer]) { self.servers = Mutex(servers) }

    func server(_ index: Int) -> RunningServer { servers.withLock { $0[index] } }
    func replace(_ index: Int, with server: RunningServer) { servers.withLock { $0[index] = server } }
    func killAll() { for server in servers.withLock({ $0 }) { server.kill() } }
}
