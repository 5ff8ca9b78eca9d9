import Testing
import VickreyBudget
import VickreyCore

/// A fleet server's book: it spends only what the database has leased it, asks for
/// slices sized from its own draw, and hands back what it does not need.
@Suite("A fleet server's book spends only its leases")
struct LeasedBookTests {
    let now = Fixture.midnight.adding(seconds: 3_600)
    let policy = {
        var policy = LeasePolicy()
        policy.horizonMilliseconds = 5_000
        policy.minimumSlice = Nanos(10_000_000)
        policy.maximumSlice = Nanos(1_000_000_000)
        return policy
    }()

    func grant(_ campaign: Campaign, _ period: BudgetPeriod, _ change: Int64, spent: Int64 = 0, outstanding: Int64? = nil) -> LeaseGrant {
        let budget = period == .lifetime ? campaign.totalBudget.nanos : campaign.dailyBudget?.nanos
        return LeaseGrant(
            campaignID: campaign.id, period: period, change: Nanos(change), held: Nanos(change), budget: budget, fleetSpent: Nanos(spent),
            outstanding: Nanos(outstanding ?? change))
    }

    /// A fleet server's book whose account for `campaign` (largest charge 2,000,000) holds
    /// a lifetime lease of `granted`.
    func leasedBook(_ campaign: Campaign, granted: Int64) -> BudgetBook {
        let book = BudgetBook(leased: true)
        book.prepareLease(campaign.id, limits: BudgetLimits(campaign), largestCharge: Nanos(2_000_000), at: now)
        book.apply([grant(campaign, .lifetime, granted)], at: now)
        return book
    }

    @Test func withoutALeaseNothingIsReservedAndTheRefusalSaysWhy() throws {
        let book = BudgetBook(leased: true)
        let campaign = Fixture.campaign("c", bid: 2_000_000)
        let screening = book.screen(
            campaign.id, limits: BudgetLimits(campaign), maximumCharge: Nanos(2_000_000), requestID: "r", at: now, explain: true)
        guard case .refused(.budget, let reason) = screening else {
            Issue.record("screened \(screening)")
            return
        }
        #expect(reason.contains("this server's lease"), "\(reason)")
        #expect(book.reserve(campaign.id, limits: BudgetLimits(campaign), amount: Nanos(2_000_000), kind: .impression, at: now) == nil)
        #expect(book.leaseWanted.take())
        #expect(!book.leaseWanted.take(), "taken once")
    }

