import Testing
import VickreyCore
import VickreyTraffic

/// The verdict on one beacon: each category, and the order they are checked in.
@Suite("Invalid-traffic verdicts")
struct TrafficJudgeTests {
    static let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
    static let served = Instant(millisecondsSinceEpoch: 1_795_737_600_000)

    static func judge(browsers: Bool = false) throws -> TrafficJudge {
        TrafficJudge(
            lists: TrafficLists(
                robots: DefaultRobotList.list,
                browsers: browsers ? try TrafficListFile.userAgentList("Chrome/\nFirefox/\n", file: "browsers.txt") : nil,
                excludedAddresses: try TrafficListFile.addressRanges("203.0.113.0/24\n", file: "cidr.txt")))
    }

    static func facts(
        _ kind: BeaconKind = .impression, userAgent: String? = chrome, address: String? = "192.0.2.1", prefetch: Bool = false,
        afterMilliseconds: Int64 = 2_000
    ) -> BeaconRequestFacts {
        BeaconRequestFacts(
            kind: kind, userAgent: userAgent, clientAddress: address.flatMap(IPAddress.init), isPrefetch: prefetch, servedAt: served,
            now: Instant(millisecondsSinceEpoch: served.millisecondsSinceEpoch + afterMilliseconds))
    }

    @Test(
        arguments: [
            (facts(), false, nil),
            (facts(prefetch: true), false, TrafficCategory.prefetch),
            (facts(userAgent: "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"), false, .knownRobot),
            (facts(userAgent: nil), false, .nonBrowser),
            (facts(userAgent: ""), false, .nonBrowser),
            (facts(userAgent: "Recipes/5.2.1 CFNetwork/1494.0.7 Darwin/23.4.0"), false, nil),
            (facts(userAgent: "Recipes/5.2.1 CFNetwork/1494.0.7 Darwin/23.4.0"), true, .nonBrowser),
            (facts(address: "203.0.113.50"), false, .datacenter),
            (facts(address: nil), false, nil),
            (facts(.click, afterMilliseconds: 499), false, .clickTooFast),
            (facts(.click, afterMilliseconds: 500), false, nil),
            (facts(.impression, afterMilliseconds: 10), false, nil),
            // The first check that holds is the verdict.
            (facts(userAgent: "curl/8.5.0", address: "203.0.113.50", prefetch: true), false, .prefetch),
            (facts(.click, userAgent: "curl/8.5.0", address: "203.0.113.50", afterMilliseconds: 1), false, .knownRobot),
            (facts(.click, address: "203.0.113.50", afterMilliseconds: 1), false, .datacenter),
        ] as [(BeaconRequestFacts, Bool, TrafficCategory?)])
    func verdicts(facts: BeaconRequestFacts, browserList: Bool, expected: TrafficCategory?) throws {
        #expect(try Self.judge(browsers: browserList).verdict(facts) == expected)
    }

    @Test func everyCategoryHasItsLedgerReason() {
        #expect(TrafficCategory.allCases.map(\.unbilledReason.rawValue) == TrafficCategory.allCases.map { "ivt_\($0.rawValue)" })
    }

    @Test(
        arguments: [
            (nil, nil, nil, false), ("prefetch", nil, nil, true), ("prefetch;prerender", nil, nil, true), ("PREFETCH", nil, nil, true),
            (nil, "prefetch", nil, true), (nil, nil, "prefetch", true), ("prerender", nil, nil, false), (nil, "preview", nil, false),
        ] as [(String?, String?, String?, Bool)])
    func prefetchHeaders(secPurpose: String?, purpose: String?, xMoz: String?, prefetch: Bool) {
        #expect(PrefetchHeaders.isPrefetch(secPurpose: secPurpose, purpose: purpose, xMoz: xMoz) == prefetch)
    }

    @Test func preBidLooksAtTheDeviceOnly() throws {
        let judge = try Self.judge()
        #expect(judge.preBid(userAgent: "Googlebot/2.1 (+http://www.google.com/bot.html)", address: nil) == .knownRobot)
        #expect(judge.preBid(userAgent: Self.chrome, address: IPAddress("203.0.113.9")) == .datacenter)
        #expect(judge.preBid(userAgent: nil, address: nil) == nil)
        #expect(judge.preBid(userAgent: "", address: IPAddress("192.0.2.1")) == nil)
    }
}
