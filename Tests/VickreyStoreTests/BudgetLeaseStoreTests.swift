import Crypto
import Foundation
import Testing
import VickreyCore
import VickreyLedger
import VickreyStore
import VickreyTestSupport

/// The database side of budget leases, on a real PostgreSQL: grants never exceed what is
/// left, a charge is billed only from the appending server's lease, expired leases
/// return to the pool, and a reservation held elsewhere is published for release.
@Suite("Budget leases in PostgreSQL", .enabled(if: PostgresTestServer.isAvailable, "PostgreSQL is not installed"))
struct BudgetLeaseStoreTests {
    let privateKey = Curve25519.Signing.PrivateKey()
    var key: LedgerSigningKey { LedgerSigningKey(id: "k-lease", rawPrivateKey: privateKey.rawRepresentation) }
    let now = Instant(canonicalRFC3339: "2026-11-20T12:00:00Z")!

    /// A campaign whose lifetime budget is 10,000,000 nanos (10,000 micros), daily 6,000,000.
    func campaign(_ id: String = "leased") -> Campaign {
        var campaign = Sample.campaign(id)
        campaign.totalBudget = Micros(10_000)
        campaign.dailyBudget = Micros(6_000)
        return campaign
    }

    /// A fresh database holding `campaign()`, opened by servers a and b (kept alive with
    /// the stores).
    func servers() async throws -> (a: Store, b: Store, database: TestDatabase) {
        let database = try await TestDatabase(.postgres)
        let a = try await database.open(serverID: "a")
        let b = try await database.open(serverID: "b")
        _ = try await a.campaigns.importCampaigns([campaign()])
        return (a, b, database)
    }

    /// Closes the stores; `database` lives until then.
    func close(_ stores: Store..., keeping database: TestDatabase) {
        Task {
            withExtendedLifetime(database) {}
            for store in stores { await store.close() }
        }
    }

    func ask(_ change: Int64, _ period: BudgetPeriod = .lifetime, campaign: String = "leased") -> LeaseRequest {
        LeaseRequest(
            campaignID: CampaignID(unchecked: campaign), period: period, change: Nanos(change), minimum: Nanos(1_000_000),
            dayStart: 0, dayEnd: .max)
    }

    func event(_ n: Int, charge: Int64, campaign: String = "leased") -> LedgerEvent {
        LedgerEvent(
            kind: .impression, billed: true, reason: nil, impressionID: String(format: "%024x", n), requestID: "r-\(n)",
            campaignID: CampaignID(unchecked: campaign), advertiserID: AdvertiserID(unchecked: "acme"),
            creativeID: CreativeID(unchecked: "cr"),
            placementID: PlacementID(unchecked: "home_feed"), pricing: .cpm, clearingECPM: Micros(charge), charge: Nanos(charge),
            eventTime: now)
    }

    @Test func grantsNeverExceedWhatIsLeftAndShareTheLastOfABudget() async throws {
        let (a, b, database) = try await servers()
        defer { close(a, b, keeping: database) }
        let leasesA = try #require(a.leases)
        let leasesB = try #require(b.leases)
        // a asks for 7,000,000 of 10,000,000 and gets it; b asks for 7,000,000 and gets the
        // 3,000,000 left — cut to a fair share (1,500,000), as a holds a lease too.
        let first = try await leasesA.settle([ask(7_000_000)], serverID: "a", ttlSeconds: 30, releasesSince: nil)
        #expect(first.grants.map(\.change) == [Nanos(7_000_000)])
        let second = try await leasesB.settle([ask(7_000_000)], serverID: "b", ttlSeconds: 30, releasesSince: nil)
        #expect(second.grants.map(\.change) == [Nanos(1_500_000)])
        #expect(second.grants.first?.outstanding == Nanos(8_500_000))
        // a hands 2,000,000 back; b's next ask finds it.
        _ = try await leasesA.settle([ask(-2_000_000)], serverID: "a", ttlSeconds: 30, releasesSince: nil)
        let third = try await leasesB.settle([ask(7_000_000)], serverID: "b", ttlSeconds: 30, releasesSince: nil)
        #expect(third.grants.map(\.change) == [Nanos(1_750_000)])
        let pools = try await leasesA.pools(campaign: CampaignID(unchecked: "leased"))
        #expect(pools.map(\.outstanding) == [Nanos(8_250_000)])
        #expect(pools.allSatisfy { $0.spent + $0.outstanding <= ($0.budget ?? .zero) })
    }

