import Testing
import VickreyBudget
import VickreyCore
import VickreyTestSupport

@Suite("Frequency caps")
struct FrequencyCapTests {
    let clock = ManualClock(Fixture.midnight)

    @Test(arguments: [(1, Int64(60)), (3, Int64(3_600)), (5, Int64(86_400))])
    func aCapHoldsExactlyAndOpensAgainWhenItsWindowPasses(impressions: Int, window: Int64) throws {
        let policy = Fixture.policy()
        let capped = Fixture.campaign("capped", cap: FrequencyCap(impressions: impressions, windowSeconds: window))
        let firstServed = clock.now()
        var served = 0
        for index in 0..<(impressions + 3) {
            if Fixture.win([capped], Fixture.request("r\(index)", user: "u1", at: clock.now()), policy: policy) != nil { served += 1 }
            clock.advance(seconds: 1)
        }
        #expect(served == impressions)
        // Another user is not affected.
        #expect(Fixture.win([capped], Fixture.request("other", user: "u2", at: clock.now()), policy: policy) != nil)
        clock.set(firstServed.adding(seconds: window))
        #expect(Fixture.win([capped], Fixture.request("later", user: "u1", at: clock.now()), policy: policy) != nil)
    }

    @Test func concurrentRequestsForOneUserNeverExceedTheCap() async {
        let policy = Fixture.policy()
        let capped = Fixture.campaign("capped", cap: FrequencyCap(impressions: 3, windowSeconds: 3_600))
        let snapshot = CampaignIndex(campaigns: [capped]).snapshot
        let now = clock.now()
        let served = await withTaskGroup(of: Int.self) { group in
            for task in 0..<8 {
                group.addTask {
                    (0..<50).reduce(0) { total, index in
                        total
                            + Auctioneer().run(Fixture.request("t\(task)-\(index)", user: "same", at: now), on: snapshot, policy: policy)
                            .wins.count
                    }
                }
            }
            return await group.reduce(0, +)
        }
        #expect(served == 3)
    }

    @Test func anonymousRequestsAreUncappedUnlessTheCampaignRefusesThem() throws {
        let policy = Fixture.policy()
        let open = Fixture.campaign("open", cap: FrequencyCap(impressions: 1, windowSeconds: 3_600))
        let strict = Fixture.campaign("strict", cap: FrequencyCap(impressions: 1, windowSeconds: 3_600, refuseAnonymous: true))
        for index in 0..<5 {
            #expect(Fixture.win([open], Fixture.request("o\(index)", at: clock.now()), policy: policy) != nil)
        }
        var request = Fixture.request("s", at: clock.now())
        request.debug = true
        let outcome = Fixture.outcome([strict], request, policy: policy)
        let candidate = try #require(outcome.explanation?.placements[0].candidates.first)
        #expect(candidate.stage == .frequencyCap)
        #expect(candidate.reason.contains("no user id"))
    }

    @Test func theOldestUsersAreForgottenFirstWithinTheBound() {
        let caps = FrequencyCapper(maximumUsers: 100, shardCount: 1)
        let campaign = CampaignID(unchecked: "c")
        let cap = FrequencyCap(impressions: 1, windowSeconds: 86_400)
        let now = clock.now()
        #expect(caps.record(user: "old", campaign: campaign, cap: cap, at: now))
        for index in 0..<49 { _ = caps.record(user: "u\(index)", campaign: campaign, cap: cap, at: now) }
        // 49 newer users later, the oldest one is still remembered and still capped.
        #expect(caps.count(user: "old", campaign: campaign, windowSeconds: 86_400, at: now) == 1)
        #expect(!caps.record(user: "old", campaign: campaign, cap: cap, at: now))
        for index in 49..<200 { _ = caps.record(user: "u\(index)", campaign: campaign, cap: cap, at: now) }
        #expect(caps.count(user: "old", campaign: campaign, windowSeconds: 86_400, at: now) == 0)
        #expect(caps.count(user: "u199", campaign: campaign, windowSeconds: 86_400, at: now) == 1)
        #expect(caps.rememberedUsers <= 100)
        // A forgotten generation takes its serves with it: one each for the users left.
        #expect(caps.rememberedServes == caps.rememberedUsers)
        caps.forget(user: "u199", campaign: campaign, at: now)
        #expect(caps.rememberedServes == caps.rememberedUsers - 1)
    }

    /// A user shown many campaigns keeps only those whose caps can still count: the rest
    /// are dropped the next time it is served, so its history does not grow with every
    /// campaign it ever saw.
    @Test func campaignsPastTheirCapWindowAreForgottenWhenTheUserIsServedAgain() {
        let caps = FrequencyCapper(maximumUsers: 100, shardCount: 1)
        let hourly = FrequencyCap(impressions: 2, windowSeconds: 3_600)
        let daily = FrequencyCap(impressions: 2, windowSeconds: 86_400)
        let start = clock.now()
        for index in 0..<200 { #expect(caps.record(user: "u", campaign: CampaignID(unchecked: "h\(index)"), cap: hourly, at: start)) }
        #expect(caps.record(user: "u", campaign: CampaignID(unchecked: "d"), cap: daily, at: start))
        #expect(caps.rememberedServes == 201)
        // Two hours on: one more serve drops the 200 hourly campaigns, keeps the daily one.
        let later = start.adding(seconds: 7_200)
        #expect(caps.record(user: "u", campaign: CampaignID(unchecked: "new"), cap: hourly, at: later))
        #expect(caps.rememberedServes == 2)
        #expect(caps.count(user: "u", campaign: CampaignID(unchecked: "d"), windowSeconds: 86_400, at: later) == 1)
        #expect(caps.count(user: "u", campaign: CampaignID(unchecked: "h7"), windowSeconds: 3_600, at: later) == 0)
        // A campaign at its cap stays capped until its window passes.
        #expect(caps.record(user: "u", campaign: CampaignID(unchecked: "d"), cap: daily, at: later))
        #expect(!caps.record(user: "u", campaign: CampaignID(unchecked: "d"), cap: daily, at: later))
    }

    /// A user's history is bounded: past `maximumServesPerUser` serves still within their
    /// windows, the oldest is forgotten first (and its campaign may show again).
    @Test func aUsersHistoryKeepsItsNewestServesWithinTheBound() {
        let caps = FrequencyCapper(maximumUsers: 100, shardCount: 1)
        let daily = FrequencyCap(impressions: 1, windowSeconds: 86_400)
        let limit = FrequencyCapper.maximumServesPerUser
        let start = clock.now()
        for index in 0..<(limit + 10) {
            #expect(
                caps.record(user: "u", campaign: CampaignID(unchecked: "c\(index)"), cap: daily, at: start.adding(seconds: Int64(index))))
        }
        #expect(caps.rememberedServes == limit)
        let now = start.adding(seconds: Int64(limit + 10))
        #expect(caps.count(user: "u", campaign: CampaignID(unchecked: "c9"), windowSeconds: 86_400, at: now) == 0)
        #expect(caps.count(user: "u", campaign: CampaignID(unchecked: "c10"), windowSeconds: 86_400, at: now) == 1)
        #expect(!caps.record(user: "u", campaign: CampaignID(unchecked: "c\(limit + 9)"), cap: daily, at: now))
        #expect(caps.record(user: "u", campaign: CampaignID(unchecked: "c0"), cap: daily, at: now))
    }
}
