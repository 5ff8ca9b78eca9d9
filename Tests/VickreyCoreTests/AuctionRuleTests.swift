import Testing
import VickreyCore

@Suite("Auction rules beyond pricing")
struct AuctionRuleTests {
    @Test func placementsAreAuctionedInOrderAndAWinnerTakesNoPartLater() throws {
        let campaigns = [
            Fixture.campaign("a", advertiser: "x", bid: 3_000_000),
            Fixture.campaign("b", advertiser: "y", bid: 2_000_000),
            Fixture.campaign("c", advertiser: "z", bid: 1_000_000),
        ]
        let outcome = Fixture.auction(campaigns, Fixture.request(placements: ["home_feed", "sidebar", "footer", "extra"]))
        let wins = outcome.placements.map(\.result.win)
        #expect(wins.map { $0?.campaignID.rawValue } == ["a", "b", "c", nil])
        // a pays b+inc; b, with a gone, pays c+inc (a does not set b's price); c is alone.
        #expect(wins.map { $0?.clearingECPM.value } == [2_010_000, 1_010_000, 10_000, nil])
        #expect(outcome.placements[3].result.noFill == .alreadyWon)
    }

    @Test func aCampaignThatWonEarlierDoesNotSetALaterPrice() throws {
        let campaigns = [Fixture.campaign("a", advertiser: "x", bid: 3_000_000), Fixture.campaign("b", advertiser: "y", bid: 2_000_000)]
        let outcome = Fixture.auction(campaigns, Fixture.request(placements: ["p1", "p2"]))
        let second = try #require(outcome.placements[1].result.win)
        #expect(second.campaignID.rawValue == "b")
        #expect(second.priceRule == .floor)
        #expect(second.clearingECPM == Micros(10_000))
    }

    static let tiedCampaigns = (0..<5).map { Fixture.campaign("t\($0)", bid: 1_500_000) }

    @Test func tieBreakIsReproducibleForARequestID() throws {
        let first = Fixture.auction(Self.tiedCampaigns, Fixture.request("same-id")).wins.first?.campaignID
        for order in [Self.tiedCampaigns.reversed(), Self.tiedCampaigns.shuffled(), Self.tiedCampaigns] {
            #expect(Fixture.auction(Array(order), Fixture.request("same-id")).wins.first?.campaignID == first)
        }
    }

    @Test func tieBreakVariesAcrossRequestIDs() {
        var winners: [String: Int] = [:]
        for number in 0..<500 {
            let winner = Fixture.auction(Self.tiedCampaigns, Fixture.request("r-\(number)")).wins.first!.campaignID.rawValue
            winners[winner, default: 0] += 1
        }
        #expect(winners.count == 5)
        // Uniform: each of five should win about 100 of 500; allow a wide margin.
        #expect(winners.values.allSatisfy { (50...150).contains($0) })
    }

    @Test func highestScoreWinsAcrossPricingModels() throws {
        // CPC $0.50 at 1% CTR scores 5_000_000 eCPM and beats a $4 CPM.
        let campaigns = [
            Fixture.campaign("cpc", bid: 500_000, pricing: .cpc, ctrPPM: 10_000),
            Fixture.campaign("cpm", bid: 4_000_000),
        ]
        let win = try #require(Fixture.auction(campaigns, Fixture.request()).wins.first)
        #expect(win.campaignID.rawValue == "cpc")
        #expect(win.clearingECPM == Micros(4_010_000))
        #expect(win.price == Micros(401_000))  // 4_010_000 × 1000 / 10_000 per click
    }

