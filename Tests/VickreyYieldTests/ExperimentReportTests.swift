import Testing
import VickreyCore
import VickreyStore
import VickreyYield

/// Synthetic streams through the real auction under an experiment, reported by the same
/// code as `adctl experiment report`: known answers, told apart from noise.
@Suite("Experiment reports")
struct ExperimentReportTests {
    /// One stream: `users` users making 1–6 requests each on `home_feed` with one of five
    /// keywords; `bidders` CPM campaigns of different advertisers per keyword, bidding from `bids`.
    static func stream(
        _ experiment: Experiment, bids: ClosedRange<Int64>, bidders: Int = 1, users: Int = 3_000, seed: UInt64 = 11
    ) -> (tallies: [ArmTally], delivery: [ArmDelivery]) {
        var random = SplitMix64(state: seed)
        let keywords = (0..<5).map { "k\($0)" }
        let campaigns = keywords.flatMap { keyword in
            (0..<bidders).map { bidder in
                Campaign(
                    id: CampaignID("c-\(keyword)-\(bidder)")!, advertiserID: AdvertiserID("adv-\(bidder)")!,
                    bid: Micros(bids.lowerBound + Int64(random.next() % UInt64(bids.upperBound - bids.lowerBound + 1))),
                    totalBudget: Micros(1 << 40), targeting: Targeting(keywords: [Keyword(keyword)!]),
                    creatives: [Creative(id: CreativeID("cr-\(keyword)-\(bidder)")!, size: AdSize("300x250")!, imageURL: "", clickURL: "")])
            }
        }
        let index = CampaignIndex(campaigns: campaigns)
        let auctioneer = Auctioneer()
        let plan = ExperimentPlan([experiment])
        let counter = ExperimentCounter()
        var delivery: [String: ArmDelivery] = [:]
        var request = 0
        for user in 0..<users {
            for _ in 0...(random.next() % 6) {
                request += 1
                let auction = AuctionRequest(
                    requestID: "r-\(request)", userID: "u-\(user)", keywords: [Keyword(keywords[Int(random.next() % 5)])!],
                    placements: [PlacementRequest(id: PlacementID("home_feed")!, sizes: [AdSize("300x250")!])],
                    time: Instant(secondsSinceEpoch: 1_795_000_000))
                let outcome = auctioneer.run(auction, on: index.snapshot, experiments: plan)
                counter.count(outcome)
                for win in outcome.wins {
                    let tag = try! #require(win.experiment)
                    let key = "\(tag.arm)/\(tag.bucket)"
                    var row = delivery[key] ?? ArmDelivery(arm: tag.arm, bucket: tag.bucket, impressions: 0, clicks: 0, revenue: .zero)
                    row.impressions += 1
                    row.revenue += Nanos.impression(atCPM: win.clearingECPM)
                    delivery[key] = row
                }
            }
        }
        return (counter.take(), Array(delivery.values))
    }

    static func experiment(high: ExperimentArm) -> Experiment {
        Experiment(
            id: ExperimentID("floors")!, placements: [PlacementID("home_feed")!],
            arms: [ExperimentArm(name: ArmName("control")!, weight: 50), high])
    }

    static func report(_ experiment: Experiment, _ stream: (tallies: [ArmTally], delivery: [ArmDelivery])) -> ExperimentReport {
        ExperimentReport(
            experiment: StoredExperiment(experiment: experiment, createdAt: Instant(secondsSinceEpoch: 0), stoppedAt: nil),
            tallies: stream.tallies, delivery: stream.delivery)
    }

    static let highFloor = ExperimentArm(name: ArmName("high-floor")!, weight: 50, minimumFloor: Micros(1_000_000))

    @Test func aHighFloorOverBidsWellAboveItEarnsMoreSignificantly() throws {
        let experiment = Self.experiment(high: Self.highFloor)
        let report = Self.report(experiment, Self.stream(experiment, bids: 1_500_000...3_000_000))
        let (control, high) = (report.arms[0], report.arms[1])
        // Lone bidders pay the floor: 10_000 micros eCPM under control, 1_000_000 under the arm.
        #expect(control.fills == control.auctions && high.fills == high.auctions)
        #expect(control.rpm == 10_000)
        #expect(high.rpm == 1_000_000)
        #expect(high.difference == 990_000)
        #expect(high.significant == true)
        #expect(try #require(high.differenceInterval).lowerBound > 0)
        #expect(try #require(control.rpmInterval).contains(control.rpm))
        #expect(!report.sampleRatio.mismatch)
    }

    @Test func aHighFloorOverBidsBelowItEarnsLessSignificantly() throws {
        let experiment = Self.experiment(high: Self.highFloor)
        let report = Self.report(experiment, Self.stream(experiment, bids: 200_000...800_000))
        let (control, high) = (report.arms[0], report.arms[1])
        #expect(high.fills == 0 && high.revenue == .zero)
        #expect(control.fillRatePPM == 1_000_000 && control.rpm == 10_000)
        #expect(high.difference == -10_000)
        #expect(high.significant == true)
        #expect(try #require(high.differenceInterval).upperBound < 0)
    }

    @Test func anAATestIsNotSignificant() throws {
        // Both arms run the configured parameters. Two bidders per keyword: the price is the
        // runner-up's bid plus the increment, so revenue varies with each request's keyword,
        // and the arms differ only by chance.
        let experiment = Self.experiment(high: ExperimentArm(name: ArmName("same")!, weight: 50, minimumFloor: Micros(10_000)))
        let report = Self.report(experiment, Self.stream(experiment, bids: 200_000...3_000_000, bidders: 2))
        #expect(report.arms[0].rpm != report.arms[1].rpm, "no noise: the test would prove nothing")
        #expect(report.arms[1].significant == false)
        #expect(try #require(report.arms[1].differenceInterval).contains(0))
        #expect(!report.sampleRatio.mismatch)
    }

    @Test func aSplitFarFromItsWeightsIsFlagged() {
        // Assigned 50/50, reported as if the weights were 80/20.
        let assigned = Self.experiment(high: Self.highFloor)
        var claimed = assigned
        claimed.arms[0].weight = 80
        claimed.arms[1].weight = 20
        let report = Self.report(claimed, Self.stream(assigned, bids: 1_500_000...3_000_000))
        #expect(report.sampleRatio.mismatch)
        #expect(report.sampleRatio.worstArm == ArmName("high-floor"))
    }

    @Test func armsAreStableAndFollowTheirWeights() {
        let experiment = Experiment(
            id: ExperimentID("split")!,
            arms: [ExperimentArm(name: ArmName("a")!, weight: 1), ExperimentArm(name: ArmName("b")!, weight: 3)])
        var counts: [ArmName: Int] = [:]
        for user in 0..<40_000 {
            let tag = experiment.assignment(unitID: "user-\(user)")
            #expect(tag == experiment.assignment(unitID: "user-\(user)"))
            #expect((0..<Experiment.buckets).contains(tag.bucket))
            counts[tag.arm, default: 0] += 1
        }
        // 1:3 within 1.5% of 40,000 (about five standard deviations).
        #expect(abs(counts[ArmName("a")!, default: 0] - 10_000) < 600)
        // Another experiment's split is independent of this one's.
        let other = Experiment(id: ExperimentID("other")!, arms: experiment.arms)
        let agree = (0..<10_000).filter { experiment.assignment(unitID: "user-\($0)").arm == other.assignment(unitID: "user-\($0)").arm }
        #expect(abs(agree.count - 6_250) < 400)  // P(same arm) = 1/16 + 9/16
    }
}
