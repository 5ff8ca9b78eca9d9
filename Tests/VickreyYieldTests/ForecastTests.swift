import Foundation
import Testing
import VickreyCore
import VickreySynthetic
@testable import VickreyYield

@Suite("Forecasts: the traffic model, contention and the backtest")
struct ForecastTests {
    /// Five weeks of synthetic traffic with a stable weekly shape, every request sampled.
    static let traffic: [SampledRequest] = SyntheticTraffic(requestsPerWeek: 100_000, weeks: 5).requests().map {
        SampledRequest(time: $0.time, query: $0.query)
    }
    static let start = Instant(secondsSinceEpoch: 1_792_972_800)  // Monday 2026-10-26
    static let week: Int64 = 7 * 86_400

    static func standard(_ id: String, goal: Int64, countries: [String] = ["DE"], mobile: Bool = true, weekIndex: Int64 = 5)
        -> Campaign
    {
        var campaign = Campaign(
            id: CampaignID(unchecked: id), advertiserID: AdvertiserID(unchecked: "adv-\(id)"), bid: Micros(2_000_000),
            totalBudget: Micros(1_000_000_000_000), start: start.adding(seconds: weekIndex * week),
            end: start.adding(seconds: (weekIndex + 1) * week),
            targeting: Targeting(countries: Set(countries.compactMap(CountryCode.init)), devices: mobile ? [.mobile] : []),
            creatives: [
                Creative(
                    id: CreativeID(unchecked: "cr-\(id)"), size: AdSize(width: 300, height: 250)!, imageURL: "https://i",
                    clickURL: "https://c")
            ])
        campaign.lineItem = LineItemTerms(delivery: .standard(goal: goal, pace: .even), rate: Micros(2_000_000))
        return campaign
    }

    @Test("Backtest on a stable weekly shape: within 5% overall and 10% for every segment of at least 1% of traffic")
    func backtestOnAStableShape() throws {
        let booked = [
            Self.standard("de-mobile", goal: 5_000, weekIndex: 4),
            Self.standard("us-all", goal: 20_000, countries: ["US"], mobile: false, weekIndex: 4),
        ]
        let backtest = try #require(Forecaster.backtest(booked: booked, sample: Self.traffic, sampleRatePPM: 1_000_000, weeks: 4))
        #expect(backtest.historyWeeks == 4)
        #expect(backtest.weekStart == Self.start.adding(seconds: 4 * Self.week))
        #expect(backtest.overall.errorPPM <= 50_000, "overall \(backtest.overall)")
        #expect(backtest.segments.count >= 10)
        for segment in backtest.segments {
            #expect(segment.requests.errorPPM <= 100_000, "\(segment.name): \(segment.requests)")
        }
        for item in backtest.lineItems {
            #expect(item.matched.errorPPM <= 50_000, "\(item.campaignID) matched \(item.matched)")
            #expect(item.delivered.errorPPM <= 50_000, "\(item.campaignID) delivered \(item.delivered)")
        }
    }

