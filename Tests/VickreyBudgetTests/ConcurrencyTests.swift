import Testing
import VickreyBudget
import VickreyCore

@Suite("Budgets under concurrency")
struct ConcurrencyTests {
    /// Eight tasks run auctions against twelve campaigns with budgets of a few
    /// impressions each; each win is settled at its clearing price, released, or left to
    /// expire. However the tasks interleave, no campaign spends a nano more than its
    /// budgets, and every nano reserved is accounted for as spend or release.
    @Test func concurrentAuctionsNeverOverspendAndEveryReservationIsAccountedFor() async throws {
        let start = Fixture.midnight.adding(seconds: 7_200)
        let policy = Fixture.policy(timeouts: ReservationTimeouts(impressionSeconds: 30, clickSeconds: 60))
        let campaigns: [Campaign] = (0..<12).map { index in
            let bid = Int64(1_000_000 + index * 137_000)
            return index % 3 == 2
                ? Fixture.campaign(
                    "c\(index)", advertiser: "a\(index % 5)", pricing: .cpc, bid: bid / 10, ctr: 50_000, daily: 1_700 + Int64(index) * 3,
                    total: 40_000)
                : Fixture.campaign(
                    "c\(index)", advertiser: "a\(index % 5)", bid: bid, daily: Int64(3_000 + index * 531), total: Int64(5_000 + index * 977)
                )
        }
        let snapshot = CampaignIndex(campaigns: campaigns).snapshot
        let byID = Dictionary(uniqueKeysWithValues: campaigns.map { ($0.id, $0) })
        let wins = await withTaskGroup(of: Int.self) { group in
            for task in 0..<8 {
                group.addTask {
                    var wins = 0
                    for index in 0..<400 {
                        let time = start.adding(seconds: Int64(index))
                        let request = Fixture.request("t\(task)-\(index)", at: time, floor: 10_000)
                        for win in Auctioneer().run(request, on: snapshot, policy: policy).wins {
                            wins += 1
                            let campaign = byID[win.campaignID]!
                            switch (index + task) % 4 {
                            case 0, 1:
                                let amount: Nanos =
                                    campaign.pricing == .cpm ? .impression(atCPM: win.clearingECPM) : .click(atPrice: win.price)
                                // Billed from the reservation while it is open. Tasks run at their own
                                // pace through simulated time, so another task may already have moved
                                // the account past this reservation's expiry: then the charge is a late
                                // one, billed from free budget only if it fits (never over budget).
                                let outcome = policy.budgets.charge(
                                    campaign.id, limits: BudgetLimits(campaign), amount: amount, reservationID: win.reservationID,
                                    at: time)
                                #expect(
                                    outcome == .billed(amount) || outcome == .unbilled(.dailyBudgetExhausted)
                                        || outcome == .unbilled(.totalBudgetExhausted))
                            case 2: policy.budgets.release(campaign.id, reservationID: win.reservationID, at: time)
                            default: break  // left to expire
                            }
                        }
                    }
                    return wins
                }
            }
            return await group.reduce(0, +)
        }
        #expect(wins > 150)
        let end = start.adding(seconds: 3_600)
        policy.budgets.sweep(at: end)
        for campaign in campaigns {
            let account = try #require(policy.budgets.snapshot(campaign.id, at: end))
            #expect(account.spentTotal <= campaign.totalBudget.nanos, "\(campaign.id) overspent its lifetime budget")
            #expect(account.spentToday <= campaign.dailyBudget!.nanos, "\(campaign.id) overspent its daily budget")
            #expect(account.reserved == .zero)
            #expect(account.openReservations == 0)
            #expect(account.settledFromReservations + account.releasedCumulative == account.reservedCumulative)
            // Every nano spent came from a reservation or, for a late charge, from free budget.
            #expect(account.spentTotal == account.settledFromReservations + account.chargedWithoutReservation)
        }
    }

    /// Sixteen tasks race to reserve against a budget that holds exactly 25 reservations
    /// (with no cap on open reservations: the budget is the only limit here).
    @Test func racingReservationsTakeExactlyWhatTheBudgetHolds() async {
        let book = BudgetBook(reservationLimits: .unlimited)
        let campaign = Fixture.campaign("race", bid: 1_000_000, daily: 30_000, total: 25_000)
        let now = Fixture.midnight
        let taken = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    (0..<100).reduce(0) { n, _ in
                        n
                            + (book.reserve(
                                campaign.id, limits: BudgetLimits(campaign), amount: Nanos(1_000_000), kind: .impression, at: now) != nil
                                ? 1 : 0)
                    }
                }
            }
            return await group.reduce(0, +)
        }
        #expect(taken == 25)
        #expect(book.snapshot(campaign.id, at: now)?.reserved == Nanos(25_000_000))
    }
}
