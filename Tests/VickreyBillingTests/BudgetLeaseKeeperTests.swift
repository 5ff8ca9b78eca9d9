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
        private let state = Mutex(
            (held: [CampaignID: Nanos](), failNext: false, settles: 0, pageSizes: [Int](), releaseReads: 0))

        func failNextSettle() { state.withLock { $0.failNext = true } }
        var settles: Int { state.withLock { $0.settles } }
        /// How many requests each settle transaction carried, in order.
        var pageSizes: [Int] { state.withLock { $0.pageSizes } }
        /// How many settles read other servers' releases.
        var releaseReads: Int { state.withLock { $0.releaseReads } }

        func settle(_ requests: [LeaseRequest], serverID: String, ttlSeconds: Int64, releasesSince: Int64?) async throws(StoreError)
            -> LeaseSettleResult
        {
            let grants = try state.withLock { state throws(StoreError) -> [LeaseGrant] in
                state.settles += 1
                state.pageSizes.append(requests.count)
                if releasesSince != nil { state.releaseReads += 1 }
                if state.failNext {
                    state.failNext = false
                    throw StoreError(.database, "connection lost")
                }
                return requests.filter { $0.period == .lifetime }.map { request in
                    let held = state.held[request.campaignID, default: .zero] + request.change
                    state.held[request.campaignID] = held
                    return LeaseGrant(
                        campaignID: request.campaignID, period: .lifetime, change: request.change, held: held,
                        budget: Micros(1_000_000).nanos, fleetSpent: .zero, outstanding: held)
                }
            }
            return LeaseSettleResult(grants: grants, releases: [], databaseTime: 0)
        }

        func release(serverID: String) async throws(StoreError) -> Nanos {
            state.withLock { $0.held.values.reduce(.zero, +) }
        }
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

    /// A keeper with the default policy on a fresh leased book and a scripted store.
    static func keeperOnAScriptedStore() -> (ManualClock, BudgetBook, ScriptedLeases, BudgetLeaseKeeper) {
        let clock = ManualClock(Instant(millisecondsSinceEpoch: 1_795_737_600_000))
        let book = BudgetBook(leased: true)
        let store = ScriptedLeases()
        return (clock, book, store, BudgetLeaseKeeper(store: store, budgets: book, serverID: "ads-1", policy: LeasePolicy(), clock: clock))
    }

    /// A catalogue larger than a page: start-up leases the first page before serving, the
    /// keeper's next settle the rest in pages, and a campaign not yet leased holds nothing.
    @Test func aLargeCatalogueIsLeasedInPagesAndTheFirstPageBeforeTheRest() async throws {
        let (clock, book, store, keeper) = Self.keeperOnAScriptedStore()
        let page = BudgetLeaseKeeper.settlePageSize
        let campaigns = (0..<(2 * page + 7)).map { CampaignID(unchecked: "c-\($0)") }
        for id in campaigns { book.prepareLease(id, limits: limits, largestCharge: Nanos(2_000_000), at: clock.now()) }
        func leased() -> Int { campaigns.count { (book.snapshot($0, at: clock.now())?.lease?.lifetime ?? .zero) > .zero } }

        #expect(try await keeper.settle(maximumPages: 1) == page)
        #expect(store.pageSizes == [page])
        #expect(leased() == page)

        // The next settle asks again for the rest (and refreshes the first page's figures).
        clock.advance(seconds: 1)
        try await keeper.settle()
        #expect(store.pageSizes.count >= 3, "the remaining \(page + 7) campaigns need two pages at least")
        #expect(store.pageSizes.allSatisfy { $0 <= page })
        #expect(leased() == campaigns.count)
        // Only the last page of a settle reads the releases other servers asked for.
        #expect(store.releaseReads == 0, "before the first complete settle there is nothing to release yet")
        clock.advance(seconds: 1)
        try await keeper.settle()
        #expect(store.releaseReads == 1)
    }
    /// A start makes only the first page's active campaigns ask for leases before serving; the
    /// rest ask in the keeper's next whole settle, with the campaigns as they stand then (a
    /// budget cut in between is the one asked with). Paused campaigns never ask, and a
    /// campaign that has not asked yet is refused by its screening (it cannot bid).
    @Test func aStartPreparesTheFirstPageAndTheNextSettleTheRest() async throws {
        let (clock, book, store, keeper) = Self.keeperOnAScriptedStore()
        let page = BudgetLeaseKeeper.settlePageSize
        let campaigns = (0..<(2 * page)).map { index in
            var campaign = Campaign(
                id: CampaignID(unchecked: "c-\(index)"), advertiserID: AdvertiserID(unchecked: "acme"), bid: Micros(2_000),
                totalBudget: Micros(1_000_000), creatives: [])
            if index % 10 == 3 { campaign.status = .paused }
            return campaign
        }
        let active = campaigns.filter { $0.status == .active }
        func leased(_ id: CampaignID) -> Bool { (book.snapshot(id, at: clock.now())?.lease?.lifetime ?? .zero) > .zero }

        let catalogue = Mutex(campaigns)
        keeper.prepareLeases { catalogue.withLock { $0 } }
        #expect(try await keeper.settle(maximumPages: 1) == page)
        #expect(active.prefix(page).allSatisfy { leased($0.id) })
        #expect(active.dropFirst(page).allSatisfy { book.snapshot($0.id, at: clock.now()) == nil }, "asked before the start was done")
        let late = try #require(active.last)
        let screening = book.screen(
            late.id, limits: BudgetLimits(late), maximumCharge: late.maximumCharge, requestID: "r-1", at: clock.now())
        #expect(screening != .eligible)

        // Its budget cut before the keeper's next settle: that settle asks with the new limit.
        let cutIndex = try #require(campaigns.lastIndex { $0.id == late.id })
        catalogue.withLock { $0[cutIndex].totalBudget = Micros(400_000) }
        clock.advance(seconds: 1)
        try await keeper.settle()
        #expect(active.allSatisfy { leased($0.id) })
        #expect(book.snapshot(late.id, at: clock.now())?.limits.total == Micros(400_000).nanos)
        #expect(campaigns.filter { $0.status == .paused }.allSatisfy { book.snapshot($0.id, at: clock.now()) == nil })
    }
}
