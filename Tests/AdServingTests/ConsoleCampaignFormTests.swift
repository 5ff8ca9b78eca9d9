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
import VickreyWire

/// The console's campaign form holds every field an ad-ops user sets: saving a campaign's
/// form unchanged changes nothing, and each section's change lands in the stored campaign.
@Suite("Console: the campaign form, every field and every creative")
struct ConsoleCampaignFormTests {
    /// A campaign with everything the form shows: flight, zone, cap, targeting and
    /// exclusions, hours, deals, labels, a roadblock, and two banners, a video and a native ad.
    static let everything = """
        {"id": "full", "advertiser_id": "acme", "name": "Everything & more", "status": "paused", "pricing": "cpc",
         "bid_micros": 1250000, "predicted_ctr": 0.0125, "daily_budget_micros": 50000000, "total_budget_micros": 900000000,
         "start": "2026-12-01T00:00:00Z", "end": "2027-01-01T00:00:00Z", "time_zone": "Europe/Paris", "pacing": "even",
         "frequency_cap": {"impressions": 3, "window_seconds": 172800, "refuse_anonymous": true},
         "targeting": {"placements": ["home_feed", "article"], "countries": ["US", "CA"], "devices": ["mobile", "tablet"],
           "os": ["ios"], "keywords": ["baking"], "hours_of_week": [9, 10, 11, 33, 167],
           "exclude": {"countries": ["FR"], "keywords": ["alcohol"], "devices": ["ctv"], "os": ["windows"], "placements": ["footer"]}},
         "deals": [{"id": "deal-1", "floor_micros": 4000000}, {"id": "deal-2"}],
         "exclusion_labels": ["auto"], "roadblock": "all",
         "creatives": [
           {"id": "full-a", "size": "300x250", "image_url": "https://cdn.example/a.png", "click_url": "https://acme.example/a", "adomain": ["acme.example"]},
           {"id": "full-b", "size": "728x90", "image_url": "http://cdn.example/b.png", "click_url": "https://acme.example/b", "adomain": []},
           {"id": "full-v", "format": "video", "click_url": "https://acme.example/v", "adomain": ["acme.example"],
            "video": {"duration_seconds": 30, "skip_after_seconds": 5, "media_files": [
              {"url": "https://cdn.example/v.mp4", "mime": "video/mp4", "width": 1280, "height": 720, "bitrate_kbps": 2000},
              {"url": "https://cdn.example/v.webm", "mime": "video/webm", "width": 640, "height": 360, "bitrate_kbps": 800}]}},
           {"id": "full-n", "format": "native", "click_url": "https://acme.example/n", "adomain": [],
            "native": {"title": "Bake better", "description": "Flour, \\"fresh\\"", "image_url": "https://cdn.example/n.jpg",
              "image_width": 1200, "image_height": 627, "icon_url": null, "call_to_action": "Shop", "sponsored_by": "Acme"}}]}
        """

    /// What a browser would post for the form in `page`: every text field and menu as
    /// shown, ticked boxes only, no button.
    static func submission(_ page: String) -> [String: String] {
        func unescape(_ text: some StringProtocol) -> String {
            String(text).replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
                .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
                .replacingOccurrences(of: "&amp;", with: "&")
        }
        func attribute(_ name: String, in tag: String) -> String? {
            tag.firstMatch(of: try! Regex(#" \#(name)="([^"]*)""#)).map { unescape($0.output[1].substring!) }
        }
        var fields: [String: String] = [:]
        for match in page.matches(of: /<input ([^>]*)>/) {
            let tag = " " + match.output.1
            guard let name = attribute("name", in: tag) else { continue }
            if attribute("type", in: tag) == "checkbox" {
                if tag.contains(" checked") { fields[name] = "on" }
            } else {
                fields[name] = attribute("value", in: tag) ?? ""
            }
        }
        for match in page.matches(of: /<textarea [^>]*name="([^"]+)"[^>]*>(.*?)<\/textarea>/.dotMatchesNewlines()) {
            fields[String(match.output.1)] = unescape(match.output.2)
        }
        for match in page.matches(of: /<select id="[^"]*" name="([^"]+)">(.*?)<\/select>/.dotMatchesNewlines()) {
            let options = match.output.2.matches(of: /<option value="([^"]*)"( selected)?>/)
            fields[String(match.output.1)] = unescape((options.first { $0.output.2 != nil } ?? options.first)?.output.1 ?? "")
        }
        return fields
    }