    @Test func aStandardLineItemsGoalLeasesLikeABudget() async throws {
        let (a, b, database) = try await servers()
        defer { close(a, b, keeping: database) }
        // 4 impressions at a 1.00 CPM: 4,000,000 nanos, below the 10,000,000 budget — the goal binds.
        var item = campaign("goal-item")
        item.bid = Micros(1_000_000)
        item.start = now.adding(seconds: -60)
        item.end = now.adding(seconds: 3_600)
        item.lineItem = LineItemTerms(delivery: .standard(goal: 4, pace: .asap), rate: Micros(1_000_000))
        _ = try await a.campaigns.importCampaigns([item])
        let leasesA = try #require(a.leases)
        let leasesB = try #require(b.leases)
        let first = try await leasesA.settle([ask(3_000_000, campaign: "goal-item")], serverID: "a", ttlSeconds: 30, releasesSince: nil)
        #expect(first.grants.map(\.change) == [Nanos(3_000_000)])
        let second = try await leasesB.settle([ask(3_000_000, campaign: "goal-item")], serverID: "b", ttlSeconds: 30, releasesSince: nil)
        #expect(second.grants.map(\.change) == [Nanos(1_000_000)], "what is left of the goal, not of the budget")
        let pools = try await leasesA.pools(campaign: CampaignID(unchecked: "goal-item"))
        #expect(pools.map(\.budget) == [Nanos(4_000_000)])
    }

