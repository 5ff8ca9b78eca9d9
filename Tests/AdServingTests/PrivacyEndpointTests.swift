import AdServing
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import VickreyCore
import VickreyStore

@Suite("Privacy signals through both endpoints")
struct PrivacyEndpointTests {
    static let vendor = 1_234

    /// "capped" (a frequency cap: needs a user id) bids above "open" (no cap).
    static func harness() async throws -> ServerHarness {
        let harness = ServerHarness { $0.privacy = PrivacyPolicy(vendorID: vendor) }
        var capped = Campaigns.make("capped", advertiser: "a", bid: 2_000_000)
        capped.frequencyCap = FrequencyCap(impressions: 5, windowSeconds: 3_600)
        _ = try await harness.store().importCampaigns([capped, Campaigns.make("open", advertiser: "b", bid: 1_000_000)])
        return harness
    }

    static func bidRequest(regs: String = "null", user: String = #"{"id":"u-1"}"#, device: String = "null") -> String {
        #"{"id":"r-1","imp":[{"id":"1","tagid":"home_feed","banner":{"w":300,"h":250}}],"user":\#(user),"regs":\#(regs),"device":\#(device)}"#
    }

    @Test(arguments: [
        ("no signal", bidRequest(), "capped"),
        ("2.6 us_privacy opt-out", bidRequest(regs: #"{"us_privacy":"1YYN"}"#), "open"),
        ("2.5 regs.ext.us_privacy opt-out", bidRequest(regs: #"{"ext":{"us_privacy":"1YYN"}}"#), "open"),
        ("coppa", bidRequest(regs: #"{"coppa":1}"#), "open"),
        ("device.lmt", bidRequest(device: #"{"lmt":1}"#), "open"),
        ("device.dnt", bidRequest(device: #"{"dnt":1}"#), "open"),
        ("gpp US national opt-out", bidRequest(regs: #"{"gpp":"\#(PrivacyPolicyTestsStrings.gppOptOut)","gpp_sid":[7]}"#), "open"),
        (
            "2.6 gdpr with full consent",
            bidRequest(regs: #"{"gdpr":1}"#, user: #"{"id":"u-1","consent":"\#(PrivacyPolicyTestsStrings.fullConsent)"}"#), "capped"
        ),
        (
            "2.5 regs.ext.gdpr and user.ext.consent, full consent",
            bidRequest(regs: #"{"ext":{"gdpr":1}}"#, user: #"{"id":"u-1","ext":{"consent":"\#(PrivacyPolicyTestsStrings.fullConsent)"}}"#),
            "capped"
        ),
        (
            "gdpr, purpose 2 only: contextual",
            bidRequest(regs: #"{"gdpr":1}"#, user: #"{"id":"u-1","consent":"\#(PrivacyPolicyTestsStrings.purposeTwoOnly)"}"#), "open"
        ),
    ])
    func openRTBServesWhatTheSignalsAllow(name: String, body: String, winner: String) async throws {
        let harness = try await Self.harness()
        try await harness.test { client in
            let response = try await client.post("/openrtb2/auction", json: body)
            #expect(response.status == .ok, "\(name): \(response.text)")
            let bid = ((response.object["seatbid"] as? [[String: Any]])?.first?["bid"] as? [[String: Any]])?.first
            #expect(bid?["cid"] as? String == winner, "\(name)")
        }
    }

    @Test func gdprWithoutConsentIsNoBidAndCounted() async throws {
        let harness = try await Self.harness()
        try await harness.test { client in
            for body in [
                Self.bidRequest(regs: #"{"gdpr":1}"#),
                Self.bidRequest(regs: #"{"ext":{"gdpr":1}}"#, user: #"{"id":"u","ext":{"consent":"BAD"}}"#),
            ] {
                #expect(try await client.post("/openrtb2/auction", json: body).status == .noContent)
            }
            let metrics = try await client.get("/metrics").text
            #expect(metrics.contains(#"vickrey_privacy_requests_total{endpoint="openrtb",outcome="no_ad"} 2"#))
        }
    }

    /// The native `privacy` object: the explanation says what was used and why; a
    /// contextual request's experiment arm is drawn by request id, never by its user id.
    @Test func nativePrivacyIsExplainedAndKeepsTheUserIDOutOfExperiments() async throws {
        let harness = try await Self.harness()
        let experiment = Experiment(
            id: ExperimentID("x")!, arms: [ExperimentArm(name: ArmName("a")!, weight: 1), ExperimentArm(name: ArmName("b")!, weight: 1)])
        let store = try await Store.open(StoreLocation(harness.settings.databasePath))
        try await store.experiments.create(experiment, at: Instant(secondsSinceEpoch: 1_795_000_000))
        await store.close()
        // A user and request id whose arms differ, so the test can tell which was used.
        let (user, requestID) = try #require(
            (0..<200).lazy.map { ("user-\($0)", "req-\($0)") }.first {
                experiment.assignment(unitID: $0.0).arm != experiment.assignment(unitID: $0.1).arm
            })
        try await harness.test { client in
            let response = try await client.post(
                "/v1/ads",
                json:
                    #"{"request_id":"\#(requestID)","user":{"id":"\#(user)"},"privacy":{"us_privacy":"1YYN"},"placements":[{"id":"home_feed"}],"debug":true}"#
            )
            let debug = try #require(response.object["debug"] as? [String: Any])
            let privacy = try #require(debug["privacy"] as? [String: Any])
            #expect(privacy["outcome"] as? String == "contextual")
            #expect((privacy["reasons"] as? [String])?.first?.contains("opted out of sale") == true)
            let placement = try #require((debug["placements"] as? [[String: Any]])?.first)
            #expect(placement["arm"] as? String == experiment.assignment(unitID: requestID).arm.rawValue)
            let capped = (placement["candidates"] as? [[String: Any]])?.first { $0["campaign_id"] as? String == "capped" }
            #expect(capped?["stage"] as? String == "frequency_cap")
            #expect((response.object["ads"] as? [[String: Any]])?.first?["campaign_id"] as? String == "open")

            let personal = try await client.post(
                "/v1/ads",
                json: #"{"request_id":"\#(requestID)-2","user":{"id":"\#(user)"},"placements":[{"id":"home_feed"}],"debug":true}"#)
            let arm = (((personal.object["debug"] as? [String: Any])?["placements"] as? [[String: Any]])?.first?["arm"]) as? String
            #expect(arm == experiment.assignment(unitID: user).arm.rawValue)

            let refused = try await client.post("/v1/ads", json: #"{"privacy":{"gdpr":2},"placements":[{"id":"home_feed"}]}"#)
            #expect(refused.status == .badRequest && refused.errorField == "privacy.gdpr")
            let noAd = try await client.post("/v1/ads", json: #"{"privacy":{"gdpr":1},"placements":[{"id":"home_feed"}]}"#)
            #expect((noAd.object["ads"] as? [Any])?.isEmpty == true && noAd.object["unfilled"] as? [String] == ["home_feed"])
        }
    }
}

/// Consent strings shared with the core's table (built with `PrivacyPolicyTests`' encoder's layout).
enum PrivacyPolicyTestsStrings {
    static let fullConsent = TCFStrings.make(purposes: [1, 2, 3, 4], vendors: [PrivacyEndpointTests.vendor])
    static let purposeTwoOnly = TCFStrings.make(purposes: [2], vendors: [PrivacyEndpointTests.vendor])
    static let gppOptOut = "DBABLA~BVQqAAAAAAJY.QA".replacingOccurrences(of: "BVQqAAAAAAJY", with: TCFStrings.usNational(targeted: 1))
}

/// The TCF v2 and GPP US national layouts, written out for test strings.
enum TCFStrings {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

    static func text(_ bits: [Bool]) -> String {
        var bits = bits
        while bits.count % 6 != 0 { bits.append(false) }
        return String(
            stride(from: 0, to: bits.count, by: 6).map { start in alphabet[bits[start..<start + 6].reduce(0) { $0 << 1 | ($1 ? 1 : 0) }] })
    }

    static func make(purposes: Set<Int>, vendors: Set<Int>) -> String {
        var bits: [Bool] = []
        func put(_ value: Int, _ width: Int) {
            for shift in stride(from: width - 1, through: 0, by: -1) { bits.append(value >> shift & 1 == 1) }
        }
        func field(_ set: Set<Int>, _ width: Int) { for index in 1...width { bits.append(set.contains(index)) } }
        put(2, 6)
        put(16_000_000_000, 36)
        put(16_000_000_000, 36)
        put(7, 12)
        put(1, 12)
        put(1, 6)
        put(4, 6)
        put(13, 6)
        put(150, 12)
        put(2, 6)
        put(0, 2)
        field([], 12)
        field(purposes, 24)
        field([], 24)
        put(0, 13)
        let maximum = vendors.max() ?? 0
        put(maximum, 16)
        put(0, 1)
        if maximum > 0 { field(vendors, maximum) }
        put(0, 17)
        return text(bits)
    }

    static func usNational(targeted: Int) -> String {
        var bits: [Bool] = []
        func put(_ value: Int, _ width: Int) {
            for shift in stride(from: width - 1, through: 0, by: -1) { bits.append(value >> shift & 1 == 1) }
        }
        put(1, 6)
        for _ in 0..<6 { put(1, 2) }
        put(2, 2)
        put(2, 2)
        put(targeted, 2)
        return text(bits)
    }
}
