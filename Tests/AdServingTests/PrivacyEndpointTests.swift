import AdServing
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import VickreyConfig
import VickreyCore
import VickreyStore
import VickreyTestSupport

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
        let store = try await Store.open(StoreLocation(harness.settings.shared.databasePath))
        try await store.experiments.create(experiment, at: Instant(secondsSinceEpoch: 1_795_000_000))
        await store.close()
        // A user and request id whose arms differ, so the test can tell which was used.
        let (user, requestID) = try #require(
            (0..<200).lazy.map { ("user-\($0)", "req-\($0)") }.first {
                experiment.assignment(unitID: $0.0).arm != experiment.assignment(unitID: $0.1).arm
            })
        let admin = try await harness.debugHeaders()
        try await harness.test { client in
            let response = try await client.post(
                "/v1/ads",
                json:
                    #"{"request_id":"\#(requestID)","user":{"id":"\#(user)"},"privacy":{"us_privacy":"1YYN"},"placements":[{"id":"home_feed"}],"debug":true}"#,
                headers: admin)
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
                json: #"{"request_id":"\#(requestID)-2","user":{"id":"\#(user)"},"placements":[{"id":"home_feed"}],"debug":true}"#,
                headers: admin)
            let arm = (((personal.object["debug"] as? [String: Any])?["placements"] as? [[String: Any]])?.first?["arm"]) as? String
            #expect(arm == experiment.assignment(unitID: user).arm.rawValue)

            let refused = try await client.post("/v1/ads", json: #"{"privacy":{"gdpr":2},"placements":[{"id":"home_feed"}]}"#)
            #expect(refused.status == .badRequest && refused.errorField == "privacy.gdpr")
            let noAd = try await client.post("/v1/ads", json: #"{"privacy":{"gdpr":1},"placements":[{"id":"home_feed"}]}"#)
            #expect((noAd.object["ads"] as? [Any])?.isEmpty == true && noAd.object["unfilled"] as? [String] == ["home_feed"])
        }
    }
}

/// The consent strings the table above sends.
enum PrivacyPolicyTestsStrings {
    static let fullConsent = ConsentStrings.tcf(purposes: [1, 2, 3, 4], vendors: [PrivacyEndpointTests.vendor])
    static let purposeTwoOnly = ConsentStrings.tcf(purposes: [2], vendors: [PrivacyEndpointTests.vendor])
    static let gppOptOut = ConsentStrings.gppUSNational(targeted: 1)
}
