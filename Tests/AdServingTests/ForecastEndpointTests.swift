import AdServing
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import VickreyCore
import VickreyStore
import VickreySynthetic
import VickreyYield

/// `POST /v1/admin/forecasts` and the `warnings` of booking a standard item past its
/// availability, over a request sample of five synthetic weeks (every request sampled).
@Suite("Forecasts over the admin API")
struct ForecastEndpointTests {
    static func item(_ id: String, goal: Int) -> String {
        #"{"id":"\#(id)","advertiser_id":"direct","pricing":"cpm","bid_micros":2000000,"total_budget_micros":1000000000,"start":"2026-11-30T00:00:00Z","end":"2026-12-07T00:00:00Z","delivery":{"type":"standard","goal":{"impressions":\#(goal)},"rate_micros":2000000},"targeting":{"countries":["DE"],"devices":["mobile"]},"creatives":[{"id":"cr-\#(id)","size":"300x250","image_url":"https://cdn.example/a.png","click_url":"https://direct.example"}]}"#
    }

    @Test func aForecastAndTheBookingWarning() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("forecast-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let samplePath = directory.appendingPathComponent("sample.jsonl").path
        let lines = SyntheticTraffic(requestsPerWeek: 20_000, weeks: 5).requests().map {
            SampledRequest(time: $0.time, query: $0.query).json
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: samplePath, atomically: true, encoding: .utf8)
        let harness = ServerHarness {
            $0.requestSamplePath = samplePath
            $0.requestSamplePPM = 1_000_000
        }
        let admin: HTTPFields = [.contentType: "application/json", .authorization: "Bearer \(try await harness.adminKey())"]
        try await harness.test { client in
            #expect(try await client.post("/v1/admin/advertisers", json: #"{"id":"direct"}"#, headers: admin).status == .created)
            let booked = try await client.post("/v1/admin/campaigns", json: Self.item("booked", goal: 1_500), headers: admin)
            #expect(booked.status == .created)
            #expect(booked.object["warnings"] == nil)
            let forecast = try await client.post("/v1/admin/forecasts", json: Self.item("proposed", goal: 500), headers: admin).object
            let matched = try #require(forecast["matched"] as? Int)
            #expect((2_100...2_700).contains(matched), "\(forecast)")
            #expect(abs((forecast["available"] as? Int ?? 0) - (matched - 1_500)) <= 30, "\(forecast)")
            let contenders = forecast["contenders"] as? [[String: Any]]
            #expect(contenders?.first?["campaign_id"] as? String == "booked")
            // Booking past what is left answers 201 with the warning.
            let greedy = try await client.post("/v1/admin/campaigns", json: Self.item("greedy", goal: 5_000), headers: admin)
            #expect(greedy.status == .created)
            let warnings = try #require(greedy.object["warnings"] as? [String])
            #expect(warnings.first?.hasPrefix("overbooked: the goal of 5000 impressions exceeds") == true, "\(warnings)")
            // Bad input names its field; an advertiser key may not forecast.
            let badWindow = try await client.post(
                "/v1/admin/forecasts?from=2026-12-05T00:00:00Z&to=2026-12-01T00:00:00Z", json: Self.item("p", goal: 1), headers: admin)
            #expect(badWindow.status == .badRequest && badWindow.errorField == "to")
            let badBody = try await client.post("/v1/admin/forecasts", json: #"{"id":"x"}"#, headers: admin)
            #expect(badBody.status == .badRequest)
        }
    }
}
