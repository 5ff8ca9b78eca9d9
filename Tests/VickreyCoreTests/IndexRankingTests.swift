import Testing
import VickreyCore

/// The index keeps campaigns in descending score order and puts later changes in a tail
/// it merges in, re-ranking when the tail grows: decisions must not depend on which
/// part a campaign sits in.
@Suite("Index ranking and its tail")
struct IndexRankingTests {
    /// 100 campaigns bidding 0.10 … 10.00, each from its own advertiser.
    static func ladder() -> [Campaign] { (1...100).map { Fixture.campaign("c\($0)", bid: Int64($0) * 100_000) } }

    static func winnerAndPrice(_ index: CampaignIndex) -> (String?, Int64?) {
        let win = Auctioneer().run(Fixture.request(), on: index.snapshot).placements[0].result.win
        return (win?.campaignID.rawValue, win?.clearingECPM.value)
    }

    @Test func aRescoredCampaignCompetesAtItsNewScoreBeforeAndAfterReRanking() {
        let index = CampaignIndex(campaigns: Self.ladder())
        #expect(Self.winnerAndPrice(index) == ("c100", 9_910_000))

        // c5 moves to the tail with the best bid; c100 drops below c99.
        index.apply([.upsert(Fixture.campaign("c5", bid: 20_000_000)), .upsert(Fixture.campaign("c100", bid: 50_000))])
        #expect(Self.winnerAndPrice(index) == ("c5", 9_910_000))

        // c5 leaves; the runner-up now comes from the ranked part (c99) behind c98.
        index.apply([.remove(CampaignID("c5")!)])
        #expect(Self.winnerAndPrice(index) == ("c99", 9_810_000))

        // Enough single changes to force re-ranking several times over; the ladder is
        // rebuilt upside down, one campaign at a time: c1 ends up bidding the most.
        for number in 1...99 where number != 5 {
            index.apply([.upsert(Fixture.campaign("c\(number)", bid: Int64(200 - number) * 100_000))])
        }
        #expect(Self.winnerAndPrice(index) == ("c1", 19_810_000))
        #expect(index.snapshot.count == 99)
    }

    @Test func aTieBetweenTheRankedPartAndTheTailIsBrokenTheSameWay() {
        let ranked = CampaignIndex(campaigns: Self.ladder() + [Fixture.campaign("c101", bid: 10_000_000)])
        let tailed = CampaignIndex(campaigns: Self.ladder())
        tailed.apply([.upsert(Fixture.campaign("c101", bid: 10_000_000))])
        for number in 0..<50 {
            let request = Fixture.request("tie-\(number)")
            let a = Auctioneer().run(request, on: ranked.snapshot).placements[0].result.win
            let b = Auctioneer().run(request, on: tailed.snapshot).placements[0].result.win
            #expect(a?.campaignID == b?.campaignID)
            #expect(a?.clearingECPM == Micros(10_000_000))
        }
    }
}
