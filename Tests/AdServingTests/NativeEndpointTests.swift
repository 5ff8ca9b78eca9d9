import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import VickreyCore
import VickreyStore

@Suite("POST /v1/ads")
struct NativeEndpointTests {
    let harness = ServerHarness()

    @Test func theWinnerPaysTheRunnerUpPlusIncrementAndCarriesSignedURLs() async throws {
        try await Campaigns.seedSpecExample(harness)
        try await harness.test { client in
            let response = try await client.post(
                "/v1/ads",
                json:
                    #"{"request_id":"r-1","geo":{"country":"US"},"placements":[{"id":"home_feed","sizes":["300x250"],"floor_micros":850000},{"id":"sidebar"}]}"#
            )
            #expect(response.status == .ok)
            let body = response.object
            #expect(body["request_id"] as? String == "r-1")
            let ads = try #require(body["ads"] as? [[String: Any]])
            #expect(ads.count == 2)
            #expect(ads[0]["campaign_id"] as? String == "one")
            #expect(ads[0]["clearing_ecpm_micros"] as? Int == 910_000)
            #expect(ads[0]["price_micros"] as? Int == 910_000)
            #expect(ads[0]["pricing"] as? String == "cpm")
            #expect((ads[0]["creative"] as? [String: Any])?["size"] as? String == "300x250")
            #expect((ads[0]["impression_url"] as? String)?.hasPrefix("https://ads.example/v1/beacons/impression/") == true)
            #expect((ads[0]["click_url"] as? String)?.hasPrefix("https://ads.example/v1/beacons/click/") == true)
            // "one" won the first placement; "two" wins the second against "three" (floor 0.01).
            #expect(ads[1]["campaign_id"] as? String == "two")
            #expect(ads[1]["clearing_ecpm_micros"] as? Int == 810_000)
            #expect(body["unfilled"] as? [String] == [])
        }
    }

