import Testing
import VickreyCore

/// One row of the pricing table: bids as (campaign, advertiser, CPM micros).
struct PricingCase: CustomTestStringConvertible, Sendable {
    var name: String
    var floor: Int64?
    var bids: [(String, String, Int64)]
    var winners: Set<String>  // any of these may win (ties)
    var price: Int64?  // nil: unfilled
    var rule: PriceRule? = nil
    var testDescription: String { name }
}

@Suite("Second-price pricing rules")
struct PricingRuleTests {
    static let cases: [PricingCase] = [
        PricingCase(
            name: "OpenRTB 2.6 §4.4.1: floor 0.85, bids 1.00/0.90/0.80 → 1.00 wins, pays 0.91",
            floor: 850_000, bids: [("a", "x", 1_000_000), ("b", "y", 900_000), ("c", "z", 800_000)],
            winners: ["a"], price: 910_000, rule: .runnerUpPlusIncrement),
        PricingCase(name: "a lone bid below the floor loses", floor: 500_000, bids: [("a", "x", 400_000)], winners: [], price: nil),
        PricingCase(
            name: "a lone bid above the floor pays the floor", floor: 500_000, bids: [("a", "x", 2_000_000)],
            winners: ["a"], price: 500_000, rule: .floor),
        PricingCase(
            name: "a lone bid pays the default minimum floor of 0.01", floor: nil, bids: [("a", "x", 2_000_000)],
            winners: ["a"], price: 10_000, rule: .floor),
        PricingCase(
            name: "a floor between the top two is paid", floor: 1_500_000,
            bids: [("a", "x", 2_000_000), ("b", "y", 1_000_000)], winners: ["a"], price: 1_500_000, rule: .floor),
        PricingCase(
            name: "a floor just above the runner-up plus increment is paid", floor: 1_020_000,
            bids: [("a", "x", 2_000_000), ("b", "y", 1_030_000)], winners: ["a"], price: 1_040_000, rule: .runnerUpPlusIncrement),
        PricingCase(
            name: "a runner-up below the floor drops out and the floor is paid", floor: 1_040_001,
            bids: [("a", "x", 2_000_000), ("b", "y", 1_030_000)], winners: ["a"], price: 1_040_001, rule: .floor),
        PricingCase(
            name: "a tie above the floor pays the tied score", floor: 100_000,
            bids: [("a", "x", 2_000_000), ("b", "y", 2_000_000)], winners: ["a", "b"], price: 2_000_000, rule: .winnerScore),
        PricingCase(
            name: "a tie at the floor pays the floor", floor: 1_000_000,
            bids: [("a", "x", 1_000_000), ("b", "y", 1_000_000)], winners: ["a", "b"], price: 1_000_000),
        PricingCase(
            name: "a runner-up within one increment is capped at the winner's score", floor: nil,
            bids: [("a", "x", 1_000_000), ("b", "y", 995_000)], winners: ["a"], price: 1_000_000, rule: .winnerScore),
        PricingCase(
            name: "two campaigns of one advertiser never set each other's price", floor: nil,
            bids: [("a1", "x", 2_000_000), ("a2", "x", 1_900_000), ("b", "y", 1_000_000)],
            winners: ["a1"], price: 1_010_000, rule: .runnerUpPlusIncrement),
        PricingCase(
            name: "an advertiser alone pays the floor whatever its other campaigns bid", floor: 300_000,
            bids: [("a1", "x", 2_000_000), ("a2", "x", 1_999_999)], winners: ["a1"], price: 300_000, rule: .floor),
        PricingCase(
            name: "a bid exactly at the floor is eligible", floor: 700_000, bids: [("a", "x", 700_000)],
            winners: ["a"], price: 700_000),
    ]

