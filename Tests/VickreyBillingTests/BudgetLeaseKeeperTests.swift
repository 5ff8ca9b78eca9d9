import Synchronization
import Testing
import VickreyBilling
import VickreyBudget
import VickreyCore
import VickreyStore
import VickreyTestSupport

/// The keeper between a fleet server's book and the database. The database side is
/// tested on a real PostgreSQL (`BudgetLeaseStoreTests`); here a scripted store makes a
/// settle fail on demand, which a real database cannot be asked to do at an exact moment.
@Suite("Billing: the lease keeper")
struct BudgetLeaseKeeperTests {
    /// A loud stand-in for the database: grants what it is told, fails when told.
    final class ScriptedLeases: BudgetLeaseStore {
        private let state = Mutex((held: Nanos.zero, failNext: false, settles: 0))

        func failNextSettle() { state.withLock { $0.failNext = true } }
        var settles: Int { state.withLock { $0.settles } }

        func settle(_ requests: [LeaseRequest], serverID: String, ttlSeconds: Int64, releasesSince: Int64?) async throws(StoreError)
            -> LeaseSettleResult
        {
            let grants = try state.withLock { state throws(StoreError) -> [LeaseGrant] in
                state.settles += 1
                if state.failNext {
                    state.failNext = false
                    throw StoreError(.database, "connection lost")
                }
                return requests.filter { $0.period == .lifetime }.map { request in
                    state.held += request.change
                    return LeaseGrant(
                        campaignID: request.campaignID, period: .lifetime, change: request.change, held: state.held,
                        budget: Micros(1_000_000).nanos, fleetSpent: .zero, outstanding: state.held)
                }
            }
            return LeaseSettleResult(grants: grants, releases: [], databaseTime: 0)
        }

        func release(serverID: String) async throws(StoreError) -> Nanos { state.withLock { $0.held } }
        func reapExpired() async throws(StoreError) -> Int { 0 }
        func pools(campaign: CampaignID?) async throws(StoreError) -> [BudgetPoolState] { [] }
    }

    let campaign = CampaignID("alpha")!
    let limits = BudgetLimits(daily: nil, total: Micros(1_000_000).nanos)

    @Test func aFailedSettleLeavesTheBookHoldingWhatItWasAboutToHandBack() async throws {
        let clock = ManualClock(Instant(millisecondsSinceEpoch: 1_795_737_600_000))
        let book = BudgetBook(leased: true)
        let store = ScriptedLeases()
        let keeper = BudgetLeaseKeeper(store: store, budgets: book, serverID: "ads-1", policy: LeasePolicy(), clock: clock)
        book.prepareLease(campaign, limits: limits, largestCharge: Nanos(2_000_000), at: clock.now())
        // The first settle leases a slice (the minimum: the campaign has drawn nothing yet).
        try await keeper.settle()
        let leased = try #require(book.snapshot(campaign, at: clock.now())?.lease?.lifetime)
        #expect(leased == LeasePolicy().minimumSlice)

        // A settle that fails changes nothing, in the database or in the book.
        store.failNextSettle()
        clock.advance(seconds: 1)
        do {
            try await keeper.settle()
            Issue.record("a failed settle was reported as done")
        } catch { #expect(error.message.contains("connection lost")) }
        #expect(book.snapshot(campaign, at: clock.now())?.lease?.lifetime == leased, "the book lost or gained lease in a failed settle")
        #expect(store.settles == 2)

        // The next settle goes through and the book agrees with the database again.
        try await keeper.settle()
        #expect(book.snapshot(campaign, at: clock.now())?.lease?.lifetime == leased)
    }

    @Test func aHandBackThatFailsIsPutBack() async throws {
        let clock = ManualClock(Instant(millisecondsSinceEpoch: 1_795_737_600_000))
        let book = BudgetBook(leased: true)
        let store = ScriptedLeases()
        var policy = LeasePolicy()
        policy.minimumSlice = Nanos(10_000_000)
        let keeper = BudgetLeaseKeeper(store: store, budgets: book, serverID: "ads-1", policy: policy, clock: clock)
        book.prepareLease(campaign, limits: limits, largestCharge: Nanos(2_000_000), at: clock.now())
        try await keeper.settle()
        // Lower the slice: the lease now holds more than two slices, so the next settle
        // hands the surplus back (and the book takes it out of the allowance at once).
        let smaller = {
            var smaller = policy
            smaller.minimumSlice = Nanos(2_000_000)
            return BudgetLeaseKeeper(store: store, budgets: book, serverID: "ads-1", policy: smaller, clock: clock)
        }()
        store.failNextSettle()
        clock.advance(seconds: 1)
        await #expect(throws: StoreError.self) { try await smaller.settle() }
        #expect(book.snapshot(campaign, at: clock.now())?.lease?.lifetime == Nanos(10_000_000))
        try await smaller.settle()
        #expect(book.snapshot(campaign, at: clock.now())?.lease?.lifetime == Nanos(4_000_000))
    }
}