    @Test func unfilledPlacementsAreListedAndAMissingRequestIDIsGenerated() async throws {
        try await Campaigns.seedSpecExample(harness)
        try await harness.test { client in
            let response = try await client.post(
                "/v1/ads", json: #"{"placements":[{"id":"a","sizes":["728x90"]},{"id":"b","floor_micros":5000000}]}"#)
            #expect(response.status == .ok)
            #expect(response.object["unfilled"] as? [String] == ["a", "b"])
            #expect((response.object["request_id"] as? String)?.hasPrefix("r-") == true)
            #expect(response.object["debug"] == nil)
        }
    }

    @Test func debugExplainsTheAuction() async throws {
        try await Campaigns.seedSpecExample(harness)
        let admin = try await harness.debugHeaders()
        try await harness.test { client in
            let response = try await client.post(
                "/v1/ads", json: #"{"debug":true,"geo":{"country":"FR"},"placements":[{"id":"p","floor_micros":850000}]}"#, headers: admin)
            let debug = try #require(response.object["debug"] as? [String: Any])
            let placement = try #require((debug["placements"] as? [[String: Any]])?.first)
            #expect(placement["floor_micros"] as? Int == 850_000)
            #expect(placement["winner"] as? String == "one")
            #expect(placement["price_rule"] as? String == "runner_up_plus_increment")
            let stages = Dictionary(
                uniqueKeysWithValues: (placement["candidates"] as? [[String: Any]] ?? []).map {
                    ($0["campaign_id"] as! String, $0["stage"] as! String)
                })
            #expect(stages == ["one": "won", "two": "outbid", "three": "targeting"])
        }
    }

    struct BadRequest: CustomTestStringConvertible, Sendable {
        var name: String
        var body: String
        var status: Int = 400
        var field: String?
        var testDescription: String { name }
    }

    static let badRequests: [BadRequest] = [
        BadRequest(name: "malformed JSON", body: #"{"placements": [}"#, field: nil),
        BadRequest(name: "not JSON", body: "placements please", field: nil),
        BadRequest(name: "not an object", body: "[1,2]", field: nil),
        BadRequest(name: "null", body: "null", field: nil),
        BadRequest(name: "missing placements", body: #"{"request_id":"r"}"#, field: "placements"),
        BadRequest(name: "empty placements", body: #"{"placements":[]}"#, field: "placements"),
        BadRequest(name: "placement without id", body: #"{"placements":[{"sizes":["300x250"]}]}"#, field: "placements[0].id"),
        BadRequest(name: "placement id of the wrong type", body: #"{"placements":[{"id":7}]}"#, field: "placements[0].id"),
        BadRequest(name: "duplicate placement ids", body: #"{"placements":[{"id":"a"},{"id":"a"}]}"#, field: "placements[1].id"),
        BadRequest(name: "bad size", body: #"{"placements":[{"id":"a","sizes":["0x250"]}]}"#, field: "placements[0].sizes[0]"),
        BadRequest(name: "negative floor", body: #"{"placements":[{"id":"a","floor_micros":-1}]}"#, field: "placements[0].floor_micros"),
        BadRequest(name: "fractional floor", body: #"{"placements":[{"id":"a","floor_micros":1.5}]}"#, field: "placements[0].floor_micros"),
        BadRequest(name: "unknown device type", body: #"{"device":{"type":"phone"},"placements":[{"id":"a"}]}"#, field: "device.type"),
        BadRequest(name: "unknown os", body: #"{"device":{"os":"beos"},"placements":[{"id":"a"}]}"#, field: "device.os"),
        BadRequest(name: "bad country", body: #"{"geo":{"country":"Mars"},"placements":[{"id":"a"}]}"#, field: "geo.country"),
        BadRequest(name: "keywords not an array", body: #"{"keywords":"baking","placements":[{"id":"a"}]}"#, field: "keywords"),
        BadRequest(
            name: "over-long request id", body: #"{"request_id":"\#(String(repeating: "x", count: 129))","placements":[{"id":"a"}]}"#,
            field: "request_id"),
        BadRequest(name: "request id with a NUL", body: #"{"request_id":"r-\u0000nul","placements":[{"id":"a"}]}"#, field: "request_id"),
        BadRequest(name: "request id with a line feed", body: #"{"request_id":"r\n","placements":[{"id":"a"}]}"#, field: "request_id"),
        BadRequest(name: "empty request id", body: #"{"request_id":"","placements":[{"id":"a"}]}"#, field: "request_id"),
        BadRequest(
            name: "user id over 4096 characters",
            body: #"{"user":{"id":"\#(String(repeating: "u", count: 4_097))"},"placements":[{"id":"a"}]}"#, field: "user.id"),
        BadRequest(
            name: "over-long keyword", body: #"{"keywords":["\#(String(repeating: "k", count: 65))"],"placements":[{"id":"a"}]}"#,
            field: "keywords[0]"),
        BadRequest(
            name: "too many placements", body: #"{"placements":[\#((0..<17).map { #"{"id":"p\#($0)"}"# }.joined(separator: ","))]}"#,
            field: "placements"),
        BadRequest(name: "debug not a bool", body: #"{"debug":"yes","placements":[{"id":"a"}]}"#, field: "debug"),
        BadRequest(
            name: "nesting too deep",
            body: #"{"x":\#(String(repeating: "[", count: 40))\#(String(repeating: "]", count: 40)),"placements":[{"id":"a"}]}"#),
        BadRequest(name: "trailing garbage", body: #"{"placements":[{"id":"a"}]} x"#, field: nil),
    ]

    @Test(arguments: badRequests)
    func badInputIsA4xxNamingTheField(_ row: BadRequest) async throws {
        try await harness.test { client in
            let response = try await client.post("/v1/ads", json: row.body)
            #expect(Int(response.status.code) == row.status)
            #expect(response.errorCode == "invalid_request")
            if row.name != "nesting too deep" { #expect(response.errorField == row.field) } else { #expect(response.errorField != nil) }
            let message = (response.object["error"] as? [String: Any])?["message"] as? String ?? ""
            #expect(message.isEmpty == false)
        }
    }

    @Test func anOversizedBodyIs413() async throws {
        try await harness.test { client in
            let big = #"{"placements":[{"id":"a"}],"pad":""# + String(repeating: "x", count: 70_000) + "\"}"
            let response = try await client.post("/v1/ads", json: big)
            #expect(response.status == .contentTooLarge)
            #expect(response.errorCode == "body_too_large")
        }
    }

    /// Every control character is refused in a request id (it is signed into the
    /// ledger), and named in the message.
    @Test(arguments: 0..<0x20)
    func everyControlCharacterInARequestIDIsRefused(_ code: Int) async throws {
        let escaped = String(format: "\\u%04x", code)
        try await harness.test { client in
            let response = try await client.post("/v1/ads", json: #"{"request_id":"r\#(escaped)x","placements":[{"id":"a"}]}"#)
            #expect(response.status == .badRequest)
            #expect(response.errorField == "request_id")
            let message = (response.object["error"] as? [String: Any])?["message"] as? String ?? ""
            #expect(message.contains(String(format: "U+%04X", code)), "\(message)")
        }
    }

    /// Exchanges send user ids of several hundred bytes: served, and capped as one user.
    @Test func aLongUserIDIsServedAndCappedAsOneUser() async throws {
        var capped = Campaigns.make("capped", advertiser: "a", bid: 1_000_000)
        capped.frequencyCap = FrequencyCap(impressions: 1, windowSeconds: 3_600)
        _ = try await harness.store().importCampaigns([capped])
        let cookieMap = String(repeating: "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=", count: 20)  // 720 bytes
        try await harness.test { client in
            let body = #"{"user":{"id":"\#(cookieMap)"},"placements":[{"id":"home_feed"}]}"#
            let first = try await client.post("/v1/ads", json: body)
            #expect(first.status == .ok)
            #expect((first.object["ads"] as? [[String: Any]])?.count == 1)
            let second = try await client.post("/v1/ads", json: body)
            #expect((second.object["ads"] as? [[String: Any]])?.count == 0, "the cap of 1 must hold for the same long id")
            let other = try await client.post("/v1/ads", json: #"{"user":{"id":"\#(cookieMap)x"},"placements":[{"id":"home_feed"}]}"#)
            #expect((other.object["ads"] as? [[String: Any]])?.count == 1, "another long id is another user")
        }
    }

    /// JSON Schema counts `768.0` as an integer; so does the server.
    @Test func wholeNumbersWrittenWithAFractionAreIntegers() async throws {
        try await harness.test { client in
            let whole = try await client.post("/v1/ads", json: #"{"placements":[{"id":"a","floor_micros":5.0e5}]}"#)
            #expect(whole.status == .ok)
            let fractional = try await client.post("/v1/ads", json: #"{"placements":[{"id":"a","floor_micros":5.5}]}"#)
            #expect(fractional.errorField == "placements[0].floor_micros")
        }
    }
}
