import Synchronization
import Testing
import VickreyCore

/// Line-item state fixed by the test: each standard item's progress and each
/// sponsorship's tally before the request, so the documented rules predict every decision.
final class ScriptedLineItems: EligibilityPolicy {
    let progress: [String: Int64]
    let tallies: Mutex<[String: SponsorshipTally]>
    let refused: Set<String>

    init(progress: [String: Int64] = [:], tallies: [String: SponsorshipTally] = [:], refused: Set<String> = []) {
        self.progress = progress
        self.tallies = Mutex(tallies)
        self.refused = refused
    }

    func screen(_ candidate: IndexedCampaign, request: AuctionRequest) -> Screening {
        refused.contains(candidate.campaign.id.rawValue) ? .refused(.budget, reason: "scripted") : .eligible
    }
    func claim(_ candidate: IndexedCampaign, request: AuctionRequest) -> UInt64? { 1 }
    func goalProgress(_ candidate: IndexedCampaign, at now: Instant) -> Int64 { progress[candidate.campaign.id.rawValue] ?? 0 }
    func countSponsorshipMatches(_ sponsorships: [CampaignID]) -> [SponsorshipTally] {
        tallies.withLock { tallies in
            sponsorships.map { id in
                var tally = tallies[id.rawValue] ?? SponsorshipTally(matched: 0, taken: 0)
                tally.matched += 1
                tallies[id.rawValue] = tally
                return tally
            }
        }
    }
    func countSponsorshipTake(_ sponsorship: CampaignID) { tallies.withLock { $0[sponsorship.rawValue]?.taken += 1 } }
}

extension Fixture {
    /// A line item: `bid` is its booked rate; standard items fly a 10-day flight around `now`.
    static func lineItem(
        _ id: String, _ delivery: DeliveryType, rate: Int64, labels: [String] = [], roadblock: Bool = false,
        sizes: [String] = ["300x250"], targeting: Targeting = .any
    ) -> Campaign {
        var campaign = Fixture.campaign(
            id, bid: delivery == .house ? max(rate, 1) : rate, targeting: targeting, sizes: sizes,
            start: now.adding(seconds: -5 * 86_400), end: now.adding(seconds: 5 * 86_400))
        campaign.lineItem = LineItemTerms(
            delivery: delivery, rate: Micros(delivery.isGuaranteed ? rate : 0), exclusionLabels: labels, roadblock: roadblock)
        return campaign
    }
}

struct TierCase: CustomTestStringConvertible, Sendable {
    var name: String
    var campaigns: [Campaign]
    var progress: [String: Int64] = [:]
    var tallies: [String: SponsorshipTally] = [:]
    var refused: Set<String> = []
    var winner: String?
    var tier: DeliveryTier?
    var price: Int64?
    var rule: PriceRule? = nil
    var testDescription: String { name }
}

@Suite("Line items: tier selection and pricing")
struct LineItemSelectionTests {
    /// Standard items fly 10 days, half elapsed: a 1,000,000 goal has due ≈ 1,000,000 × (5/9.9)
    /// of the target-shortened flight = 505,050 impressions.
    static let half: Int64 = 505_050

