import Foundation
import VickreyBudget
import VickreyCore
import VickreySynthetic

/// Auction latency over synthetic campaign sets, through the index and through a
/// linear scan in the same run, on one core (one thread).
///
///     auction-bench [--campaigns 1000,10000,100000] [--requests 20000] [--scan-requests 400]
///     auction-bench demo        one explained auction over a small synthetic world

struct Options {
    var sizes = [1_000, 10_000, 100_000]
    var requests = 20_000
    var scanRequests = 400
    var demo = false

    init(_ arguments: [String]) {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "demo": demo = true
            case "--campaigns": sizes = (iterator.next() ?? "").split(separator: ",").compactMap { Int($0) }
            case "--requests": requests = iterator.next().flatMap(Int.init) ?? requests
            case "--scan-requests": scanRequests = iterator.next().flatMap(Int.init) ?? scanRequests
            default:
                print("unknown argument \(argument); usage: auction-bench [demo] [--campaigns N,N] [--requests N] [--scan-requests N]")
                exit(2)
            }
        }
    }
}

struct Latencies {
    var nanoseconds: [Int64] = []
    mutating func record(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        nanoseconds.append(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
    func percentile(_ p: Double) -> Int64 {
        let sorted = nanoseconds.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }
    var mean: Int64 { nanoseconds.reduce(0, +) / Int64(max(1, nanoseconds.count)) }
}

func microseconds(_ nanoseconds: Int64) -> String {
    let tenths = (nanoseconds + 50) / 100
    return "\(tenths / 10).\(tenths % 10)"
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
let clock = ContinuousClock()
let now = Instant(secondsSinceEpoch: 1_795_000_000)

if options.demo {
    let world = SyntheticWorld(campaignCount: 200, seed: 7, now: now)
    let index = CampaignIndex(campaigns: world.campaigns)
    var request = world.request(3, time: now)
    request.debug = true
    let outcome = Auctioneer().run(request, on: index.snapshot)
    let placement = request.placements[0]
    print("Demo auction over \(index.snapshot.count) synthetic campaigns.")
    print(
        "Request \(request.requestID): placement \(placement.id) sizes \(placement.sizes.map(\.description)) country \(request.country?.rawValue ?? "-") device \(request.device?.rawValue ?? "-") os \(request.operatingSystem?.rawValue ?? "-") keywords \(request.keywords.map(\.rawValue))"
    )
    if let explanation = outcome.explanation?.placements.first {
        print("floor \(DecimalMoney.formatCurrency(explanation.floor)) CPM; \(explanation.targetingRejections) campaigns failed targeting")
        for candidate in explanation.candidates where candidate.stage != .targeting {
            print(
                "  \(candidate.campaignID.rawValue.padding(12)) \(candidate.advertiserID.rawValue.padding(8)) eCPM \(DecimalMoney.formatCurrency(candidate.score).padding(10)) \(candidate.stage.rawValue.padding(14)) \(candidate.reason)"
            )
        }
    }
    for win in outcome.wins {
        print(
            "Winner \(win.campaignID) (\(win.advertiserID)) pays \(DecimalMoney.formatCurrency(win.clearingECPM)) CPM by rule \(win.priceRule.rawValue); creative \(win.creative.id) \(win.creative.size)"
        )
    }
    if outcome.wins.isEmpty { print("Unfilled: \(outcome.placements[0].result)") }
    exit(0)
}

print("auction-bench: one thread, \(options.requests) requests through the index and \(options.scanRequests) by linear scan per size")
print(
    "| campaigns | build index | matched/request | fill | index p50 | index p99 | index p99.9 | index mean | scan p50 | scan p99 | scan mean | speed-up (mean) |"
)
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for size in options.sizes {
    let world = SyntheticWorld(campaignCount: size, seed: 42, now: now)
    let buildStart = clock.now
    let index = CampaignIndex(campaigns: world.campaigns)
    let buildTime = clock.now - buildStart
    let snapshot = index.snapshot
    let auctioneer = Auctioneer()
    let requests = (0..<options.requests).map { world.request($0, time: now) }

    for request in requests.prefix(1_000) { _ = auctioneer.run(request, on: snapshot) }  // warm-up
    var indexed = Latencies()
    var filled = 0
    for request in requests {
        let start = clock.now
        let outcome = auctioneer.run(request, on: snapshot)
        indexed.record(clock.now - start)
        filled += outcome.wins.count
    }
    // The same requests under the server's policy (budgets, pacing, caps), wins reserved
    // and never settled: what the eligibility checks add to an auction.
    let policy = ServingPolicy(budgets: BudgetBook(), caps: FrequencyCapper())
    for request in requests.prefix(1_000) { _ = auctioneer.run(request, on: snapshot, policy: policy) }
    var policed = Latencies()
    var policedFills = 0
    for request in requests {
        let start = clock.now
        let outcome = auctioneer.run(request, on: snapshot, policy: policy)
        policed.record(clock.now - start)
        policedFills += outcome.wins.count
    }
    print(
        "  \(size) campaigns under the serving policy: p50 \(microseconds(policed.percentile(0.5))) µs, p99 \(microseconds(policed.percentile(0.99))) µs, mean \(microseconds(policed.mean)) µs (always-eligible mean \(microseconds(indexed.mean)) µs), fill \(policedFills * 100 / requests.count)%"
    )
    // The yield tools' cost, same requests, same run: every placement under a two-arm
    // experiment whose arms both keep the configured parameters (so only assignment and
    // the arm's rules are measured, not a different floor's effect on the auction), and
    // every auction recorded for the auction log (every candidate examined, below the
    // floor too).
    let plan = ExperimentPlan([
        Experiment(
            id: ExperimentID(unchecked: "bench"),
            arms: [
                ExperimentArm(name: ArmName(unchecked: "control"), weight: 1),
                ExperimentArm(name: ArmName(unchecked: "same"), weight: 1, minimumFloor: Micros(10_000), increment: Micros(10_000)),
            ])
    ])
    var experimented = Latencies()
    var recorded = Latencies()
    // Separate loops: a recorded auction walks much more memory and would slow the next
    // auction down for reasons of its own.
    for request in requests {
        let start = clock.now
        _ = auctioneer.run(request, on: snapshot, experiments: plan)
        experimented.record(clock.now - start)
    }
    for request in requests {
        let start = clock.now
        _ = auctioneer.run(request, on: snapshot, recording: true)
        recorded.record(clock.now - start)
    }
    func ratio(_ latencies: Latencies) -> String {
        let hundredths = latencies.mean * 100 / max(1, indexed.mean)
        return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)×"
    }
    print(
        "  \(size) campaigns, yield: under a two-arm experiment mean \(microseconds(experimented.mean)) µs (\(ratio(experimented)) the plain index), recorded for the auction log mean \(microseconds(recorded.mean)) µs (\(ratio(recorded)))"
    )
    // Formats, same requests, same run: a fifth of the campaigns sell video or native only
    // (every tenth a 15 s video, every tenth plus five a native ad), against the banner-only
    // world above; then the same requests with every placement a multi-format imp
    // (its banner sizes, an mp4 video slot of at most 30 s, a native slot requiring a title).
    let mixedCampaigns = world.campaigns.enumerated().map { position, campaign in
        var campaign = campaign
        let id = CreativeID(unchecked: "\(campaign.id)-f")
        if position % 10 == 0 {
            campaign.creatives = [
                .video(
                    id: id,
                    VideoCreative(
                        durationSeconds: 15,
                        mediaFiles: [
                            MediaFile(url: "https://cdn.example/v.mp4", mime: "video/mp4", width: 640, height: 360, bitrateKbps: 900)
                        ]),
                    clickURL: "https://example.com/v")
            ]
        } else if position % 10 == 5 {
            campaign.creatives = [
                .native(
                    id: id, NativeCreative(title: "Native", imageURL: "https://cdn.example/n.png", imageWidth: 1200, imageHeight: 627),
                    clickURL: "https://example.com/n")
            ]
        }
        return campaign
    }
    let mixedSnapshot = CampaignIndex(campaigns: mixedCampaigns).snapshot
    let multiFormat = requests.map { request in
        var request = request
        for index in request.placements.indices {
            request.placements[index].shape.video = VideoSlot(mimes: ["video/mp4"], maximumDuration: 30)
            request.placements[index].shape.native = NativeSlot(assets: [
                NativeAssetRequest(id: 1, isRequired: true, kind: .title(maximumLength: 25))
            ])
        }
        return request
    }
    var bannerOnMixed = Latencies()
    var formatsOnMixed = Latencies()
    var bannerAgain = Latencies()
    for (position, request) in requests.enumerated() {  // interleaved, so drift hits all three alike
        var start = clock.now
        _ = auctioneer.run(request, on: snapshot)
        bannerAgain.record(clock.now - start)
        start = clock.now
        _ = auctioneer.run(request, on: mixedSnapshot)
        bannerOnMixed.record(clock.now - start)
        start = clock.now
        _ = auctioneer.run(multiFormat[position], on: mixedSnapshot)
        formatsOnMixed.record(clock.now - start)
    }
    func against(_ latencies: Latencies) -> String {
        let hundredths = latencies.mean * 100 / max(1, bannerAgain.mean)
        return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)×"
    }
    print(
        "  \(size) campaigns, formats: banner-only world mean \(microseconds(bannerAgain.mean)) µs; 20% video and native campaigns, banner requests mean \(microseconds(bannerOnMixed.mean)) µs (\(against(bannerOnMixed))), multi-format requests mean \(microseconds(formatsOnMixed.mean)) µs (\(against(formatsOnMixed)))"
    )
    // Line items, same requests, same run, both under the serving policy: a fifth of the
    // campaigns become line items (15% standard items with even goals of 20,000 over a 10-day
    // flight (20,000 plus up to 976, so their curves tick at different instants), 1% sponsorships
    // of 5%, 4% house ads), against the world
    // without any. The clock moves 1 ms per request and each standard item starts exactly on
    // its curve (its spend restored to what is due): the steady state, where an item needs a
    // request only when its curve ticks past its progress. Interleaved, so drift hits both alike.
    let flightStart = now.adding(seconds: -86_400)
    let flightEnd = now.adding(seconds: 9 * 86_400)
    let lineItemCampaigns = world.campaigns.enumerated().map { position, campaign in
        var campaign = campaign
        let delivery: DeliveryType? =
            switch (position % 20, position % 100) {
            case (_, 7): .sponsorship(sharePercent: 5)
            case (2, _), (12, _), (4, _): .standard(goal: 20_000 + Int64(position % 977), pace: .even)
            case (17, _): .house
            default: nil
            }
        guard let delivery else { return campaign }
        campaign.pricing = .cpm
        campaign.predictedCTR = nil
        campaign.predictedViewability = nil
        campaign.predictedCompletionRate = nil
        campaign.start = flightStart
        campaign.end = flightEnd
        campaign.lineItem = LineItemTerms(delivery: delivery, rate: delivery.isGuaranteed ? campaign.bid : .zero)
        return campaign
    }
    let lineItemSnapshot = CampaignIndex(campaigns: lineItemCampaigns).snapshot
    let plainPolicy = ServingPolicy(budgets: BudgetBook(), caps: FrequencyCapper())
    let lineItemPolicy = ServingPolicy(budgets: BudgetBook(), caps: FrequencyCapper())
    for campaign in lineItemCampaigns {
        guard case .standard(let goal, let pace) = campaign.lineItem.delivery else { continue }
        let due = GoalCurve.units(
            goal, ppm: GoalCurve.duePPM(pace: pace, start: flightStart, end: flightEnd, at: now, shape: .uniform))
        lineItemPolicy.budgets.restore(
            campaign.id, limits: BudgetLimits(campaign), spentTotal: Nanos(due * campaign.bid.value), spentToday: .zero, at: now)
    }
    let timed = requests.enumerated().map { position, request in
        var request = request
        request.time = Instant(millisecondsSinceEpoch: now.millisecondsSinceEpoch + Int64(position))
        return request
    }
    var withoutLineItems = Latencies()
    var withLineItems = Latencies()
    var tiers = [DeliveryTier: Int]()
    for request in timed {
        var start = clock.now
        _ = auctioneer.run(request, on: snapshot, policy: plainPolicy)
        withoutLineItems.record(clock.now - start)
        start = clock.now
        let outcome = auctioneer.run(request, on: lineItemSnapshot, policy: lineItemPolicy)
        withLineItems.record(clock.now - start)
        for win in outcome.wins { tiers[win.indexed.campaign.lineItem.delivery.tier, default: 0] += 1 }
    }
    let lineItemHundredths = withLineItems.mean * 100 / max(1, withoutLineItems.mean)
    let shares = DeliveryTier.allCases.map { "\($0.name) \((tiers[$0] ?? 0) * 100 / max(1, timed.count))%" }.joined(separator: ", ")
    print(
        "  \(size) campaigns, line items (serving policy): none mean \(microseconds(withoutLineItems.mean)) µs p99 \(microseconds(withoutLineItems.percentile(0.99))) µs; 20% line items mean \(microseconds(withLineItems.mean)) µs p99 \(microseconds(withLineItems.percentile(0.99))) µs (\(lineItemHundredths / 100).\(lineItemHundredths % 100 < 10 ? "0" : "")\(lineItemHundredths % 100)×); placements by tier: \(shares)"
    )
    var matched = 0
    for request in requests.prefix(1_000) { matched += snapshot.matchingCampaigns(request.query(for: request.placements[0])).count }

    var scanned = Latencies()
    for request in requests.prefix(options.scanRequests) {
        let start = clock.now
        let outcome = auctioneer.run(request, on: snapshot, candidates: .linearScan)
        scanned.record(clock.now - start)
        precondition(
            outcome.wins.map(\.campaignID) == auctioneer.run(request, on: snapshot).wins.map(\.campaignID), "scan and index disagree")
    }
    let (buildSeconds, buildAtto) = buildTime.components
    let buildMs = buildSeconds * 1000 + buildAtto / 1_000_000_000_000_000
    let speedUp = Double(scanned.mean) / Double(max(1, indexed.mean))
    print(
        "| \(size) | \(buildMs) ms | \(matched / 1_000) | \(filled * 100 / requests.count)% | \(microseconds(indexed.percentile(0.5))) µs | \(microseconds(indexed.percentile(0.99))) µs | \(microseconds(indexed.percentile(0.999))) µs | \(microseconds(indexed.mean)) µs | \(microseconds(scanned.percentile(0.5))) µs | \(microseconds(scanned.percentile(0.99))) µs | \(microseconds(scanned.mean)) µs | \(Int(speedUp.rounded()))× |"
    )
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
