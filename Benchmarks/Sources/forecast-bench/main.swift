import Foundation
import VickreyCore
import VickreySynthetic
import VickreyYield

// A forecast over one million sampled requests with 10,000 booked line items (9,000
// standard items, 1,000 sponsorships, over the synthetic traffic's countries, devices and
// placements): for one country, then over the whole network; then the backtest of the
// sample's last week.
//
//   swift run -c release --package-path Benchmarks forecast-bench [sampled-requests] [booked-items]
let arguments = CommandLine.arguments.dropFirst()
let sampled = arguments.first.flatMap(Int.init) ?? 1_000_000
let bookedCount = arguments.dropFirst().first.flatMap(Int.init) ?? 10_000
let clock = ContinuousClock()

let weeks = 5
let traffic = SyntheticTraffic(requestsPerWeek: sampled / weeks, weeks: weeks)
let sample = traffic.requests().map { SampledRequest(time: $0.time, query: $0.query) }
let windowStart = traffic.start.adding(seconds: Int64(weeks) * 7 * 86_400)
let windowEnd = windowStart.adding(seconds: 7 * 86_400)
let countries = SyntheticTraffic.countries.map(\.0)
let devices: [DeviceType] = [.mobile, .desktop, .tablet]

func lineItem(_ number: Int) -> Campaign {
    var campaign = Campaign(
        id: CampaignID(unchecked: "li-\(number)"), advertiserID: AdvertiserID(unchecked: "adv-\(number % 97)"), bid: Micros(2_000_000),
        totalBudget: Micros(1_000_000_000_000), start: windowStart.adding(seconds: -86_400 * Int64(number % 5)),
        end: windowEnd.adding(seconds: 86_400 * Int64(number % 3)),
        targeting: Targeting(
            placements: number % 4 == 0 ? [PlacementID(unchecked: SyntheticTraffic.placements[number % 2].0)] : [],
            countries: [CountryCode(countries[number % countries.count])!], devices: number % 3 == 0 ? [devices[number % 3]] : []),
        creatives: [
            Creative(
                id: CreativeID(unchecked: "cr-\(number)"), size: AdSize(width: 300, height: 250)!, imageURL: "https://i",
                clickURL: "https://c")
        ])
    campaign.lineItem =
        number % 10 == 0
        ? LineItemTerms(delivery: .sponsorship(sharePercent: 1 + number % 5), rate: Micros(2_000_000))
        : LineItemTerms(
            delivery: .standard(goal: Int64(50 + number % 400), pace: [.even, .asap, .frontLoaded][number % 3]), rate: Micros(2_000_000))
    return campaign
}

let booked = (0..<bookedCount).map(lineItem)
var proposed = lineItem(bookedCount)
proposed.id = CampaignID(unchecked: "proposed")
proposed.lineItem = LineItemTerms(delivery: .standard(goal: 10_000, pace: .even), rate: Micros(2_000_000))
proposed.start = windowStart
proposed.end = windowEnd

print("forecast-bench: \(sample.count) sampled requests over \(weeks) weeks, \(booked.count) booked line items")
func seconds(_ duration: Duration) -> String {
    "\(duration.components.seconds).\(String(format: "%03d", duration.components.attoseconds / 1_000_000_000_000_000)) s"
}
// The proposed item as the bench builds it (one country and a placement), then the same item
// over the whole network: every booked item can then reach it, so nothing is left out.
var runOfNetwork = proposed
runOfNetwork.targeting = Targeting()
for (name, question) in [("one country", proposed), ("run of network", runOfNetwork)] {
    var timings: [Duration] = []
    var forecast: Forecast?
    for _ in 0..<3 {
        let started = clock.now
        forecast = Forecaster.forecast(
            ForecastQuestion(proposed: question, booked: booked, from: windowStart, to: windowEnd, sampleRatePPM: 1_000_000),
            sample: sample)
        timings.append(clock.now - started)
    }
    if let forecast {
        print(
            "forecast, \(name): \(timings.map(seconds).joined(separator: ", ")) (3 runs); projected \(forecast.projectedSamples) requests; matched \(forecast.matched), available \(forecast.available), \(forecast.contenders.count) contenders"
        )
    }
}
let backtestStart = clock.now
let backtest = Forecaster.backtest(booked: booked, sample: sample, sampleRatePPM: 1_000_000)
let backtestTime = clock.now - backtestStart
if let backtest {
    print(
        "backtest: \(seconds(backtestTime)); overall error \(backtest.overall.errorPPM) ppm, worst segment \(backtest.worstSegmentErrorPPM) ppm over \(backtest.segments.count) segments"
    )
}