    @Test("Two booked items that take most of a segment leave the rest, and the forecast says who takes what")
    func contention() {
        // DE mobile is 12% of 100,000 weekly requests: about 12,000. Two booked items take 5,000 each.
        let booked = [Self.standard("first", goal: 5_000), Self.standard("second", goal: 5_000)]
        let proposed = Self.standard("proposed", goal: 1_500)
        let question = ForecastQuestion(
            proposed: proposed, booked: booked, from: Self.start.adding(seconds: 5 * Self.week),
            to: Self.start.adding(seconds: 6 * Self.week), sampleRatePPM: 1_000_000)
        let forecast = Forecaster.forecast(question, sample: Self.traffic)
        #expect(forecast.historyWeeks == 4)
        #expect((11_000...13_000).contains(forecast.matched), "\(forecast)")
        #expect(abs(forecast.available - (forecast.matched - 10_000)) <= 100, "\(forecast)")
        #expect(forecast.contenders.map(\.campaignID.rawValue).sorted() == ["first", "second"])
        for contender in forecast.contenders { #expect((4_950...5_000).contains(contender.takes), "\(contender)") }
        #expect(forecast.low <= forecast.available && forecast.available <= forecast.high)
        #expect(forecast.warnings.isEmpty, "\(forecast.warnings)")
        // A goal past what is left is overbooked.
        var greedy = question
        greedy.proposed = Self.standard("greedy", goal: 4_000)
        let overbooked = Forecaster.forecast(greedy, sample: Self.traffic)
        #expect(overbooked.warnings.contains { $0.hasPrefix("overbooked:") }, "\(overbooked.warnings)")
    }

    @Test(
        "Groups of items that never compete, simulated apart on every core, give the forecast of one simulation of everything",
        arguments: 0..<8)
    func groupsApartEqualOneSimulation(seed: UInt64) {
        var random = SplitMix64(state: seed)
        let countries = ["DE", "US", "FR", "GB", "ES", "JP"]
        func pick() -> String { countries[Int(random.next() % UInt64(countries.count))] }
        // Booked items in one country each, so that groups that never compete exist.
        let booked = (0..<30).map { number in
            var campaign = Self.standard(
                "b\(number)", goal: Int64(100 + random.next() % 3_000), countries: [pick()], mobile: random.next() % 3 == 0,
                weekIndex: Int64(4 + random.next() % 2))
            if random.next() % 4 == 0 {
                campaign.lineItem = LineItemTerms(
                    delivery: .sponsorship(sharePercent: Int(1 + random.next() % 40)), rate: Micros(2_000_000))
            }
            return campaign
        }
        // The proposed item over two or three countries (or all), a standard item or a sponsorship.
        var proposed = Self.standard("p", goal: 5_000, countries: [pick(), pick(), pick()], mobile: false)
        if seed % 4 == 3 { proposed.targeting = Targeting() }
        if seed % 2 == 1 {
            proposed.lineItem = LineItemTerms(delivery: .sponsorship(sharePercent: Int(10 + random.next() % 20)), rate: Micros(2_000_000))
        }
        let question = ForecastQuestion(
            proposed: proposed, booked: booked, from: Self.start.adding(seconds: 5 * Self.week),
            to: Self.start.adding(seconds: 6 * Self.week), sampleRatePPM: 1_000_000)
        let tenth = Self.traffic.enumerated().filter { $0.offset % 5 == 0 }.map(\.element)
        let apart = Forecaster.forecast(question, sample: tenth, apart: true)
        let together = Forecaster.forecast(question, sample: tenth, apart: false)
        #expect(apart == together)
        // Not a vacuous comparison: the proposed item meets traffic and booked items.
        #expect(apart.matched > 0 || proposed.targeting.countries == [CountryCode("JP")!])
        #expect(!apart.contenders.isEmpty || apart.matched == 0)
    }

    @Test("The sample rate scales, too little history and targeting that matches nothing are said")
    func warningsAndScale() {
        // One request in ten sampled: the same forecast, ten times the requests per sample.
        let tenth = Self.traffic.enumerated().filter { $0.offset % 10 == 0 }.map(\.element)
        let question = ForecastQuestion(
            proposed: Self.standard("p", goal: 100), booked: [], from: Self.start.adding(seconds: 5 * Self.week),
            to: Self.start.adding(seconds: 6 * Self.week), sampleRatePPM: 100_000)
        let scaled = Forecaster.forecast(question, sample: tenth)
        #expect((11_000...13_000).contains(scaled.matched), "\(scaled)")
        let oneWeek = Forecaster.forecast(question, sample: Array(tenth.prefix(tenth.count / 5)))
        #expect(oneWeek.warnings.contains { $0.hasPrefix("history:") })
        var nowhere = question
        nowhere.proposed.targeting.countries = [CountryCode("JP")!]
        let none = Forecaster.forecast(nowhere, sample: tenth)
        #expect(none.matched == 0)
        #expect(none.warnings.contains { $0.hasPrefix("targeting:") })
    }
}
