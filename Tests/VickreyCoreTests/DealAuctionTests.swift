import Testing
import VickreyCore

/// Private-marketplace deals: who may bid, at what floor, and how each `at` prices.
@Suite("Deals: private and open auctions, each at")
struct DealAuctionTests {
    static let now = Instant(secondsSinceEpoch: 1_795_000_000)

    static func campaign(_ id: String, _ advertiser: String, bid: Int64, deals: [CampaignDeal] = []) -> Campaign {
        var campaign = Campaign(
            id: CampaignID(id)!, advertiserID: AdvertiserID(advertiser)!, bid: Micros(bid), totalBudget: Micros(1_000_000_000),
            creatives: [
                Creative(
                    id: CreativeID("\(id)-cr")!, size: AdSize("300x250")!, imageURL: "", clickURL: "",
                    advertiserDomains: ["\(advertiser).example"])
            ])
        campaign.deals = deals
        return campaign
    }

    static let d1 = DealID("D1")!

    static func outcome(
        _ campaigns: [Campaign], deals: [DealRequest], privateAuction: Bool, requestID: String = "r-1", floor: Micros? = nil
    ) -> (winner: String?, price: Int64?, deal: String?) {
        let index = CampaignIndex(campaigns: campaigns)
        let request = AuctionRequest(
            requestID: requestID,
            placements: [PlacementRequest(id: PlacementID("home_feed")!, floor: floor, deals: deals, privateAuction: privateAuction)],
            time: now, debug: true)
        let outcome = Auctioneer().run(request, on: index.snapshot)
        guard case .filled(let win) = outcome.placements[0].result else { return (nil, nil, nil) }
        return (win.campaignID.rawValue, win.clearingECPM.value, win.dealID)
    }

    static let inDeal = [
        campaign("deal-a", "a", bid: 3_000_000, deals: [CampaignDeal(id: d1)]),
        campaign("deal-b", "b", bid: 2_000_000, deals: [CampaignDeal(id: d1)]),
        campaign("open-c", "c", bid: 4_000_000),
    ]

    @Test(arguments: [
        // (at, deal floor, winner, price)
        (DealAuctionType.secondPrice, Int64(1_000_000), "deal-a", Int64(2_010_000)),  // runner-up in the deal + increment
        (.secondPrice, 2_500_000, "deal-a", 2_500_000),  // deal-b is under the deal floor: a lone bidder pays the floor
        (.firstPrice, 1_000_000, "deal-a", 3_000_000),  // pays its bid
        (.fixedPrice, 1_500_000, "deal-a", 1_500_000),  // pays the deal floor
    ])
    func aPrivateAuctionPricesByItsRule(at: DealAuctionType, floor: Int64, winner: String, price: Int64) {
        let result = Self.outcome(Self.inDeal, deals: [DealRequest(id: "D1", floor: Micros(floor), auctionType: at)], privateAuction: true)
        #expect(result.winner == winner && result.price == price && result.deal == "D1")
    }

    @Test func aCampaignsOwnDealFloorRaisesItsBar() {
        var campaigns = Self.inDeal
        campaigns[1].deals = [CampaignDeal(id: Self.d1, floor: Micros(2_500_000))]  // deal-b bids 2.00 under its own 2.50
        let result = Self.outcome(campaigns, deals: [DealRequest(id: "D1", floor: Micros(1_000_000))], privateAuction: true)
        #expect(result.winner == "deal-a" && result.price == 1_000_000)
        campaigns[0].deals = [CampaignDeal(id: Self.d1, floor: Micros(1_800_000))]  // the winner's own floor sets its price
        #expect(Self.outcome(campaigns, deals: [DealRequest(id: "D1", floor: Micros(1_000_000))], privateAuction: true).price == 1_800_000)
    }

    @Test func anOpenAuctionLetsDealsCompeteWithEveryone() {
        // open-c bids 4.00 in the open auction, more than the deal's 3.00: the open auction wins.
        let open = Self.outcome(Self.inDeal, deals: [DealRequest(id: "D1", floor: Micros(1_000_000))], privateAuction: false)
        #expect(open.winner == "open-c" && open.price == 3_010_000 && open.deal == nil)
        // Without open-c, the deal's winner ties the open auction's (the same campaign): the deal wins.
        let tie = Self.outcome(
            Array(Self.inDeal.prefix(2)), deals: [DealRequest(id: "D1", auctionType: .fixedPrice)], privateAuction: false)
        #expect(tie.winner == "deal-a" && tie.deal == "D1" && tie.price == 10_000)  // fixed at the minimum floor
        // Private: open-c may not bid at all.
        #expect(Self.outcome(Self.inDeal, deals: [DealRequest(id: "D1")], privateAuction: true).winner == "deal-a")
        // A private auction whose deal no campaign is in goes unfilled.
        #expect(Self.outcome(Self.inDeal, deals: [DealRequest(id: "other")], privateAuction: true).winner == nil)
    }

    @Test func seatsAndDomainsRestrictTheDeal() {
        let seats = Self.outcome(Self.inDeal, deals: [DealRequest(id: "D1", seats: ["b"])], privateAuction: true)
        #expect(seats.winner == "deal-b" && seats.price == 10_000)
        let domains = Self.outcome(Self.inDeal, deals: [DealRequest(id: "D1", advertiserDomains: ["b.example"])], privateAuction: true)
        #expect(domains.winner == "deal-b")
        #expect(Self.outcome(Self.inDeal, deals: [DealRequest(id: "D1", seats: ["z"])], privateAuction: true).winner == nil)
    }

    @Test func tiesInADealBreakByTheRequestIDAndPayTheTiedScore() {
        let tied = [
            Self.campaign("t1", "x", bid: 2_000_000, deals: [CampaignDeal(id: Self.d1)]),
            Self.campaign("t2", "y", bid: 2_000_000, deals: [CampaignDeal(id: Self.d1)]),
        ]
        var winners = Set<String>()
        for request in 0..<40 {
            let first = Self.outcome(tied, deals: [DealRequest(id: "D1")], privateAuction: true, requestID: "r-\(request)")
            let again = Self.outcome(tied, deals: [DealRequest(id: "D1")], privateAuction: true, requestID: "r-\(request)")
            #expect(first.winner == again.winner && first.price == 2_000_000)
            winners.insert(first.winner ?? "")
        }
        #expect(winners == ["t1", "t2"])
    }
}
