import Dispatch
import Synchronization
import Testing
import VickreyBudget
import VickreyCore

@Suite("Line items: goals met and never overshot, sponsorship shares held")
struct LineItemDeliveryTests {
    static func lineItem(_ id: String, _ delivery: DeliveryType, rate: Int64 = 2_000_000, start: Instant, end: Instant) -> Campaign {
        var campaign = Fixture.campaign(id, bid: rate, start: start, end: end)
        campaign.lineItem = LineItemTerms(delivery: delivery, rate: Micros(rate))
        return campaign
    }

    @Test("A week of shaped traffic: three overlapping even items each deliver 99–100% of their goals, tracking their curves")
    func goalSimulation() {
        let result = GoalSimulation(requestsPerWeek: 40_000).run()
        for item in result.items {
            #expect(item.delivered * 100 >= item.goal * 99, "\(item.id): \(item.delivered) of \(item.goal)")
            #expect(item.delivered <= item.goal, "\(item.id): \(item.delivered) of \(item.goal)")
            // Hour by hour, cumulative delivery stays within 2% of the goal of the ideal curve.
            var cumulative: Int64 = 0
            var worst: Int64 = 0
            for hour in 0..<168 {
                cumulative += item.deliveredByHour[hour]
                worst = max(worst, abs(cumulative - item.idealByHour[hour]))
            }
            #expect(worst * 50 <= item.goal, "\(item.id): \(worst) away from its curve")
        }
        // What the goals did not need went to the higher-bidding open auction.
        #expect(result.auctionImpressions > 0)
    }

    @Test("An asap item stops exactly at its goal, under concurrent auctions and late beacons")
    func asapStopsAtItsGoal() {
        let start = Fixture.midnight
        let item = Self.lineItem("asap", .standard(goal: 500, pace: .asap), start: start, end: start.adding(seconds: 86_400))
        let rival = Fixture.campaign("rival", bid: 9_000_000)
        let policy = Fixture.policy()
        let snapshot = CampaignIndex(campaigns: [item, rival]).snapshot
        let reservations = Mutex<[UInt64]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            for index in 0..<500 {
                let request = Fixture.request("r-\(worker)-\(index)", at: start.adding(seconds: 60))
                for win in Auctioneer().run(request, on: snapshot, policy: policy).wins where win.campaignID == item.id {
                    reservations.withLock { $0.append(win.reservationID) }
                }
            }
        }
        let held = reservations.withLock { $0 }
        #expect(held.count == 500)
        for id in held {
            _ = policy.budgets.charge(
                item.id, limits: BudgetLimits(item), amount: item.maximumCharge, reservationID: id, at: start.adding(seconds: 61))
        }
        #expect(policy.budgets.snapshot(item.id, at: start.adding(seconds: 62))?.spentTotal == Nanos(500 * 2_000_000))
        // Beyond the goal the item no longer takes requests, even at its booked rate in the auction.
        let after = Auctioneer().run(Fixture.request("after", at: start.adding(seconds: 90)), on: snapshot, policy: policy)
        #expect(after.wins.first?.campaignID == rival.id)
    }

    @Test("Sponsorships hold their shares within 2 points over 10,000 matching requests", arguments: [[30], [30, 20], [5, 60]])
    func sponsorshipShares(_ shares: [Int]) {
        let start = Fixture.midnight
        let sponsors = shares.enumerated().map { index, share in
            Self.lineItem("s\(index)", .sponsorship(sharePercent: share), start: start, end: start.adding(seconds: 86_400))
        }
        let policy = Fixture.policy()
        let snapshot = CampaignIndex(campaigns: sponsors + [Fixture.campaign("rival", bid: 9_000_000)]).snapshot
        var taken = [String: Int](uniqueKeysWithValues: sponsors.map { ($0.id.rawValue, 0) })
        for index in 0..<10_000 {
            let request = Fixture.request("q-\(index)", at: start.adding(seconds: Int64(index)))
            for win in Auctioneer().run(request, on: snapshot, policy: policy).wins { taken[win.campaignID.rawValue]? += 1 }
        }
        for (sponsor, share) in zip(sponsors, shares) {
            let got = taken[sponsor.id.rawValue] ?? 0
            #expect(abs(got * 100 / 10_000 - share) <= 2, "\(sponsor.id): \(got) of 10,000 for a \(share)% share")
            #expect(policy.lineItems.tally(sponsor.id).matched > 0)
        }
    }
}
