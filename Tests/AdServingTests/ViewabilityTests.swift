import AdServing
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import VickreyCore
import VickreyStore
import VickreyTestSupport

/// The viewable beacon, vCPM pricing, and the measurement the markup carries, over HTTP.
@Suite("Viewability and vCPM over HTTP")
struct ViewabilityTests {
    static let billing: HTTPFields = [.authorization: "Bearer \(ServerHarness.billingToken)"]

    /// A $4.00 vCPM campaign declaring 50% viewability (scoring $2.00 eCPM) against a
    /// $1.00 CPM one: it wins at $1.01 eCPM and pays $2.02 per 1000 viewable impressions.
    static let campaigns = [
        {
            var visible = Campaigns.make("visible", advertiser: "v", bid: 4_000_000)
            visible.pricing = .vcpm
            visible.predictedViewability = ClickThroughRate(partsPerMillion: 500_000)
            return visible
        }(),
        Campaigns.make("plain", advertiser: "p", bid: 1_000_000),
    ]

    @Test func aVCPMAdIsChargedAtItsViewableEventOnce() async throws {
        let harness = ServerHarness()
        _ = try await harness.store().importCampaigns(Self.campaigns)
        try await harness.live { client in
            let response = try await client.post("/v1/ads", json: #"{"placements":[{"id":"home_feed"}]}"#).object
            let ad = try #require((response["ads"] as? [[String: Any]])?.first)
            #expect(ad["campaign_id"] as? String == "visible")
            #expect(ad["pricing"] as? String == "vcpm")
            #expect(ad["clearing_ecpm_micros"] as? Int == 1_010_000)
            #expect(ad["price_micros"] as? Int == 2_020_000)
            let viewable = try #require((ad["viewable_url"] as? String).flatMap(URL.init(string:))?.path)
            let impression = try #require((ad["impression_url"] as? String).flatMap(URL.init(string:))?.path)
            #expect(viewable.hasPrefix("/v1/beacons/viewable/"))
            var budget = try await client.get("/v1/campaigns/visible/budget", headers: Self.billing).object
            #expect(budget["reserved_nanos"] as? Int == 4_000_000, "a win reserves one viewable impression at the bid")

            #expect(try await client.get(impression).status == .ok)
            let first = try await client.get(viewable)
            #expect(first.status == .ok)
            #expect(first.headers[.contentType] == "image/gif")
            #expect(try await client.get(viewable).status == .ok)  // a replay

            let records = try await client.ledger()
            #expect(records.map { $0["kind"] as? String } == ["impression", "viewable"])
            #expect(records.map { $0["charge_nanos"] as? Int } == [0, 2_020_000])
            #expect(records.allSatisfy { $0["billed"] as? Bool == true && $0["pricing"] as? String == "vcpm" })
            budget = try await client.get("/v1/campaigns/visible/budget", headers: Self.billing).object
            #expect(budget["spent_total_nanos"] as? Int == 2_020_000)
            #expect(budget["reserved_nanos"] as? Int == 0)
        }
    }

    @Test func aCPMAdsViewableEventIsRecordedAndCostsNothing() async throws {
        let harness = ServerHarness()
        _ = try await harness.store().importCampaigns([Campaigns.make("plain", advertiser: "p", bid: 1_000_000)])
        try await harness.live { client in
            let response = try await client.post("/v1/ads", json: #"{"placements":[{"id":"home_feed"}]}"#).object
            let ad = try #require((response["ads"] as? [[String: Any]])?.first)
            let viewable = try #require((ad["viewable_url"] as? String).flatMap(URL.init(string:))?.path)
            #expect(try await client.get(viewable, headers: [.userAgent: "curl/8.5.0"]).status == .ok)
            let record = try #require(try await client.ledger().first)
            #expect(record["kind"] as? String == "viewable")
            #expect(record["reason"] as? String == "ivt_known_robot", "viewable events are judged like every beacon")
        }
    }

    @Test func theOpenRTBMarkupRendersTheImpressionAndMeasuresViewability() async throws {
        let harness = ServerHarness()
        _ = try await harness.store().importCampaigns([Campaigns.make("plain", advertiser: "p", bid: 1_000_000)])
        try await harness.test { client in
            let body = #"{"id":"r-1","imp":[{"id":"1","banner":{"w":300,"h":250}}]}"#
            let bid = try #require(
                ((try await client.post("/openrtb2/auction", json: body).object["seatbid"] as? [[String: Any]])?.first?["bid"]
                    as? [[String: Any]])?.first)
            let adm = try #require(bid["adm"] as? String)
            let id = try #require(bid["id"] as? String)
            let nurl = try #require(bid["nurl"] as? String)
            #expect(adm.contains(#"<div id="vickrey-\#(id)""#))
            #expect(adm.contains(#"<img src="\#(nurl)" width="1" height="1""#), "the impression fires as the ad renders")
            #expect(adm.contains(#"vickreyMeasure(document.getElementById("vickrey-\#(id)"),"https://ads.example/v1/beacons/viewable/"#))
            #expect(adm.contains("IntersectionObserver"))
            #expect(!adm.contains("<script src"), "no external script")
        }
    }

    /// Pages on another origin load the tag and call the native API: CORS on both routes,
    /// errors included, and the preflight.
    @Test func theWebTagAndCORS() async throws {
        let harness = ServerHarness()
        try await harness.test { client in
            let tag = try await client.get("/v1/tag.js")
            #expect(tag.status == .ok)
            #expect(tag.headers[.contentType] == "application/javascript; charset=utf-8")
            #expect(tag.text.contains("function vickreyMeasure(el, url)"))
            #expect(tag.text.contains("data-vickrey-placement"))
            let preflight = try await client.execute(
                uri: "/v1/ads", method: .options, headers: [.origin: "https://news.example", .accessControlRequestMethod: "POST"])
            #expect(preflight.status == .noContent)
            #expect(preflight.headers[.accessControlAllowOrigin] == "*")
            #expect(preflight.headers[.accessControlAllowHeaders] == "Content-Type")
            let ads = try await client.post("/v1/ads", json: #"{"placements":[{"id":"home_feed"}]}"#)
            #expect(ads.headers[.accessControlAllowOrigin] == "*")
            let refused = try await client.post("/v1/ads", json: #"{"placements":[]}"#)
            #expect(refused.status == .badRequest)
            #expect(refused.headers[.accessControlAllowOrigin] == "*", "a page can read why it was refused")
            #expect(try await client.get("/healthz").headers[.accessControlAllowOrigin] == nil)
        }
    }
}