    @Test(arguments: cases)
    func priceFollowsSecondPricePlus(_ row: PricingCase) throws {
        let campaigns = row.bids.map { Fixture.campaign($0.0, advertiser: $0.1, bid: $0.2) }
        let outcome = Fixture.auction(campaigns, Fixture.request(floor: row.floor))
        let result = try #require(outcome.placements.first).result
        guard let expectedPrice = row.price else {
            #expect(result.win == nil)
            #expect(result.noFill == .belowFloor)
            return
        }
        let win = try #require(result.win)
        #expect(row.winners.contains(win.campaignID.rawValue))
        #expect(win.clearingECPM == Micros(expectedPrice))
        #expect(win.price == Micros(expectedPrice))
        if let rule = row.rule { #expect(win.priceRule == rule) }
    }

    @Test(
        arguments: [
            // (minimum, placement, request) → floor
            (10_000, nil, nil, 10_000), (10_000, 500_000, nil, 500_000), (10_000, 500_000, 30_000, 500_000),
            (10_000, nil, 30_000, 30_000), (50_000, 20_000, 30_000, 50_000),
        ] as [(Int64, Int64?, Int64?, Int64)])
    func floorIsTheLargestOfThree(minimum: Int64, placement: Int64?, request: Int64?, expected: Int64) throws {
        let rules = AuctionRules(
            minimumFloor: Micros(minimum), placementFloors: placement.map { [PlacementID("home_feed")!: Micros($0)] } ?? [:]
        )
        let outcome = Fixture.auction([Fixture.campaign("a", bid: 5_000_000)], Fixture.request(floor: request), rules: rules)
        #expect(try #require(outcome.placements.first?.result.win).clearingECPM == Micros(expected))
    }

    @Test func configurableIncrementIsAdded() throws {
        let rules = AuctionRules(increment: Micros(250_000))
        let outcome = Fixture.auction(
            [Fixture.campaign("a", bid: 3_000_000), Fixture.campaign("b", bid: 1_000_000)], Fixture.request(), rules: rules)
        #expect(try #require(outcome.placements.first?.result.win).clearingECPM == Micros(1_250_000))
    }

    @Test(
        arguments: [
            // (cpc bid, ppm, runner-up CPM or 0 for none, minimum floor) → (score, clearing eCPM, per-click price)
            (2_000_000, 12_500, 10_000_000, 10_000, 25_000_000, 10_010_000, 800_800),
            (1_234_567, 3_333, 1_000_000, 10_000, 4_114_811, 1_010_000, 303_030),
            (500_000, 1, 0, 500, 500, 500, 500_000),  // the lowest CTR: a lone winner at the floor pays its whole bid
        ] as [(Int64, Int64, Int64, Int64, Int64, Int64, Int64)])
    func cpcWinnerPaysPerClick(bid: Int64, ppm: Int64, runnerUp: Int64, minimumFloor: Int64, score: Int64, clearing: Int64, perClick: Int64)
        throws
    {
        var campaigns = [Fixture.campaign("cpc", bid: bid, pricing: .cpc, ctrPPM: ppm)]
        if runnerUp > 0 { campaigns.append(Fixture.campaign("cpm", bid: runnerUp)) }
        let outcome = Fixture.auction(campaigns, Fixture.request(), rules: AuctionRules(minimumFloor: Micros(minimumFloor)))
        let win = try #require(outcome.placements.first?.result.win)
        #expect(win.campaignID.rawValue == "cpc")
        #expect(win.pricing == .cpc)
        #expect(win.score == Micros(score))
        #expect(win.clearingECPM == Micros(clearing))
        #expect(win.price == Micros(perClick))
        #expect(win.price <= Micros(bid))
        #expect(win.maximumCharge == Nanos(bid * 1000))
    }

    @Test func cpcScoreRoundsDown() {
        #expect(
            Scoring.effectiveCPM(pricing: .cpc, bid: Micros(1_234_567), rate: ClickThroughRate(partsPerMillion: 3_333)) == Micros(4_114_811)
        )
        #expect(
            Scoring.unitPrice(pricing: .cpc, clearingECPM: Micros(1_010_000), rate: ClickThroughRate(partsPerMillion: 3_333))
                == Micros(303_030))
    }

    @Test(
        arguments: [
            // (vcpm bid, viewability ppm, runner-up CPM or 0, minimum floor) → (score, clearing eCPM, price per 1000 viewables)
            // $4 vCPM at 60% viewable scores $2.40 eCPM; against a $1.50 CPM it clears at $1.51 and pays $2.516666 per 1000 viewables.
            (4_000_000, 600_000, 1_500_000, 10_000, 2_400_000, 1_510_000, 2_516_666),
            // Alone, it clears at the floor: $0.01 eCPM at 70.0001% viewable is $0.014285 per 1000 viewables, rounded down.
            (2_000_000, 700_001, 0, 10_000, 1_400_002, 10_000, 14_285),
        ] as [(Int64, Int64, Int64, Int64, Int64, Int64, Int64)])
    func vcpmWinnerPaysPerThousandViewables(
        bid: Int64, ppm: Int64, runnerUp: Int64, minimumFloor: Int64, score: Int64, clearing: Int64, price: Int64
    ) throws {
        var campaigns = [Fixture.campaign("vcpm", bid: bid, pricing: .vcpm, viewabilityPPM: ppm)]
        if runnerUp > 0 { campaigns.append(Fixture.campaign("cpm", bid: runnerUp)) }
        let outcome = Fixture.auction(campaigns, Fixture.request(), rules: AuctionRules(minimumFloor: Micros(minimumFloor)))
        let win = try #require(outcome.placements.first?.result.win)
        #expect(win.campaignID.rawValue == "vcpm")
        #expect(win.pricing == .vcpm)
        #expect(win.score == Micros(score))
        #expect(win.clearingECPM == Micros(clearing))
        #expect(win.price == Micros(price))
        #expect(win.price <= Micros(bid))
        // A win reserves one viewable impression at the bid; the impression itself costs nothing.
        #expect(win.maximumCharge == Nanos(bid))
        #expect(Pricing.vcpm.cost(of: .impression, atPrice: win.price) == .zero)
        #expect(Pricing.vcpm.cost(of: .viewable, atPrice: win.price) == Nanos(price))
    }
}
