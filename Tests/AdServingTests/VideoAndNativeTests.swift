import AdServing
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import VickreyCore
import VickreyStore
import VickreyTestSupport

/// A video ad walked through as a player plays it, on a live server; native ads on both
/// endpoints; the native endpoint's `formats`.
@Suite("Video and native ads over HTTP")
struct VideoAndNativeTests {
    static let billing: HTTPFields = [.authorization: "Bearer \(ServerHarness.billingToken)"]

    /// A $0.02 CPCV video declaring a 50% completion rate (scoring $10.00 eCPM) against a
    /// $4.00 CPM video: it wins at $4.01 eCPM and pays $0.00802 per completed view.
    static let campaigns: [Campaign] = [
        {
            var completed = FormatCampaigns.video(
                "completed", bid: 20_000, seconds: 30, skipAfter: nil, files: [FormatCampaigns.mp4, FormatCampaigns.hd])
            completed.pricing = .cpcv
            completed.predictedCompletionRate = ClickThroughRate(partsPerMillion: 500_000)
            return completed
        }(),
        FormatCampaigns.video("plainvideo", bid: 4_000_000, seconds: 15, skipAfter: nil, files: [FormatCampaigns.mp4]),
    ]

    /// The URLs in a VAST document's elements, in document order, `&amp;` undone.
    static func urls(in vast: String) -> [String] {
        let pattern = try! Regex(#">(https?://[^<]+)<"#)  // a literal pattern: cannot fail
        return vast.matches(of: pattern).compactMap { match in
            (match.output[1].substring).map { String($0).replacingOccurrences(of: "&amp;", with: "&") }
        }
    }

    @Test func aPlayerPlayingTheVASTRecordsEachEventOnceAndCompleteChargesTheCPCVCampaign() async throws {
        let harness = ServerHarness()
        let admin = try await harness.adminKey()
        _ = try await harness.store().importCampaigns(Self.campaigns)
        try await harness.live { client in
            let body = #"""
                {"id":"walk-1","imp":[{"id":"1","video":{"mimes":["video/mp4"],"minduration":5,"maxduration":60,
                 "protocols":[2,3,7],"w":1280,"h":720}}]}
                """#
            let response = try await client.post("/openrtb2/auction", json: body)
            #expect(response.status == .ok)
            let bid = try #require(((response.object["seatbid"] as? [[String: Any]])?.first?["bid"] as? [[String: Any]])?.first)
            #expect(bid["cid"] as? String == "completed")
            #expect(bid["mtype"] as? Int == 2)
            #expect(bid["price"] as? Double == 4.01)
            #expect(bid["w"] as? Int == 1280 && bid["h"] as? Int == 720, "the media file closest to the player's size")
            let vast = try #require(bid["adm"] as? String)
            #expect(vast.contains("<Duration>00:00:30</Duration>"))
            #expect(vast.contains(#"<MediaFile delivery="progressive" type="video/mp4" width="1280" height="720" bitrate="2500">"#))
            let urls = Self.urls(in: vast)
            let beacons = urls.compactMap(URL.init(string:)).filter { $0.path.hasPrefix("/v1/beacons/") }
            let kinds = beacons.map { $0.pathComponents[3] }
            #expect(
                kinds == [
                    "error", "impression", "viewable", "start", "first_quartile", "midpoint", "third_quartile", "complete", "click",
                ])
            #expect(bid["nurl"] as? String == urls[1], "nurl and VAST Impression are the same signed URL")
            var budget = try await client.get("/v1/campaigns/completed/budget", headers: Self.billing).object
            #expect(budget["reserved_nanos"] as? Int == 20_000_000, "a win reserves one completed view at the bid")

            // The player fetches every URL, each twice (a retry, a second player event).
            for url in beacons where url.pathComponents[3] != "click" {
                let path = url.path
                for _ in 0..<2 {
                    let fetched = try await client.get(path)
                    #expect(fetched.status == .ok, "\(path)")
                    #expect(fetched.headers[.contentType] == "image/gif")
                }
            }
            let click = try #require(beacons.last)
            let redirect = try await client.get(click.path)
            #expect(redirect.status == .found)
            #expect(redirect.headers[.location] == "https://completed.example/landing")

            let records = try await client.ledger()
            #expect(
                records.map { $0["kind"] as? String }.sorted { ($0 ?? "") < ($1 ?? "") } == [
                    "click", "complete", "error", "first_quartile", "impression", "midpoint", "start", "third_quartile", "viewable",
                ], "every event recorded once")
            #expect(records.filter { ($0["charge_nanos"] as? Int ?? 0) > 0 }.map { $0["kind"] as? String } == ["complete"])
            #expect(records.first { $0["kind"] as? String == "complete" }?["charge_nanos"] as? Int == 8_020_000)
            #expect(records.allSatisfy { $0["pricing"] as? String == "cpcv" && $0["billed"] as? Bool == true })
            budget = try await client.get("/v1/campaigns/completed/budget", headers: Self.billing).object
            #expect(budget["spent_total_nanos"] as? Int == 8_020_000)
            #expect(budget["reserved_nanos"] as? Int == 0)
            // Reports count the completed view against the measured impression.
            let rows = try #require(
                try await client.get("/v1/admin/reports?by=campaign", headers: [.authorization: "Bearer \(admin)"]).json as? [[String: Any]]
            )
            let row = try #require(rows.first { $0["campaign_id"] as? String == "completed" })
            #expect(row["impressions"] as? Int == 1)
            #expect(row["completed_views"] as? Int == 1)
            #expect(row["completion_ppm"] as? Int == 1_000_000)
            #expect(row["spend_nanos"] as? Int == 8_020_000)
        }
    }

    @Test func aVideoEventFromARobotIsRecordedUnbilled() async throws {
        let harness = ServerHarness()
        _ = try await harness.store().importCampaigns(Self.campaigns)
        try await harness.live { client in
            let body = #"{"placements":[{"id":"preroll","formats":["video"]}]}"#
            let ad = try #require((try await client.post("/v1/ads", json: body).object["ads"] as? [[String: Any]])?.first)
            let vast = try #require(ad["vast"] as? String)
            let complete = try #require(Self.urls(in: vast).compactMap(URL.init(string:)).first { $0.path.contains("/complete/") })
            #expect(try await client.get(complete.path, headers: [.userAgent: "Googlebot/2.1"]).status == .ok)
            let record = try #require(try await client.ledger().first)
            #expect(record["kind"] as? String == "complete")
            #expect(record["reason"] as? String == "ivt_known_robot")
            #expect(record["charge_nanos"] as? Int == 0)
        }
    }

    @Test func theNativeEndpointAnswersEachFormatItIsAskedFor() async throws {
        let harness = ServerHarness()
        _ = try await harness.store().importCampaigns(FormatCampaigns.all)
        try await harness.test { client in
            let body = #"""
                {"placements":[{"id":"preroll","formats":["video"]},{"id":"feed","formats":["native"]},
                 {"id":"top","sizes":["300x250"]},{"id":"any","formats":["banner","video","native"],"sizes":["728x90"]}]}
                """#
            let ads = try #require(try await client.post("/v1/ads", json: body).object["ads"] as? [[String: Any]])
            let byPlacement = Dictionary(uniqueKeysWithValues: ads.map { ($0["placement_id"] as? String ?? "", $0) })
            let video = try #require(byPlacement["preroll"])
            #expect(video["campaign_id"] as? String == "vid15")
            #expect(video["format"] as? String == "video")
            #expect((video["vast"] as? String)?.hasPrefix(#"<VAST version="4.2""#) == true)
            #expect((video["creative"] as? [String: Any])?["format"] as? String == "video")
            let native = try #require(byPlacement["feed"])
            #expect(native["campaign_id"] as? String == "natsmall", "any native creative: the best bid")
            #expect((native["native"] as? [String: Any])?["title"] as? String == "Small")
            #expect((native["native"] as? [String: Any])?["image_width"] as? Int == 300)
            #expect(byPlacement["top"]?["campaign_id"] as? String == "ban", "banners as before")
            #expect(byPlacement["top"]?["format"] == nil)
            // Banner (no 728x90 left), video or native: the best remaining bid over the three.
            #expect(byPlacement["any"]?["campaign_id"] as? String == "vid30")
        }
    }

    @Test(arguments: [
        (#"{"placements":[{"id":"p","formats":["audio"]}]}"#, "placements[0].formats[0]"),
        (#"{"placements":[{"id":"p","formats":[]}]}"#, "placements[0].formats"),
        (#"{"placements":[{"id":"p","formats":["video","video"]}]}"#, "placements[0].formats[1]"),
        (#"{"placements":[{"id":"p","formats":["native"],"sizes":["300x250"]}]}"#, "placements[0].sizes"),
        (#"{"placements":[{"id":"p","format":["native"]}]}"#, "placements[0].format"),
    ])
    func aBadFormatsListIsRefusedNamingTheField(body: String, field: String) async throws {
        let harness = ServerHarness()
        try await harness.test { client in
            let response = try await client.post("/v1/ads", json: body)
            #expect(response.status == .badRequest)
            #expect((response.object["error"] as? [String: Any])?["field"] as? String == field, "\(response.text)")
        }
    }
}
