import AdServing
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import VickreyBudget
import VickreyConfig
import VickreyCore
import VickreyTestSupport
import VickreyStore

/// A folder of bid requests modelled on what exchanges send (`Fixtures/openrtb`: GDPR
/// with consent strings in the 2.6 and 2.5 places, US privacy and GPP, COPPA, EUR and
/// JPY floors, video-only, multi-format and deal impressions, Prebid-style `ext`s), each
/// sent as it is: never a server error, every answer valid against the served OpenAPI
/// document (and the IAB's BidResponse schema when `../shared` is present), and the
/// answers the privacy and currency rules call for.
@Suite("OpenRTB: a folder of exchange-style requests")
struct OpenRTBFixtureTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/openrtb")

    /// What each fixture must get: a bid (and from whom) or no bid.
    static let expected: [String: String?] = [
        "gdpr-full-consent-app.json": "capped",  // purposes 1–4 and our vendor (12): personal data
        "gdpr-published-no-basic-ads.json": nil,  // a published string without purpose 2: no ad
        "gdpr-ext-25.json": nil,
        "gdpr-no-consent.json": nil,
        "ccpa-opt-out.json": "open",
        "gpp-us-national.json": "open",  // lmt = 1: contextual
        "coppa-kids.json": "open",
        "eur-floor.json": "capped",
        "gbp-floor-no-rate-answer.json": nil,
        "video-only.json": nil,
        "multi-format.json": "capped",
        "pmp-open-auction.json": "capped",
        "pmp-private.json": nil,
        "test-traffic-source-ext.json": "capped",
    ]

    @Test func everyFixtureIsAnsweredAsTheRulesSay() async throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path).filter { $0.hasSuffix(".json") }.sorted()
        #expect(Set(files) == Set(Self.expected.keys), "every fixture has an expectation")
        let rates = FileManager.default.temporaryDirectory.appendingPathComponent("fixture-rates-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: rates) }
        try #"{"base":"USD","timestamp":"2026-12-01T00:00:00Z","rates":{"EUR":0.92}}"#.write(
            toFile: rates, atomically: true, encoding: .utf8)
        let clock = ManualClock(Instant(secondsSinceEpoch: 1_796_100_000))  // 2026-12-01T…: the rates are fresh
        let harness = ServerHarness {
            $0.clock = clock
            $0.shared.currencyRatesPath = rates
            $0.privacy = PrivacyPolicy(vendorID: 12)
        }
        var capped = Campaigns.make("capped", advertiser: "a", bid: 3_000_000, sizes: ["300x250", "728x90", "320x50"])
        capped.frequencyCap = FrequencyCap(impressions: 100, windowSeconds: 3_600)
        _ = try await harness.store().importCampaigns([
            capped, Campaigns.make("open", advertiser: "b", bid: 2_000_000, sizes: ["300x250", "728x90", "320x50"]),
        ])
        var ieb: SchemaChecker?
        let schemaDirectory = OpenRTBEndpointTests.sharedDirectory.appendingPathComponent("schema")
        var schemaFiles: [String: Any] = [:]
        for name in ["BidResponse.json", "SeatBid.json", "Bid.json"] {
            if let data = try? Data(contentsOf: schemaDirectory.appendingPathComponent(name)) {
                schemaFiles[name] = try JSONSerialization.jsonObject(with: data)
            }
        }
        if schemaFiles.count == 3 { ieb = SchemaChecker(files: schemaFiles) }
        let iab = ieb
        try await harness.test { client in
            let document = try #require(try await client.get("/openapi.json").json as? [String: Any])
            let checker = SchemaChecker(root: document)
            let bidResponse = try #require(((document["components"] as? [String: Any])?["schemas"] as? [String: Any])?["BidResponse"])
            for file in files {
                let body = try String(contentsOf: Self.folder.appendingPathComponent(file), encoding: .utf8)
                let response = try await client.post("/openrtb2/auction", json: body)
                #expect(response.status.code < 500, "\(file): \(response.status)")
                let winner = ((response.object["seatbid"] as? [[String: Any]])?.first?["bid"] as? [[String: Any]])?.first?["cid"] as? String
                #expect(winner == Self.expected[file] ?? nil, "\(file): \(response.status) \(response.text)")
                guard response.status == .ok else {
                    #expect(response.status == .noContent, "\(file): \(response.status) \(response.text)")
                    continue
                }
                #expect(checker.problems(response.json as Any, against: bidResponse).isEmpty, "\(file)")
                if let iab { #expect(iab.problems(response.json as Any, against: iab.files["BidResponse.json"]!).isEmpty, "\(file)") }
            }
        }
    }
}