    @Test func aChargeIsBilledFromTheLeaseOrATopUpAndNeverPastTheBudget() async throws {
        let (a, b, database) = try await servers()
        defer { close(a, b, keeping: database) }
        let leases = try #require(a.leases)
        let day = now.dayNumber(offsetSeconds: 3_600)  // Europe/Paris in November
        _ = try await leases.settle([ask(5_000_000), ask(3_000_000, .day(day))], serverID: "a", ttlSeconds: 30, releasesSince: nil)
        let settle = FleetSettlement(leaseDay: day)
        // 8,000,000 of charges against leases of 5,000,000 (lifetime) and 3,000,000 (the
        // day): the leases are topped up from what the pools have uncommitted (5,000,000
        // of the lifetime budget, 3,000,000 of the day's), so the first three are billed;
        // the last would take the day past its 6,000,000 budget: recorded, unbilled.
        let outcomes = try await a.ledger.append(
            [event(1, charge: 2_000_000), event(2, charge: 2_000_000), event(3, charge: 1_000_000), event(4, charge: 3_000_000)],
            settlements: [settle, settle, settle, settle], signingKey: key)
        #expect(
            outcomes == [.appended(seq: 1), .appended(seq: 2), .appended(seq: 3), .recordedUnbilled(seq: 4, reason: .leaseExhausted)])
        var records: [LedgerRecord] = []
        try await a.ledger.forEachRecord { records.append($0) }
        #expect(records.map(\.event.billed) == [true, true, true, false])
        #expect(records.map(\.event.charge) == [Nanos(2_000_000), Nanos(2_000_000), Nanos(1_000_000), .zero])
        var verifier = LedgerVerifier(keys: PublicKeySet(keys: ["k-lease": Array(privateKey.publicKey.rawRepresentation)]))
        for record in records { verifier.check(record) }
        #expect(verifier.problems.isEmpty, "the unbilled record is signed as recorded: \(verifier.problems)")
        let pools = try await leases.pools(campaign: nil)
        #expect(pools.map(\.spent) == [Nanos(5_000_000), Nanos(5_000_000)])
        #expect(pools.map(\.outstanding) == [Nanos(3_000_000), Nanos(1_000_000)])
        #expect(pools.allSatisfy { $0.spent + $0.outstanding <= $0.budget! && $0.spent + $0.outstanding == $0.committed })
        // Without a settlement (a SQLite-era writer, a test) nothing is drawn.
        #expect(try await a.ledger.append([event(5, charge: 1)], signingKey: key) == [.appended(seq: 5)])
    }

    @Test func aBudgetLoweredBelowWhatIsLeasedIsStillNeverOverspent() async throws {
        let (a, b, database) = try await servers()
        defer { close(a, b, keeping: database) }
        let leases = try #require(a.leases)
        _ = try await leases.settle([ask(8_000_000)], serverID: "a", ttlSeconds: 30, releasesSince: nil)
        // The operator cuts the lifetime budget to 5,000,000 while 8,000,000 is leased.
        var lowered = campaign()
        lowered.totalBudget = Micros(5_000)
        _ = try await a.campaigns.importCampaigns([lowered])
        let settle = FleetSettlement(leaseDay: nil)
        let outcomes = try await a.ledger.append(
            [event(1, charge: 3_000_000), event(2, charge: 3_000_000), event(3, charge: 2_000_000)],
            settlements: [settle, settle, settle], signingKey: key)
        #expect(outcomes == [.appended(seq: 1), .recordedUnbilled(seq: 2, reason: .totalBudgetExhausted), .appended(seq: 3)])
        #expect(try await leases.pools(campaign: nil).map(\.spent) == [Nanos(5_000_000)])
        // Nothing more is granted while the pool is over its budget.
        let more = try await leases.settle([ask(1_000_000)], serverID: "a", ttlSeconds: 30, releasesSince: nil)
        #expect(more.grants.map(\.change) == [.zero])
    }

    @Test func anExpiredLeaseReturnsToThePoolAndItsServerCanBillNoMoreFromIt() async throws {
        let (a, b, database) = try await servers()
        defer { close(a, b, keeping: database) }
        let leasesA = try #require(a.leases)
        let leasesB = try #require(b.leases)
        // a's lease lives 0 seconds: the next settle by anyone finds it expired.
        _ = try await leasesA.settle([ask(9_000_000)], serverID: "a", ttlSeconds: 0, releasesSince: nil)
        try await Task.sleep(for: .milliseconds(5))
        let b1 = try await leasesB.settle([ask(10_000_000)], serverID: "b", ttlSeconds: 30, releasesSince: nil)
        #expect(b1.grants.map(\.change) == [Nanos(10_000_000)], "a's expired lease was not reaped")
        // a comes back from a partition: with all of the budget leased to b, its charge
        // is recorded unbilled, never overspent.
        let outcomes = try await a.ledger.append(
            [event(1, charge: 1_000_000)], settlements: [FleetSettlement(leaseDay: nil)], signingKey: key)
        #expect(outcomes == [.recordedUnbilled(seq: 1, reason: .leaseExhausted)])
        // b shuts down cleanly: its lease goes back whole.
        #expect(try await leasesB.release(serverID: "b") == Nanos(10_000_000))
        #expect(try await leasesA.pools(campaign: nil).map(\.outstanding) == [.zero])
    }

    @Test func aReservationHeldByAnotherServerIsPublishedForItToRelease() async throws {
        let (a, b, database) = try await servers()
        defer { close(a, b, keeping: database) }
        let start = try await try #require(a.leases).settle([], serverID: "a", ttlSeconds: 30, releasesSince: nil)
        // b records the beacon of an ad a won (reservation 42 on a).
        _ = try await b.ledger.append(
            [event(1, charge: 0)], settlements: [FleetSettlement(leaseDay: nil, foreignReservation: 42)], signingKey: key)
        let next = try await try #require(a.leases).settle([], serverID: "a", ttlSeconds: 30, releasesSince: start.databaseTime)
        #expect(next.releases.map(\.reservation) == [42])
        #expect(next.releases.map(\.campaign.rawValue) == ["leased"])
        // b does not release its own.
        let own = try await try #require(b.leases).settle([], serverID: "b", ttlSeconds: 30, releasesSince: start.databaseTime)
        #expect(own.releases.isEmpty)
    }
}
