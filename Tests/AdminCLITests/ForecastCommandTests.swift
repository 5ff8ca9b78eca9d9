import Foundation
import Testing
import VickreyCore
import VickreyStore
import VickreySynthetic
import VickreyYield

@Suite("adctl forecast and booking past availability")
struct ForecastCommandTests {
    let cli = CLIHarness()

    /// Five weeks of synthetic traffic (20,000 requests a week, every one sampled) written
    /// where adctl looks by default: beside the database.
    func writeSample() throws {
        let lines = SyntheticTraffic(requestsPerWeek: 20_000, weeks: 5).requests().map {
            SampledRequest(time: $0.time, query: $0.query).json
        }
        let path = URL(fileURLWithPath: cli.databasePath).deletingLastPathComponent().appendingPathComponent("request-sample.jsonl").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// A standard item on DE mobile (12% of traffic, about 2,400 requests a week) for the week after the sample.
    static func item(_ id: String, goal: Int) -> String {
        #"{"id":"\#(id)","advertiser_id":"direct","pricing":"cpm","bid_micros":2000000,"total_budget_micros":1000000000,"start":"2026-11-30T00:00:00Z","end":"2026-12-07T00:00:00Z","delivery":{"type":"standard","goal":{"impressions":\#(goal)},"rate_micros":2000000},"targeting":{"countries":["DE"],"devices":["mobile"]},"creatives":[{"id":"cr-\#(id)","size":"300x250","image_url":"https://cdn.example/a.png","click_url":"https://direct.example"}]}"#
    }

    @Test func aForecastSaysWhatIsLeftAndWhoTakesTheRest() async throws {
        try writeSample()
        #expect(
            await cli.run("campaign", "import", cli.file("booked.jsonl", Self.item("booked", goal: 1_500) + "\n"), "--sample-rate", "1")
                .status == 0)
        let text = await cli.run("forecast", cli.file("proposed.json", Self.item("proposed", goal: 500)), "--sample-rate", "1")
        #expect(text.status == 0, "\(text.error)")
        #expect(text.output.contains("model: 4 week(s) of sampled requests"), "\(text.output)")
        #expect(text.output.contains("booked (standard):"), "\(text.output)")
        let json = await cli.run("forecast", cli.file("proposed.json", Self.item("proposed", goal: 500)), "--sample-rate", "1", "--json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        let matched = try #require(object["matched"] as? Int)
        let available = try #require(object["available"] as? Int)
        #expect((2_100...2_700).contains(matched), "\(object)")
        #expect(abs(available - (matched - 1_500)) <= 30, "\(object)")
        #expect((object["warnings"] as? [String]) == [])
        let greedy = await cli.run("forecast", cli.file("greedy.json", Self.item("greedy", goal: 5_000)), "--sample-rate", "1")
        #expect(greedy.output.contains("warning: overbooked: the goal of 5000 impressions exceeds"), "\(greedy.output)")
    }

    @Test func bookingPastAvailabilityWarnsAndStrictRefuses() async throws {
        try writeSample()
        let file = cli.file("greedy.jsonl", Self.item("greedy", goal: 5_000) + "\n")
        let strict = await cli.run("campaign", "import", file, "--sample-rate", "1", "--strict")
        #expect(strict.status == 1, "\(strict.error)")
        #expect(strict.error.contains("booked past their availability (--strict)"), "\(strict.error)")
        #expect(try await cli.store().campaigns().isEmpty)
        let warned = await cli.run("campaign", "import", file, "--sample-rate", "1")
        #expect(warned.status == 0)
        #expect(warned.error.contains("warning: line 1: greedy: overbooked:"), "\(warned.error)")
        #expect(try await cli.store().campaigns().count == 1)
    }

    @Test func theBacktestReportsItsErrors() async throws {
        try writeSample()
        let result = await cli.run("forecast", "--backtest", "--sample-rate", "1")
        #expect(result.status == 0, "\(result.error)")
        #expect(
            result.output.contains("backtest of 2026-11-23T00:00:00Z → 2026-11-30T00:00:00Z from 4 week(s) before it"), "\(result.output)")
        #expect(result.output.contains("worst segment error:"))
        let json = await cli.run("forecast", "--backtest", "--sample-rate", "1", "--json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        let overall = try #require(object["overall"] as? [String: Any])
        #expect((overall["error_ppm"] as? Int ?? .max) <= 50_000, "\(overall)")
        let missing = await cli.run("forecast", "--backtest", "--sample", "/nonexistent/sample.jsonl")
        #expect(missing.status == 3)
    }
}
