import Testing
import VickreyBudget
import VickreyCore

@Suite("Even pacing")
struct PacingTests {
    /// A budget for 1,000 impressions and 10,000 eligible requests evenly over one day.
    @Test func anEvenPacedCampaignSpendsItsDayEvenly() {
        let result = PacingSimulation(requests: 10_000, budgetImpressions: 1_000).run()
        let share = Double(result.spent.value) / Double(result.budget.value)
        #expect(share >= 0.95 && share <= 1, "spent \(share * 100)% of the daily budget")
        let fairShare = Double(result.impressions) / 24
        for (hour, count) in result.impressionsByHour.enumerated() {
            #expect(Double(count) <= 2 * fairShare, "hour \(hour) took \(count) impressions, fair share \(fairShare)")
        }
    }

    @Test func anAsapCampaignIsNeverThrottled() throws {
        let policy = Fixture.policy()
        let asap = Fixture.campaign("asap", daily: 1_000_000)
        for index in 0..<200 {
            #expect(
                Fixture.win([asap], Fixture.request("r\(index)", at: Fixture.midnight.adding(seconds: Int64(index))), policy: policy) != nil
            )
        }
    }

    @Test func pacingDecisionsShowInTheExplanation() throws {
        let policy = Fixture.policy()
        let paced = Fixture.campaign("paced", daily: 1_000_000, pacing: .even)
        var throttled: CandidateExplanation?
        for index in 0..<100 where throttled == nil {
            var request = Fixture.request("p\(index)", at: Fixture.midnight.adding(seconds: 60 + Int64(index)))
            request.debug = true
            throttled = Fixture.outcome([paced], request, policy: policy).explanation?.placements[0].candidates.first {
                $0.stage == .pacing
            }
        }
        let reason = try #require(throttled?.reason)
        #expect(reason.hasPrefix("even pacing: pass-through 10.0%"))
    }

    @Test func expectedTrafficFollowsTheHourlyWeights() {
        var weights = Array(repeating: 0.0, count: 24)
        weights[12] = 3
        weights[18] = 1
        let settings = PacingSettings(hourlyTrafficWeights: weights)
        #expect(settings.expectedTrafficShare(millisecondsIntoDay: 12 * 3_600_000) == 0)
        #expect(settings.expectedTrafficShare(millisecondsIntoDay: 13 * 3_600_000) == 0.75)
        #expect(settings.expectedTrafficShare(millisecondsIntoDay: 18 * 3_600_000 + 1_800_000) == 0.875)
        #expect(PacingSettings().expectedTrafficShare(millisecondsIntoDay: 6 * 3_600_000) == 0.25)
    }
}
