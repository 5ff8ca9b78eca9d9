import Testing
import VickreyBudget
import VickreyCore
import VickreyTestSupport

/// Wins that never see a beacon (requests sent to lock a competitor's budget) hold at
/// most a campaign's cap on open reservations; wins past it are served without holding
/// anything and charged at their beacon; the budget is never overspent either way.
@Suite("The cap on open reservations")
struct ReservationCapTests {
    let campaign = Fixture.campaign("victim", bid: 3_000_000, daily: nil, total: 50_000_000)
    var limits: BudgetLimits { BudgetLimits(campaign) }
    let maximumCharge = Nanos(3_000_000)

    @Test func beaconlessWinsHoldNoMoreThanTheCapAndTheRestHoldNothing() {
        let book = BudgetBook()
        let now = Fixture.midnight
        var reserved = 0
        var unreserved = 0
        for _ in 0..<1_000 {
            switch book.reserve(campaign.id, limits: limits, amount: maximumCharge, kind: .impression, at: now) {
            case nil: Issue.record("refused with budget to spare")
            case ReservationLimits.unreserved: unreserved += 1
            default: reserved += 1
            }
        }
        #expect(reserved == ReservationLimits().minimumOpen)
        #expect(unreserved == 1_000 - ReservationLimits().minimumOpen)
        let account = try? #require(book.snapshot(campaign.id, at: now))
        #expect(account?.reserved == Nanos(3_000_000 * Int64(ReservationLimits().minimumOpen)))
        #expect(account?.unreservedWins == 1_000 - ReservationLimits().minimumOpen)
    }

    /// A campaign whose beacons arrive keeps enough reservations for its traffic: the cap
    /// follows the rate beacons settle them at (per minute × the window).
    @Test func theCapFollowsTheRateBeaconsSettleReservations() {
        let book = BudgetBook()
        var now = Fixture.midnight
        // Two a second for a minute, each settled by its beacon a second later.
        var waiting: [UInt64] = []
        for second in 0..<60 {
            for _ in 0..<2 {
                let id = book.reserve(campaign.id, limits: limits, amount: maximumCharge, kind: .impression, at: now)
                waiting.append(try! #require(id))
            }
            if second > 0 {
                for id in waiting.prefix(2) {
                    _ = book.charge(campaign.id, limits: limits, amount: Nanos(1_000), reservationID: id, at: now)
                }
                waiting.removeFirst(2)
            }
            now = now.adding(seconds: 1)
        }
        // 118 settled in the last minute: the cap is 118 × 30 / 60 = 59 open reservations.
        #expect(ReservationLimits().cap(settledPerMinute: 118) == 59)
        var reserved = 0
        while let id = book.reserve(campaign.id, limits: limits, amount: maximumCharge, kind: .impression, at: now),
            id != ReservationLimits.unreserved
        {
            reserved += 1
        }
        #expect(reserved + waiting.count >= 50 && reserved + waiting.count <= 59, "\(reserved) + \(waiting.count)")
    }

    /// Near the end of a budget (fewer than another cap's worth of charges free) nothing
    /// is served unreserved: wins never outrun what is left to pay them.
    @Test func nearTheEndOfABudgetEveryWinReservesOrIsRefused() {
        let tight = Fixture.campaign("tight", bid: 3_000_000, daily: nil, total: 60)  // 60 micros: 20 charges of 3 micros
        let book = BudgetBook()
        let now = Fixture.midnight
        let limits = BudgetLimits(tight)
        // 16 reservations hold 48 micros of 60; 4 charges are free, fewer than another
        // cap's worth, so the next wins are refused, not served unreserved.
        var ids: [UInt64] = []
        while let id = book.reserve(tight.id, limits: limits, amount: Nanos(3_000), kind: .impression, at: now) { ids.append(id) }
        #expect(ids.count == 16 && !ids.contains(ReservationLimits.unreserved))
        var billed = Nanos.zero
        for id in ids {
            if case .billed(let amount) = book.charge(tight.id, limits: limits, amount: Nanos(3_000), reservationID: id, at: now) {
                billed += amount
            }
        }
        #expect(billed == Micros(48).nanos, "every reservation paid, and not a nano more")
        #expect(book.snapshot(tight.id, at: now)?.spentTotal == billed)
    }

    /// Wins served unreserved are charged from the free budget at their beacons; when more
    /// beacons arrive than the free budget holds, the rest are recorded unbilled: never
    /// overspent.
    @Test func unreservedWinsAreChargedFromFreeBudgetAndNeverPastIt() {
        let book = BudgetBook()
        let now = Fixture.midnight
        var ids: [UInt64] = []
        for _ in 0..<100 {
            ids.append(try! #require(book.reserve(campaign.id, limits: limits, amount: maximumCharge, kind: .impression, at: now)))
        }
        var billed = Nanos.zero
        var unbilled = 0
        for id in ids {
            switch book.charge(campaign.id, limits: limits, amount: maximumCharge, reservationID: id, at: now) {
            case .billed(let amount): billed += amount
            case .unbilled: unbilled += 1
            }
        }
        #expect(billed == Nanos(300_000_000) && unbilled == 0, "50 dollars hold every one of 100 charges of 3,000 micros")
        #expect(book.snapshot(campaign.id, at: now)?.spentTotal == billed)
        #expect(book.snapshot(campaign.id, at: now)?.reserved == .zero)
    }
}