    @Test(
        arguments: [
            // (start offset s, end offset s, serves)
            (nil, nil, true), (-60, nil, true), (60, nil, false), (nil, 60, true), (nil, 0, false), (-120, -60, false),
        ] as [(Int64?, Int64?, Bool)])
    func flightDatesBoundServing(start: Int64?, end: Int64?, serves: Bool) {
        let campaign = Fixture.campaign(
            "a", bid: 1_000_000, start: start.map { Fixture.now.adding(seconds: $0) }, end: end.map { Fixture.now.adding(seconds: $0) }
        )
        let outcome = Fixture.auction([campaign], Fixture.request())
        #expect((outcome.wins.count == 1) == serves)
        if !serves { #expect(outcome.placements[0].result.noFill == .flight) }
    }

    @Test func hoursOfWeekAreCountedInTheCampaignsTimeZone() throws {
        // 2026-11-16 is a Monday. At 10:00 UTC it is 19:00 in Tokyo (UTC+9).
        let mondayTenUTC = Instant(secondsSinceEpoch: 1_794_823_200)
        #expect(mondayTenUTC.hourOfWeek(offsetSeconds: 0) == 10)
        let tokyo = try #require(CampaignTimeZone(identifier: "Asia/Tokyo"))
        let utcMorning = Fixture.campaign("utc", bid: 1_000_000, targeting: Targeting(hoursOfWeek: HoursOfWeek([10])!))
        let tokyoEvening = Fixture.campaign("tokyo", bid: 2_000_000, targeting: Targeting(hoursOfWeek: HoursOfWeek([19])!), timeZone: tokyo)
        let tokyoMorning = Fixture.campaign(
            "tokyo-am", bid: 3_000_000, targeting: Targeting(hoursOfWeek: HoursOfWeek([10])!), timeZone: tokyo)
        let outcome = Fixture.auction(
            [utcMorning, tokyoEvening, tokyoMorning], Fixture.request(placements: ["p1", "p2", "p3"], time: mondayTenUTC))
        #expect(outcome.wins.map(\.campaignID.rawValue) == ["tokyo", "utc"])
    }

    @Test func theFirstCreativeOfAnAcceptedSizeIsServed() throws {
        let campaign = Fixture.campaign("a", bid: 1_000_000, sizes: ["728x90", "300x250", "320x50"])
        let win = try #require(Fixture.auction([campaign], Fixture.request(sizes: ["320x50", "300x250"])).wins.first)
        #expect(win.creative.size.description == "300x250")
        let anySize = try #require(Fixture.auction([campaign], Fixture.request()).wins.first)
        #expect(anySize.creative.size.description == "728x90")
        #expect(Fixture.auction([campaign], Fixture.request(sizes: ["160x600"])).wins.isEmpty)
    }

    @Test func pausedAndCreativeLessCampaignsNeverServe() {
        let outcome = Fixture.auction(
            [Fixture.campaign("p", bid: 9_000_000, status: .paused), Fixture.campaign("n", bid: 9_000_000, sizes: [])],
            Fixture.request()
        )
        #expect(outcome.wins.isEmpty)
        #expect(outcome.placements[0].result.noFill == .noCandidates)
    }
}

@Suite("Eligibility policy and explanations")
struct EligibilityAndExplanationTests {
    /// Refuses named campaigns at a stage and can fail claims, to exercise the interface.
    struct ScriptedPolicy: EligibilityPolicy {
        var refusals: [String: CandidateStage] = [:]
        var failingClaims: Set<String> = []
        func screen(_ candidate: IndexedCampaign, request: AuctionRequest) -> Screening {
            refusals[candidate.campaign.id.rawValue].map { .refused($0, reason: "scripted \($0.rawValue)") } ?? .eligible
        }
        func claim(_ candidate: IndexedCampaign, request: AuctionRequest) -> UInt64? {
            failingClaims.contains(candidate.campaign.id.rawValue) ? nil : 7
        }
    }

    @Test func refusedCampaignsNeitherWinNorSetThePrice() throws {
        let campaigns = [
            Fixture.campaign("capped", bid: 5_000_000), Fixture.campaign("paced", bid: 4_000_000),
            Fixture.campaign("broke", bid: 3_000_000), Fixture.campaign("ok", bid: 2_000_000), Fixture.campaign("low", bid: 1_000_000),
        ]
        let policy = ScriptedPolicy(refusals: ["capped": .frequencyCap, "paced": .pacing, "broke": .budget])
        let win = try #require(Fixture.auction(campaigns, Fixture.request(), policy: policy).wins.first)
        #expect(win.campaignID.rawValue == "ok")
        #expect(win.clearingECPM == Micros(1_010_000))
    }