    static func post(_ client: some TestClientProtocol, _ uri: String, cookie: String, _ fields: [String: String]) async throws
        -> TestResponse
    {
        var headers = ConsoleTests.formHeaders
        headers[.cookie] = cookie
        return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: ConsoleTests.form(fields)))
    }

    func withFullCampaign(_ body: @escaping @Sendable (any TestClientProtocol, (cookie: String, csrf: String), Store) async throws -> Void)
        async throws
    {
        let harness = ServerHarness()
        let keys = try await AdminAPITests.seed(harness)
        let campaign = try CampaignDocument.parseCampaign(Data(Self.everything.utf8)).get()
        let store = try await Store.open(StoreLocation(harness.settings.shared.databasePath))
        _ = try await store.campaigns.importCampaigns([campaign])
        try await harness.test { client in
            let admin = try await ConsoleTests.signIn(client, key: keys[.admin]!)
            try await body(client, admin, store)
        }
        await store.close()
    }

    @Test func savingTheFormUnchangedChangesNothing() async throws {
        try await withFullCampaign { client, admin, store in
            let before = try #require(try await store.campaigns.campaign(CampaignID("full")!))
            let page = try await client.get("/console/campaigns/full/edit", headers: [.cookie: admin.cookie]).text
            for shown in [
                #"<option value="cpc" selected>"#, #"<option value="Europe/Paris" selected>"#, #"<option value="days" selected>"#,
                #"id="f-hour_33" title="Tue 9:00" checked"#, #"id="f-ex_device_ctv" name="ex_device_ctv" checked"#,
                "deal-1 4.00\ndeal-2</textarea>",
                #"value="Bake better""#, "https://cdn.example/v.webm video/webm 640x360 800", #"id="creative-3""#,
            ] {
                #expect(page.contains(shown), "\(shown)")
            }
            let saved = try await Self.post(client, "/console/campaigns/full/edit", cookie: admin.cookie, Self.submission(page))
            #expect(saved.status == .seeOther, "\(saved.text)")
            #expect(try await store.campaigns.campaign(CampaignID("full")!) == before)
        }
    }

    @Test func eachSectionsChangeLandsInTheCampaign() async throws {
        try await withFullCampaign { client, admin, store in
            let page = try await client.get("/console/campaigns/full/edit", headers: [.cookie: admin.cookie]).text
            var fields = Self.submission(page)
            fields["pricing"] = "cpm"
            fields["predicted_ctr"] = ""
            fields["time_zone"] = "America/New_York"
            fields["end"] = ""
            fields["cap_impressions"] = "5"
            fields["cap_window"] = "90"
            fields["cap_unit"] = "minutes"
            fields["cap_refuse_anonymous"] = nil
            fields["hour_9"] = nil
            fields["hour_100"] = "on"
            fields["ex_countries"] = "fr, de"
            fields["os_android"] = "on"
            fields["deals"] = "deal-9 1.5\n"
            fields["roadblock"] = nil
            fields["cr1_remove"] = "on"
            fields["cr2_skip_after"] = ""
            fields["cr3_title"] = "Bake best"
            let saved = try await Self.post(client, "/console/campaigns/full/edit", cookie: admin.cookie, fields)
            #expect(saved.status == .seeOther, "\(saved.text)")
            let campaign = try #require(try await store.campaigns.campaign(CampaignID("full")!))
            #expect(campaign.pricing == .cpm && campaign.predictedCTR == nil && campaign.end == nil)
            #expect(campaign.timeZone.identifier == "America/New_York")
            #expect(campaign.frequencyCap == FrequencyCap(impressions: 5, windowSeconds: 5_400, refuseAnonymous: false))
            #expect(campaign.targeting.hoursOfWeek.sorted == [10, 11, 33, 100, 167])
            #expect(campaign.targeting.exclude.countries == Set([CountryCode("FR")!, CountryCode("DE")!]))
            #expect(campaign.targeting.operatingSystems == Set([.ios, .android]))
            #expect(campaign.deals == [CampaignDeal(id: DealID("deal-9")!, floor: Micros(1_500_000))])
            #expect(campaign.lineItem.roadblock == false && campaign.lineItem.exclusionLabels == ["auto"])
            #expect(campaign.creatives.map(\.id.rawValue) == ["full-a", "full-v", "full-n"])
            #expect(campaign.creatives[1].video?.skipAfterSeconds == nil && campaign.creatives[1].video?.mediaFiles.count == 2)
            #expect(campaign.creatives[2].native?.title == "Bake best")
        }
    }

    @Test func addingACreativeShowsAnEmptyOneAndSavesNothing() async throws {
        try await withFullCampaign { client, admin, store in
            let before = try #require(try await store.campaigns.campaign(CampaignID("full")!))
            let page = try await client.get("/console/campaigns/full/edit", headers: [.cookie: admin.cookie]).text
            var fields = Self.submission(page)
            fields["name"] = "Renamed"
            fields["add"] = "video"
            let added = try await Self.post(client, "/console/campaigns/full/edit", cookie: admin.cookie, fields)
            #expect(added.status == .ok)
            #expect(added.text.contains(#"<legend>Creative 5: video</legend>"#) && added.text.contains(#"value="Renamed""#))
            #expect(try await store.campaigns.campaign(CampaignID("full")!) == before)
            // Filled in and saved, it is the campaign's fifth creative.
            var next = Self.submission(added.text)
            next["cr4_media"] = "https://cdn.example/new.mp4 video/mp4 640x360 600"
            next["cr4_duration"] = "15"
            next["cr4_click_url"] = "https://acme.example/new"
            #expect(try await Self.post(client, "/console/campaigns/full/edit", cookie: admin.cookie, next).status == .seeOther)
            let campaign = try #require(try await store.campaigns.campaign(CampaignID("full")!))
            #expect(campaign.name == "Renamed" && campaign.creatives.count == 5)
            #expect(campaign.creatives[4].id.rawValue == "full-video-5" && campaign.creatives[4].video?.durationSeconds == 15)
        }
    }

    /// Each bad value is refused next to its own field; nothing is saved.
    @Test(arguments: [
        ("start", "next tuesday", "error-start"), ("cap_window", "0", "error-cap_window"), ("deals", "deal-1 4.00 extra", "error-deals"),
        ("deals", "deal-1 -4", "error-deals"), ("cr2_media", "https://cdn.example/v.mp4 video/mp4 wide 800", "error-cr2_media"),
        ("cr3_image_size", "big", "error-cr3_image_size"), ("cr0_size", "300by250", "error-cr0_size"),
        ("countries", "USA", "error-countries"), ("ex_keywords", String(repeating: "k", count: 80), "error-ex_keywords"),
        ("cr2_duration", "0", "error-cr2_duration"), ("cr0_click_url", "ftp://acme.example/", "error-cr0_click_url"),
    ])
    func aBadValueIsRefusedNextToItsField(field: String, value: String, error: String) async throws {
        try await withFullCampaign { client, admin, store in
            let before = try #require(try await store.campaigns.campaign(CampaignID("full")!))
            var fields = Self.submission(try await client.get("/console/campaigns/full/edit", headers: [.cookie: admin.cookie]).text)
            fields[field] = value
            let refused = try await Self.post(client, "/console/campaigns/full/edit", cookie: admin.cookie, fields)
            #expect(refused.status == .badRequest)
            let shown = refused.text.matches(of: /class="error" id="([^"]+)"/).map { String($0.output.1) }
            #expect(refused.text.contains(#"id="\#(error)""#), "\(field)=\(value): errors shown \(shown)")
            #expect(try await store.campaigns.campaign(CampaignID("full")!) == before)
        }
    }

    @Test func theNewFormOffersAdvertisersAndPricingAsMenus() async throws {
        try await withFullCampaign { client, admin, _ in
            let page = try await client.get("/console/campaigns/new", headers: [.cookie: admin.cookie]).text
            #expect(
                page.contains(
                    #"<select id="f-advertiser_id" name="advertiser_id"><option value="" selected>(choose)</option><option value="acme">"#))
            #expect(page.contains(#"<option value="zeta">zeta</option>"#))
            #expect(page.contains(#"<option value="cpm" selected>cpm: per 1000 impressions</option>"#))
            #expect(page.contains(#"<option value="asap" selected>"#) && page.contains(#"<option value="UTC" selected>UTC</option>"#))
            #expect(page.matches(of: /name="hour_\d+"/).count == 168)
        }
    }
}