    static let cases: [TierCase] = [
        TierCase(
            name: "a sponsorship behind its share takes the request at its booked rate, over a higher auction bid",
            campaigns: [
                Fixture.lineItem("s", .sponsorship(sharePercent: 30), rate: 2_000_000),
                Fixture.campaign("p", bid: 9_000_000),
            ], tallies: ["s": SponsorshipTally(matched: 9, taken: 2)], winner: "s", tier: .sponsorship, price: 2_000_000, rule: .bookedRate),
        TierCase(
            name: "a sponsorship at its share gives way to the auction, where it does not bid",
            campaigns: [
                Fixture.lineItem("s", .sponsorship(sharePercent: 30), rate: 2_000_000),
                Fixture.campaign("p", bid: 1_000_000),
            ], tallies: ["s": SponsorshipTally(matched: 9, taken: 3)], winner: "p", tier: .pricePriority, price: 10_000,
            rule: .floor),
        TierCase(
            name: "of two sponsorships behind, the larger deficit takes it",
            campaigns: [
                Fixture.lineItem("s1", .sponsorship(sharePercent: 20), rate: 1_000_000),
                Fixture.lineItem("s2", .sponsorship(sharePercent: 50), rate: 1_000_000),
            ], tallies: ["s1": SponsorshipTally(matched: 99, taken: 0), "s2": SponsorshipTally(matched: 99, taken: 40)],
            winner: "s1", tier: .sponsorship, price: 1_000_000, rule: .bookedRate),
        TierCase(
            name: "a standard item behind its even curve takes the request at its booked rate",
            campaigns: [
                Fixture.lineItem("g", .standard(goal: 1_000_000, pace: .even), rate: 3_000_000),
                Fixture.campaign("p", bid: 8_000_000),
            ], progress: ["g": half - 1], winner: "g", tier: .standard, price: 3_000_000, rule: .bookedRate),
        TierCase(
            name: "a standard item on its curve bids its rate in the auction and loses to a higher bid, setting the price",
            campaigns: [
                Fixture.lineItem("g", .standard(goal: 1_000_000, pace: .even), rate: 3_000_000),
                Fixture.campaign("p", bid: 8_000_000),
            ], progress: ["g": half], winner: "p", tier: .pricePriority, price: 3_010_000, rule: .runnerUpPlusIncrement),
        TierCase(
            name: "a standard item on its curve wins the auction over lower bids and pays its booked rate",
            campaigns: [
                Fixture.lineItem("g", .standard(goal: 1_000_000, pace: .even), rate: 3_000_000),
                Fixture.campaign("p", bid: 1_000_000),
            ], progress: ["g": half], winner: "g", tier: .pricePriority, price: 3_000_000, rule: .bookedRate),
        TierCase(
            name: "the standard item most behind (relative to its goal) comes first",
            campaigns: [
                Fixture.lineItem("g1", .standard(goal: 1_000_000, pace: .even), rate: 1_000_000),
                Fixture.lineItem("g2", .standard(goal: 2_000, pace: .even), rate: 1_000_000),
            ], progress: ["g1": half - 10_000, "g2": 0], winner: "g2", tier: .standard, price: 1_000_000, rule: .bookedRate),
        TierCase(
            name: "front_loaded is due f × (2 − f): 75% at half the flight",
            campaigns: [Fixture.lineItem("g", .standard(goal: 1_000_000, pace: .frontLoaded), rate: 1_000_000)],
            progress: ["g": 700_000], winner: "g", tier: .standard, price: 1_000_000, rule: .bookedRate),
        TierCase(
            name: "asap needs every request until its goal",
            campaigns: [
                Fixture.lineItem("g", .standard(goal: 1_000_000, pace: .asap), rate: 1_000_000),
                Fixture.campaign("p", bid: 5_000_000),
            ], progress: ["g": 999_999], winner: "g", tier: .standard, price: 1_000_000, rule: .bookedRate),
        TierCase(
            name: "a sponsorship outranks a standard item that is behind",
            campaigns: [
                Fixture.lineItem("g", .standard(goal: 1_000_000, pace: .asap), rate: 9_000_000),
                Fixture.lineItem("s", .sponsorship(sharePercent: 100), rate: 1_000_000),
            ], winner: "s", tier: .sponsorship, price: 1_000_000, rule: .bookedRate),
        TierCase(
            name: "a house ad fills what nothing else fills, charged nothing",
            campaigns: [
                Fixture.lineItem("h", .house, rate: 5),
                Fixture.campaign("p", bid: 1_000_000),
            ], refused: ["p"], winner: "h", tier: .house, price: 0, rule: .house),
        TierCase(
            name: "a house ad never competes in the auction",
            campaigns: [
                Fixture.lineItem("h", .house, rate: 9_000_000),
                Fixture.campaign("p", bid: 1_000_000),
            ], winner: "p", tier: .pricePriority, price: 10_000, rule: .floor),
        TierCase(
            name: "nothing eligible, no house ad: unfilled",
            campaigns: [Fixture.lineItem("s", .sponsorship(sharePercent: 10), rate: 1_000_000)],
            refused: ["s"], winner: nil, tier: nil, price: nil),
    ]