    @Test func aFailedClaimFallsThroughToTheNextCampaign() throws {
        let campaigns = [
            Fixture.campaign("a", bid: 5_000_000), Fixture.campaign("b", bid: 4_000_000), Fixture.campaign("c", bid: 1_000_000),
        ]
        let outcome = Fixture.auction(campaigns, Fixture.request(debug: true), policy: ScriptedPolicy(failingClaims: ["a"]))
        let win = try #require(outcome.wins.first)
        #expect(win.campaignID.rawValue == "b")
        #expect(win.clearingECPM == Micros(1_010_000))
        let explained = try #require(outcome.explanation?.placements.first)
        #expect(explained.candidates.first { $0.campaignID.rawValue == "a" }?.stage == .budget)
    }

    @Test func unfilledReasonIsTheBestCandidatesFate() {
        let campaigns = [Fixture.campaign("a", bid: 5_000_000), Fixture.campaign("b", bid: 4_000_000)]
        let outcome = Fixture.auction(campaigns, Fixture.request(), policy: ScriptedPolicy(refusals: ["a": .pacing, "b": .budget]))
        #expect(outcome.placements[0].result.noFill == .pacing)
    }

    @Test func debugExplainsEveryCampaignsStage() throws {
        let campaigns = [
            Fixture.campaign("winner", advertiser: "x", bid: 5_000_000),
            Fixture.campaign("sibling", advertiser: "x", bid: 4_500_000),
            Fixture.campaign("second", advertiser: "y", bid: 3_000_000),
            Fixture.campaign("third", advertiser: "z", bid: 2_000_000),
            Fixture.campaign("cheap", advertiser: "w", bid: 100_000),
            Fixture.campaign("capped", advertiser: "v", bid: 9_000_000),
            Fixture.campaign("french", advertiser: "u", bid: 9_000_000, targeting: Targeting(countries: [CountryCode("FR")!])),
            Fixture.campaign("ended", advertiser: "t", bid: 9_000_000, end: Fixture.now.adding(seconds: -1)),
        ]
        let outcome = Fixture.auction(
            campaigns, Fixture.request(floor: 500_000, country: "US", debug: true),
            policy: ScriptedPolicy(refusals: ["capped": .frequencyCap])
        )
        let explained = try #require(outcome.explanation?.placements.first)
        let stages = Dictionary(uniqueKeysWithValues: explained.candidates.map { ($0.campaignID.rawValue, $0.stage) })
        #expect(
            stages == [
                "winner": .won, "sibling": .outbid, "second": .outbid, "third": .outbid, "cheap": .floor,
                "capped": .frequencyCap, "french": .targeting, "ended": .flight,
            ])
        #expect(explained.floor == Micros(500_000))
        #expect(explained.requestFloor == Micros(500_000))
        #expect(explained.winner?.rawValue == "winner")
        #expect(explained.runnerUp?.rawValue == "second")
        #expect(explained.clearingECPM == Micros(3_010_000))
        #expect(explained.priceRule == .runnerUpPlusIncrement)
        #expect(explained.targetingRejections == 1)
        #expect(explained.candidates.first { $0.campaignID.rawValue == "french" }?.reason == "country not in the campaign's include list")
    }

    @Test func debugDoesNotChangeTheDecision() throws {
        let world = (0..<40).map { Fixture.campaign("c\($0)", advertiser: "a\($0 % 6)", bid: Int64(($0 % 9) + 1) * 500_000) }
        for number in 0..<50 {
            let plain = Fixture.auction(world, Fixture.request("r\(number)", placements: ["a", "b", "c"], floor: 1_000_000))
            let debug = Fixture.auction(world, Fixture.request("r\(number)", placements: ["a", "b", "c"], floor: 1_000_000, debug: true))
            #expect(plain.wins.map(\.campaignID) == debug.wins.map(\.campaignID))
            #expect(plain.wins.map(\.clearingECPM) == debug.wins.map(\.clearingECPM))
        }
    }
}