    @Test func reservationsAndChargesDrawOnTheLeaseAndNeverPastIt() throws {
        let campaign = Fixture.campaign("c", bid: 2_000_000)
        let limits = BudgetLimits(campaign)
        let book = leasedBook(campaign, granted: 5_000_000)
        // Two reservations of 2,000,000 fit in 5,000,000; a third does not.
        let first = try #require(book.reserve(campaign.id, limits: limits, amount: Nanos(2_000_000), kind: .impression, at: now))
        #expect(book.reserve(campaign.id, limits: limits, amount: Nanos(2_000_000), kind: .impression, at: now) != nil)
        #expect(book.reserve(campaign.id, limits: limits, amount: Nanos(2_000_000), kind: .impression, at: now) == nil)
        // A charge settles the reservation and spends the lease.
        #expect(
            book.charge(campaign.id, limits: limits, amount: Nanos(1_500_000), reservationID: first, at: now) == .billed(Nanos(1_500_000)))
        var lease = try #require(book.snapshot(campaign.id, at: now)?.lease)
        #expect(lease.lifetime == Nanos(3_500_000))
        // An unreserved charge (an ad won on another server) is passed to the database even
        // past the lease: it bills it from the lease, tops the lease up from the pool, or
        // refuses it.
        #expect(
            book.charge(campaign.id, limits: limits, amount: Nanos(1_500_000), reservationID: nil, at: now) == .billed(Nanos(1_500_000)))
        #expect(
            book.charge(campaign.id, limits: limits, amount: Nanos(2_500_000), reservationID: nil, at: now) == .billed(Nanos(2_500_000)))
        lease = try #require(book.snapshot(campaign.id, at: now)?.lease)
        #expect(lease.lifetime == Nanos(-500_000))
        // A charge the database did not record returns to the lease; one it refused does not.
        book.refund(campaign.id, amount: Nanos(2_500_000), toLease: true, at: now)
        lease = try #require(book.snapshot(campaign.id, at: now)?.lease)
        #expect(lease.lifetime == Nanos(2_000_000))
        book.refund(campaign.id, amount: Nanos(1_500_000), toLease: false, at: now)
        #expect(book.snapshot(campaign.id, at: now)?.lease?.lifetime == Nanos(2_000_000))
        // But a reservation never goes past the lease: 2,000,000 reserved of 2,000,000.
        #expect(book.reserve(campaign.id, limits: limits, amount: Nanos(1), kind: .impression, at: now) == nil)
    }

    @Test func aSettleBringsTheAllowanceBackToWhatTheDatabaseHolds() throws {
        let campaign = Fixture.campaign("c", bid: 2_000_000)
        let limits = BudgetLimits(campaign)
        let book = leasedBook(campaign, granted: 4_000_000)
        // A foreign charge of 6,000,000 the database covered by topping the lease up by
        // 2,000,000: locally the lease went to -2,000,000; the database holds 0.
        _ = book.charge(campaign.id, limits: limits, amount: Nanos(6_000_000), reservationID: nil, at: now)
        book.chargeRecorded(campaign.id, amount: Nanos(6_000_000))
        _ = book.leaseRequests(at: now.adding(seconds: 1), policy: policy)
        var answer = grant(campaign, .lifetime, 10_000_000)
        answer.held = Nanos(10_000_000)
        book.apply([answer], at: now.adding(seconds: 1))
        #expect(book.snapshot(campaign.id, at: now)?.lease?.lifetime == Nanos(10_000_000))
        // A charge still on its way to the database keeps the allowance below what it holds.
        _ = book.charge(campaign.id, limits: limits, amount: Nanos(1_000_000), reservationID: nil, at: now)
        _ = book.leaseRequests(at: now.adding(seconds: 2), policy: policy)
        answer = grant(campaign, .lifetime, 0)
        answer.held = Nanos(10_000_000)
        book.apply([answer], at: now.adding(seconds: 2))
        #expect(book.snapshot(campaign.id, at: now)?.lease?.lifetime == Nanos(9_000_000))
    }

    @Test func aLeaseReapedDuringAPartitionIsNotSpentAgain() throws {
        let campaign = Fixture.campaign("c", bid: 2_000_000)
        let book = leasedBook(campaign, granted: 8_000_000)
        // The database reaped the lease while the server could not renew it; the next
        // settle grants 3,000,000 and says the server now holds just that.
        var regrant = grant(campaign, .lifetime, 3_000_000)
        regrant.held = Nanos(3_000_000)
        book.apply([regrant], at: now)
        #expect(book.snapshot(campaign.id, at: now)?.lease?.lifetime == Nanos(3_000_000))
    }

    @Test func aDailyBudgetNeedsTodaysLeaseToo() throws {
        let book = BudgetBook(leased: true)
        let campaign = Fixture.campaign("c", bid: 2_000_000, daily: 1_000_000)
        let limits = BudgetLimits(campaign)
        let today = now.dayNumber(offsetSeconds: 0)
        book.prepareLease(campaign.id, limits: limits, largestCharge: Nanos(2_000_000), at: now)
        book.apply([grant(campaign, .lifetime, 10_000_000)], at: now)
        #expect(book.reserve(campaign.id, limits: limits, amount: Nanos(2_000_000), kind: .impression, at: now) == nil)
        book.apply([grant(campaign, .day(today), 4_000_000)], at: now)
        #expect(book.reserve(campaign.id, limits: limits, amount: Nanos(2_000_000), kind: .impression, at: now) != nil)
        #expect(book.budgetDay(limits, at: now) == today)
        // Tomorrow, yesterday's daily lease is no use: it is handed back, and today's asked for.
        let tomorrow = now.adding(seconds: 86_400)
        let requests = book.leaseRequests(at: tomorrow, policy: policy)
        #expect(requests.contains { $0.period == .day(today) && $0.change == Nanos(-4_000_000) }, "\(requests)")
        #expect(requests.contains { $0.period == .day(today + 1) && $0.change > .zero }, "\(requests)")
    }

    /// A settle limited to its first pages asks only the accounts reached before the limit;
    /// the rest keep their wishes and ask in the next settle.
    @Test func aLimitedSettleAsksOnlyTheAccountsItReaches() throws {
        let book = BudgetBook(leased: true)
        let campaigns = (0..<10).map { Fixture.campaign("c-\($0)", bid: 2_000_000, total: 1_000_000) }
        for campaign in campaigns {
            book.prepareLease(campaign.id, limits: BudgetLimits(campaign), largestCharge: Nanos(2_000_000), at: now)
        }
        let first = book.leaseRequests(at: now, policy: policy, limit: 3)
        #expect(first.count == 3)
        let everyone = book.leaseRequests(at: now, policy: policy)
        #expect(Set(everyone.map(\.campaignID)) == Set(campaigns.map(\.id)))
        #expect(everyone.allSatisfy { $0.change == Nanos(10_000_000) })
    }

    @Test func slicesFollowTheDrawAndAnIdleServerHandsBackWhenThePoolRunsLow() throws {
        let book = BudgetBook(leased: true)
        let campaign = Fixture.campaign("c", bid: 2_000_000, total: 1_000_000)
        let limits = BudgetLimits(campaign)
        book.prepareLease(campaign.id, limits: limits, largestCharge: Nanos(2_000_000), at: now)
        // Nothing drawn yet: the first slice is the minimum.
        var requests = book.leaseRequests(at: now, policy: policy)
        #expect(
            requests == [LeaseRequest(campaignID: campaign.id, period: .lifetime, change: Nanos(10_000_000), minimum: Nanos(2_000_000))])
        book.apply([grant(campaign, .lifetime, 10_000_000)], at: now)
        // 8,000,000 drawn in one second: a slice is five seconds of that (40,000,000).
        for _ in 0..<4 { _ = book.reserve(campaign.id, limits: limits, amount: Nanos(2_000_000), kind: .impression, at: now) }
        requests = book.leaseRequests(at: now.adding(seconds: 1), policy: policy)
        #expect(requests.map(\.change) == [Nanos(40_000_000 - 2_000_000)], "\(requests)")
        // Idle, with the fleet's pool nearly dry: everything unreserved goes back.
        let idle = BudgetBook(leased: true)
        idle.prepareLease(campaign.id, limits: limits, largestCharge: Nanos(2_000_000), at: now)
        idle.apply([grant(campaign, .lifetime, 10_000_000, spent: 985_000_000, outstanding: 10_000_000)], at: now)
        requests = idle.leaseRequests(at: now.adding(seconds: 1), policy: policy)
        #expect(requests.map(\.change) == [Nanos(-10_000_000)], "\(requests)")
        #expect(idle.snapshot(campaign.id, at: now.adding(seconds: 2))?.lease?.lifetime == .zero)
        // A failed settle puts it back: the database still holds it.
        idle.settleFailed(requests)
        #expect(idle.snapshot(campaign.id, at: now.adding(seconds: 2))?.lease?.lifetime == Nanos(10_000_000))
    }

    @Test(arguments: [
        // wanted, minimum, available, other holders → granted
        (100, 10, 1_000, 0, 100),  // plenty: what was asked
        (100, 10, 150, 0, 100),  // alone, running low: still what was asked (share is 150)
        (100, 10, 150, 2, 50),  // three holders share the last 150: a third each
        (100, 10, 25, 2, 10),  // a third is below one charge: one charge, if it is there
        (100, 10, 9, 0, 0),  // less than one charge left: nothing (it would be stranded)
        (100, 10, -5, 0, 0),  // overdrawn pool (a budget lowered): nothing
    ])
    func theDatabaseGrantsAFairShareWhenAPoolRunsLow(wanted: Int64, minimum: Int64, available: Int64, others: Int, granted: Int64) {
        #expect(
            LeasePolicy.grant(wanted: Nanos(wanted), minimum: Nanos(minimum), available: Nanos(available), otherHolders: others)
                == Nanos(granted))
    }
}
