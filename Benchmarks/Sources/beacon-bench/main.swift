import Foundation
import VickreyBilling
import VickreyBudget
import VickreyCore
import VickreySigning
import VickreyStore
import VickreyTraffic

#if canImport(Glibc)
    import Glibc
#endif

// What the invalid-traffic check costs a beacon, measured in one run on one machine, with
// the default robot list (about 1,500 patterns) and with an empty one:
//   1. the verdict alone, per user agent (ordinary browsers, and robots);
//   2. whole beacons through BeaconProcessor (token check, verdict, reservation settled,
//      durable ledger append with group commit) from 64 tasks: CPU per beacon.
// The two variants alternate round by round, so a noisy machine weighs on both alike.
//
//   swift run -c release --package-path Benchmarks beacon-bench [beacons-per-round] [rounds]

let arguments = CommandLine.arguments.dropFirst()
let beaconsPerRound = arguments.first.flatMap(Int.init) ?? 20_000
let rounds = arguments.dropFirst().first.flatMap(Int.init) ?? 3

let browsers = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (Linux; Android 14; SM-A546E Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/126.0.6478.134 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 26_4_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) GSA/419.4.905781065 Mobile/15E148 Safari/604.1",
]
let robots = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "python-requests/2.32.3",
]

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

let defaultJudge = TrafficJudge()
let emptyJudge = TrafficJudge(lists: TrafficLists(robots: try UserAgentList([])))

// 1. The verdict alone.
let start = Instant(millisecondsSinceEpoch: 1_795_737_600_000)
func verdictNanoseconds(_ judge: TrafficJudge, _ userAgents: [String], calls: Int) -> Double {
    var facts = BeaconRequestFacts(kind: .impression, userAgent: nil, clientAddress: nil, isPrefetch: false, servedAt: start, now: start)
    var invalid = 0
    let began = ContinuousClock.now
    for index in 0..<calls {
        facts.userAgent = userAgents[index % userAgents.count]
        if judge.verdict(facts) != nil { invalid += 1 }
    }
    let elapsed = ContinuousClock.now - began
    precondition(invalid == 0 || userAgents == robots)
    return (Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9) / Double(calls)
}
print("default robot list: \(DefaultRobotList.patterns.count) patterns, \(DefaultRobotList.list.unfilteredCount) run on every user agent")
var browserCosts: [(empty: Double, full: Double)] = []
for _ in 0..<rounds {
    browserCosts.append(
        (verdictNanoseconds(emptyJudge, browsers, calls: 200_000), verdictNanoseconds(defaultJudge, browsers, calls: 200_000)))
}
let robotCost = verdictNanoseconds(defaultJudge, robots, calls: 50_000)
let emptyVerdict = median(browserCosts.map(\.empty))
let fullVerdict = median(browserCosts.map(\.full))
print(
    String(format: "verdict, browser user agents: %.0f ns with no robot patterns, %.0f ns with the default list", emptyVerdict, fullVerdict)
)
print(String(format: "verdict, robot user agents (matched and confirmed): %.0f ns", robotCost))

// 2. Whole beacons.
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("beacon-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: directory) }
let campaign = Campaign(
    id: CampaignID("bench")!, advertiserID: AdvertiserID("acme")!, name: "bench", bid: Micros(2_000_000),
    totalBudget: Micros(1_000_000_000_000),
    creatives: [
        Creative(
            id: CreativeID("bench-1")!, size: AdSize("300x250")!, imageURL: "https://cdn.example/a.png", clickURL: "https://acme.example/")
    ])

/// CPU seconds and wall seconds for `count` beacons from 64 tasks with `judge`.
func beacons(_ judge: TrafficJudge, count: Int, round: Int) async throws -> (cpu: Double, wall: Double) {
    let store = try await Store.open(.sqlite(path: directory.appendingPathComponent("round-\(round)-\(UUID().uuidString).sqlite").path))
    _ = try await store.campaigns.importCampaigns([campaign])
    let keys = LiveKeyring(try SigningKeyring.loadOrCreate(directory: directory.appendingPathComponent("keys").path).0)
    let budgets = BudgetBook(reservationLimits: .unlimited)
    let reloader = CampaignIndexReloader(store: store.campaigns)
    try await reloader.loadAll()
    let writer = LedgerWriter(store: store.ledger) { keys.signingKey }
    let running = Task { await writer.run() }
    let processor = BeaconProcessor(
        keys: keys, budgets: budgets, ledger: writer, replays: BeaconReplayGuard(retentionSeconds: 3_600), campaigns: reloader,
        traffic: LiveTrafficJudge(judge), clock: SystemClock())
    let now = SystemClock().now()
    let tokens = (0..<count).map { index in
        let reservation = budgets.reserve(
            campaign.id, limits: BudgetLimits(campaign), amount: campaign.maximumCharge, kind: .impression, at: now)
        let ad = SoldAd(
            impressionID: ImpressionID.new(at: now), requestID: "r-\(index)", placementID: PlacementID("home_feed")!,
            campaignID: campaign.id,
            advertiserID: campaign.advertiserID, creativeID: campaign.creatives[0].id, pricing: .cpm, clearingECPM: Micros(1_000_000))
        return keys.tokens.encode(
            BeaconToken(
                ad: ad, price: Micros(1_000_000), issuedAt: now, expiresAt: now.adding(seconds: 900), reservationID: reservation ?? 0,
                isTest: false))
    }
    let cpuBefore = cpuSeconds()
    let began = ContinuousClock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for task in 0..<64 {
            group.addTask {
                for index in stride(from: task, to: count, by: 64) {
                    let sender = BeaconProcessor.Sender(userAgent: browsers[index % browsers.count], clientAddress: nil)
                    let accepted = try await processor.process(.impression, token: tokens[index], from: sender)
                    precondition(accepted.outcome == .billed)
                }
            }
        }
        try await group.waitForAll()
    }
    let elapsed = ContinuousClock.now - began
    let cpu = cpuSeconds() - cpuBefore
    writer.close()
    await running.value
    await store.close()
    return (cpu, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
}

var results: [(empty: (cpu: Double, wall: Double), full: (cpu: Double, wall: Double))] = []
for round in 0..<rounds {
    let empty = try await beacons(emptyJudge, count: beaconsPerRound, round: round)
    let full = try await beacons(defaultJudge, count: beaconsPerRound, round: round)
    results.append((empty, full))
    print(
        String(
            format: "round %d: no patterns %.1f µs CPU/beacon (%.0f beacons/s), default list %.1f µs CPU/beacon (%.0f beacons/s)",
            round + 1,
            empty.cpu / Double(beaconsPerRound) * 1e6, Double(beaconsPerRound) / empty.wall, full.cpu / Double(beaconsPerRound) * 1e6,
            Double(beaconsPerRound) / full.wall))
}
let emptyCPU = median(results.map { $0.empty.cpu }) / Double(beaconsPerRound) * 1e6
let fullCPU = median(results.map { $0.full.cpu }) / Double(beaconsPerRound) * 1e6
print(
    String(
        format:
            "median CPU per beacon: %.1f µs with no robot patterns, %.1f µs with the default list (ratio %.3f); the verdict itself: %.2f µs",
        emptyCPU, fullCPU, fullCPU / emptyCPU, fullVerdict / 1000))