    @Test(arguments: cases)
    func decides(_ row: TierCase) {
        let policy = ScriptedLineItems(progress: row.progress, tallies: row.tallies, refused: row.refused)
        let outcome = Fixture.auction(row.campaigns, Fixture.request(debug: true), policy: policy)
        let win = outcome.placements[0].result.win
        #expect(win?.campaignID.rawValue == row.winner)
        #expect(win?.price.value == row.price)
        if let rule = row.rule { #expect(win?.priceRule == rule) }
        if let tier = row.tier {
            let explanation = outcome.explanation?.placements.first
            #expect(explanation?.tier == tier)
            #expect(explanation?.tierRule?.isEmpty == false)
        }
    }

    @Test("Ties within a tier break by the request-id draw, the same draw every time")
    func tiesAreDrawn() {
        let campaigns = ["a", "b", "c"].map { Fixture.lineItem($0, .standard(goal: 1_000, pace: .asap), rate: 1_000_000) }
        var winners = Set<String>()
        for number in 0..<60 {
            let request = Fixture.request("tie-\(number)")
            let first = Fixture.auction(campaigns, request, policy: ScriptedLineItems()).wins.first?.campaignID.rawValue
            let again = Fixture.auction(campaigns, request, policy: ScriptedLineItems()).wins.first?.campaignID.rawValue
            #expect(first == again)
            if let first { winners.insert(first) }
        }
        #expect(winners == ["a", "b", "c"])
    }

    @Test("No two ads of one answer share an exclusion label; other labels are free")
    func competitiveExclusion() {
        let campaigns = [
            Fixture.campaign("auto-1", bid: 5_000_000).labelled(["auto"]),
            Fixture.campaign("auto-2", bid: 4_000_000).labelled(["auto", "premium"]),
            Fixture.campaign("food", bid: 3_000_000).labelled(["food"]),
        ]
        let outcome = Fixture.auction(campaigns, Fixture.request(placements: ["top", "middle", "bottom"], debug: true))
        let winners = outcome.placements.map { $0.result.win?.campaignID.rawValue }
        #expect(winners == ["auto-1", "food", nil])
        let dropped = outcome.explanation?.placements[1].candidates.first { $0.campaignID.rawValue == "auto-2" }
        #expect(dropped?.reason.contains("label 'auto'") == true)
    }

    @Test("A roadblock fills every placement it matches, or none")
    func roadblock() {
        let banner = Fixture.request(placements: ["top", "side"], debug: true)
        let block = Fixture.campaign("block", bid: 2_000_000).labelled([], roadblock: true)
        let rival = Fixture.campaign("rival", bid: 1_000_000)
        let both = Fixture.auction([block, rival], banner)
        #expect(both.placements.map { $0.result.win?.campaignID.rawValue } == ["block", "block"])
        #expect(both.explanation?.placements[1].tierRule?.contains("roadblock") == true)
        // Its claim for the second placement fails: it gives back the first and neither is its.
        let oneClaim = OneClaimPolicy(limited: "block")
        let none = Fixture.auction([block, rival], banner, policy: oneClaim)
        #expect(none.placements.map { $0.result.win?.campaignID.rawValue } == ["rival", nil])
        #expect(oneClaim.released.withLock { $0 } == 1)
        // A roadblock that matched an earlier placement, where a higher bid won, cannot take a later one.
        let top = Fixture.campaign("top-only", bid: 9_000_000, targeting: Targeting(placements: [PlacementID("top")!]))
        let later = Fixture.auction([block, top], banner)
        #expect(later.placements.map { $0.result.win?.campaignID.rawValue } == ["top-only", nil])
    }

    @Test("Campaigns without line-item fields decide exactly as the plain auction")
    func plainAuctionUnchanged() {
        let campaigns = (0..<30).map { Fixture.campaign("c\($0)", bid: Int64(1_000_000 + $0 * 7_919 % 50_000)) }
        var snapshot = CampaignIndex(campaigns: campaigns).snapshot
        #expect(!snapshot.hasLineItems)
        let request = Fixture.request(placements: ["a", "b", "c"], debug: true)
        let plain = Auctioneer().run(request, on: snapshot, policy: AlwaysEligible())
        snapshot.apply([.upsert(Fixture.lineItem("h", .house, rate: 1))])
        let withHouse = Auctioneer().run(request, on: snapshot, policy: AlwaysEligible())
        #expect(plain.wins.map(\.campaignID) == withHouse.wins.map(\.campaignID))
        #expect(plain.wins.map(\.price) == withHouse.wins.map(\.price))
        #expect(plain.explanation?.placements.first?.tier == nil)
        #expect(withHouse.explanation?.placements.first?.tier == .pricePriority)
    }
}

/// Lets `limited` claim once, and counts what it gives back.
final class OneClaimPolicy: EligibilityPolicy {
    let limited: String
    let claims = Mutex(0)
    let released = Mutex(0)
    init(limited: String) { self.limited = limited }
    func screen(_ candidate: IndexedCampaign, request: AuctionRequest) -> Screening { .eligible }
    func claim(_ candidate: IndexedCampaign, request: AuctionRequest) -> UInt64? {
        guard candidate.campaign.id.rawValue == limited else { return 1 }
        return claims.withLock { count in
            count += 1
            return count == 1 ? 1 : nil
        }
    }
    func release(_ candidate: IndexedCampaign, reservationID: UInt64, request: AuctionRequest) { released.withLock { $0 += 1 } }
}

extension Campaign {
    func labelled(_ labels: [String], roadblock: Bool = false) -> Campaign {
        var campaign = self
        campaign.lineItem = LineItemTerms(delivery: .pricePriority, rate: .zero, exclusionLabels: labels, roadblock: roadblock)
        return campaign
    }
}
