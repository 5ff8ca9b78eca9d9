import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import VickreyCore
import VickreyStore

@Suite("POST /openrtb2/auction")
struct OpenRTBEndpointTests {
    let harness = ServerHarness()

    /// Our own fixtures, modelled on the IAB examples.
    static let banner =
        #"{"id":"req-1","at":2,"cur":["USD"],"imp":[{"id":"1","tagid":"home_feed","bidfloor":0.85,"banner":{"w":300,"h":250}}],"site":{"id":"s","keywords":"recipes, baking"},"device":{"devicetype":4,"os":"iOS","geo":{"country":"USA"}},"user":{"id":"u-1"}}"#

    @Test func aBidPaysTheClearingPriceInCurrencyUnits() async throws {
        try await Campaigns.seedSpecExample(harness)
        try await harness.test { client in
            let response = try await client.post("/openrtb2/auction", json: Self.banner)
            #expect(response.status == .ok)
            #expect(response.object["id"] as? String == "req-1")
            let bid = try #require(((response.object["seatbid"] as? [[String: Any]])?.first?["bid"] as? [[String: Any]])?.first)
            #expect(bid["impid"] as? String == "1")
            #expect((bid["price"] as? NSNumber)?.decimalValue == Decimal(string: "0.91"))
            #expect(bid["cid"] as? String == "one")
            #expect(bid["crid"] as? String == "one-0")
            #expect(bid["w"] as? Int == 300 && bid["h"] as? Int == 250)
            #expect(bid["mtype"] as? Int == 1)
            #expect((bid["nurl"] as? String)?.hasPrefix("https://ads.example/v1/beacons/impression/") == true)
            #expect(bid["burl"] as? String == bid["nurl"] as? String)
            #expect((bid["adm"] as? String)?.contains("https://ads.example/v1/beacons/click/") == true)
        }
    }

    @Test(arguments: [
        ("a floor over every bid", Self.banner.replacingOccurrences(of: "\"bidfloor\":0.85", with: "\"bidfloor\":1.5")),
        ("a private auction", Self.banner.replacingOccurrences(of: "\"banner\"", with: "\"pmp\":{\"private_auction\":1},\"banner\"")),
        (
            "a floor in another currency",
            Self.banner.replacingOccurrences(of: "\"bidfloor\":0.85", with: "\"bidfloor\":0.85,\"bidfloorcur\":\"EUR\"")
        ),
        ("a request that accepts only EUR", Self.banner.replacingOccurrences(of: "[\"USD\"]", with: "[\"EUR\"]")),
        ("video only", #"{"id":"v","imp":[{"id":"1","video":{"w":640,"h":480,"mimes":["video/mp4"]}}]}"#),
        ("no matching size", Self.banner.replacingOccurrences(of: "\"w\":300,\"h\":250", with: "\"w\":728,\"h\":90")),
    ])
    func noBidIs204(name: String, body: String) async throws {
        try await Campaigns.seedSpecExample(harness)
        try await harness.test { client in
            let response = try await client.post("/openrtb2/auction", json: body)
            #expect(response.status == .noContent, "\(name)")
            #expect(response.body.readableBytes == 0)
        }
    }

    @Test(arguments: [
        (#"{"imp":[{"id":"1","banner":{"w":1,"h":1}}]}"#, "id"),
        (#"{"id":"r-\u0000nul","imp":[{"id":"1","banner":{"w":1,"h":1}}]}"#, "id"),
        (#"{"id":"\u001f","imp":[{"id":"1","banner":{"w":1,"h":1}}]}"#, "id"),
        (#"{"id":null,"imp":[{"id":"1","banner":{"w":1,"h":1}}]}"#, "id"),
        (#"{"id":"r","imp":[]}"#, "imp"),
        (#"{"id":"r"}"#, "imp"),
        (#"{"id":"r","imp":[{"id":"1","banner":{"w":1,"h":1}},{"id":"1","banner":{"w":1,"h":1}}]}"#, "imp[1].id"),
        (#"{"id":"r","imp":[{"id":"1","banner":{"w":-300,"h":250}}]}"#, "imp[0].banner.w"),
        (#"{"id":"r","imp":[{"id":"1","banner":{"w":0,"h":250}}]}"#, "imp[0].banner.w"),
        (#"{"id":"r","imp":[{"id":"1","banner":{"h":250}}]}"#, "imp[0].banner"),
        (#"{"id":"r","imp":[{"id":"1","banner":{"format":[{}]}}]}"#, "imp[0].banner.format[0]"),
        (#"{"id":"r","imp":[{"id":"1"}]}"#, "imp[0]"),
        (#"{"id":"r","imp":[{"id":"1","banner":{"w":1,"h":1}}],"site":{},"app":{}}"#, "app"),
        (#"{"id":"r","tmax":-2,"imp":[{"id":"1","banner":{"w":1,"h":1}}]}"#, "tmax"),
        (#"{"id":"r","imp":[{"id":"1","bidfloor":-1,"banner":{"w":1,"h":1}}]}"#, "imp[0].bidfloor"),
        (#"{"id":"r","imp":[{"id":"1","banner":{"w":1,"h":1}}],"regs":{"gdpr":2}}"#, "regs.gdpr"),
        (#"{"id":"r","imp":[{"id":"1","banner":{"w":1,"h":1}}],"device":{"geo":{"accuracy":-1}}}"#, "device.geo.accuracy"),
    ])
    func malformedRequestsAre400NamingTheField(body: String, field: String) async throws {
        try await harness.test { client in
            let response = try await client.post("/openrtb2/auction", json: body)
            #expect(response.status == .badRequest)
            #expect(response.errorField == field)
        }
    }

    static let sharedDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "../../../shared/openrtb"
    ).standardized

    /// Prebid Server's invalid-request samples, when `../shared` is present.
    @Test func everyPrebidInvalidSampleIsA4xxAndTheServerStaysUp() async throws {
        let file = Self.sharedDirectory.appendingPathComponent("invalid/cases.json")
        guard let data = try? Data(contentsOf: file), let cases = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            return  // the shared reference data is not on this machine
        }
        #expect(cases.count == 35)
        let samples: [(name: String, body: String)] = try cases.map { sample in
            let body =
                try sample["body"] as? String
                ?? String(
                    decoding: JSONSerialization.data(withJSONObject: sample["body"] as Any, options: [.fragmentsAllowed]), as: UTF8.self)
            return (sample["name"] as? String ?? "?", body)
        }
        try await harness.test { client in
            for sample in samples {
                let response = try await client.post("/openrtb2/auction", json: sample.body)
                #expect((400..<500).contains(response.status.code), "\(sample.name) answered \(response.status)")
                #expect(response.errorCode == "invalid_request", "\(sample.name)")
                let isObject = (try? JSONSerialization.jsonObject(with: Data(sample.body.utf8))) is [String: Any]
                if isObject { #expect(response.errorField != nil, "\(sample.name) named no field") }
            }
            #expect(try await client.get("/healthz").status == .ok)
        }
    }

    /// The IAB examples get well-formed answers that validate against the IAB schema,
    /// when `../shared` is present.
    @Test func iabExamplesGetSchemaValidAnswers() async throws {
        let schemaDirectory = Self.sharedDirectory.appendingPathComponent("schema")
        var files: [String: Any] = [:]
        for name in ["BidResponse.json", "SeatBid.json", "Bid.json"] {
            guard let data = try? Data(contentsOf: schemaDirectory.appendingPathComponent(name)) else { return }
            files[name] = try JSONSerialization.jsonObject(with: data)
        }
        let checker = SchemaChecker(files: files)
        _ = try await harness.store().importCampaigns([
            Campaigns.make("any-size", advertiser: "a", bid: 2_000_000, sizes: ["300x250", "728x90"]),
            Campaigns.make("runner", advertiser: "b", bid: 1_000_000, sizes: ["300x250", "728x90"]),
            FormatCampaigns.video(
                "iab-video", bid: 3_000_000, seconds: 15, skipAfter: nil,
                files: [MediaFile(url: "https://cdn.example/v.mp4", mime: "video/mp4", width: 640, height: 480, bitrateKbps: 1_000)]),
        ])
        let checked = checker
        try await harness.test { client in
            var bids = 0
            for name in ["simple-banner.json", "mobile-app.json", "pmp-direct-deal.json", "video.json"] {
                let body = try String(contentsOf: Self.sharedDirectory.appendingPathComponent("examples/\(name)"), encoding: .utf8)
                let response = try await client.post("/openrtb2/auction", json: body)
                #expect(response.status == .ok || response.status == .noContent, "\(name): \(response.status)")
                if response.status == .ok {
                    bids += 1
                    let problems = checked.problems(response.json as Any, against: checked.files["BidResponse.json"]!)
                    #expect(problems.isEmpty, "\(name): \(problems)")
                    let bid = ((response.object["seatbid"] as? [[String: Any]])?.first?["bid"] as? [[String: Any]])?.first
                    if name == "video.json" {
                        #expect(bid?["cid"] as? String == "iab-video" && bid?["mtype"] as? Int == 2)
                        try VideoAndNativeFixtureTests.checkVAST(bid?["adm"] as? String ?? "", file: name)
                    }
                }
            }
            #expect(bids == 3)  // the two banner examples and the video; the deal is private
        }
    }
}
