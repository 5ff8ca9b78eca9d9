import Foundation
import GRDB
import Testing
import VickreyCore
import VickreyStore
import VickreyWire

@Suite("adctl advertiser and campaign commands")
struct AdvertiserAndCampaignCommandTests {
    let cli = CLIHarness()

    static let createArguments = [
        "campaign", "create", "summer-sale-1", "--advertiser", "acme", "--name", "Summer sale", "--bid", "2.50",
        "--daily-budget", "50", "--total-budget", "500", "--start", "2026-11-01T00:00:00Z", "--countries", "us,CA",
        "--placements", "home_feed", "--devices", "mobile,tablet", "--os", "ios", "--keywords", "recipes,Baking",
        "--hours", "0-2,50", "--exclude-countries", "FR", "--exclude-keywords", "alcohol", "--frequency-cap", "3/24h",
        "--pacing", "even", "--time-zone", "America/New_York",
        "--creative", "id=cr-1,size=300x250,image=https://cdn.example/a.png?v=1,2,click=https://acme.example/sale,adomain=acme.example",
        "--creative", "id=cr-2,size=320x50,image=https://cdn.example/b.png,click=https://acme.example/b",
    ]

    func seed() async throws {
        #expect(await cli.run("advertiser", "create", "acme", "--name", "Acme Corp").status == 0)
        let created = await cli.run(Self.createArguments)
        #expect(created.status == 0, "\(created.error)")
    }

    @Test func advertiserCreateListShow() async throws {
        #expect(await cli.run("advertiser", "create", "acme", "--name", "Acme Corp").output == "created advertiser acme\n")
        #expect(await cli.run("advertiser", "create", "zeta").status == 0)
        let list = await cli.run("advertiser", "list")
        #expect(list.output.contains("acme  Acme Corp"))
        let json = await cli.run("advertiser", "list", "--json")
        let decoded = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [[String: Any]]
        #expect(decoded?.map { $0["id"] as? String } == ["acme", "zeta"])
        let shown = await cli.run("advertiser", "show", "acme", "--json")
        #expect(shown.output.contains("\"name\" : \"Acme Corp\""))
    }

    @Test func campaignCreateStoresEveryFlag() async throws {
        try await seed()
        let campaign = try #require(try await cli.store().campaign(CampaignID("summer-sale-1")!))
        #expect(campaign.bid == Micros(2_500_000))
        #expect(campaign.dailyBudget == Micros(50_000_000))
        #expect(campaign.totalBudget == Micros(500_000_000))
        #expect(campaign.start == Instant(canonicalRFC3339: "2026-11-01T00:00:00Z"))
        #expect(campaign.targeting.countries == [CountryCode("US")!, CountryCode("CA")!])
        #expect(campaign.targeting.keywords == [Keyword("recipes")!, Keyword("baking")!])
        #expect(campaign.targeting.hoursOfWeek.sorted == [0, 1, 2, 50])
        #expect(campaign.targeting.exclude.countries == [CountryCode("FR")!])
        #expect(campaign.frequencyCap == FrequencyCap(impressions: 3, windowSeconds: 86_400))
        #expect(campaign.pacing == .even)
        #expect(campaign.timeZone.identifier == "America/New_York")
        #expect(campaign.creatives.map(\.imageURL) == ["https://cdn.example/a.png?v=1,2", "https://cdn.example/b.png"])
        #expect(campaign.creatives.first?.advertiserDomains == ["acme.example"])
    }

    /// A vCPM campaign: its viewability prior set by flag, shown, and dropped when the
    /// campaign moves to another pricing.
    @Test func aVCPMCampaignTakesItsViewabilityPrior() async throws {
        try await seed()
        let updated = await cli.run("campaign", "update", "summer-sale-1", "--pricing", "vcpm", "--viewability", "0.65", "--bid", "4")
        #expect(updated.status == 0, "\(updated.error)")
        var campaign = try #require(try await cli.store().campaign(CampaignID("summer-sale-1")!))
        #expect(campaign.pricing == .vcpm)
        #expect(campaign.predictedViewability == ClickThroughRate(partsPerMillion: 650_000))
        let shown = await cli.run("campaign", "show", "summer-sale-1")
        #expect(shown.output.contains("4.00 per 1000 viewable impressions"))
        #expect(shown.output.contains("prior viewability"))
        let json = await cli.run("campaign", "show", "summer-sale-1", "--json")
        #expect(json.output.contains(#""predicted_viewability" : 0.65"#))
        #expect(json.output.contains(#""viewability" : {"#))
        let missing = await cli.run("campaign", "update", "summer-sale-1", "--pricing", "cpm", "--viewability", "0.5")
        #expect(missing.status == 65 || missing.status == 64, "\(missing.error)")
        #expect(missing.error.contains("--viewability"))
        #expect(await cli.run("campaign", "update", "summer-sale-1", "--pricing", "cpm").status == 0)
        campaign = try #require(try await cli.store().campaign(CampaignID("summer-sale-1")!))
        #expect(campaign.predictedViewability == nil)
    }

    /// A campaign moved to CPCV with a video creative given as campaign JSON; a bad one named.
    @Test func aCPCVVideoCampaignIsMadeFromCreativeJSON() async throws {
        try await seed()
        let video = #"""
            {"id":"sale-video","format":"video","video":{"duration_seconds":15,"media_files":[{"url":"https://cdn.example/s.mp4",
             "mime":"video/mp4","width":640,"height":360,"bitrate_kbps":900}],"skip_after_seconds":5},"click_url":"https://acme.example/v"}
            """#
        let updated = await cli.run(
            "campaign", "update", "summer-sale-1", "--pricing", "cpcv", "--completion-rate", "0.7", "--bid", "0.03", "--creative-json",
            video)
        #expect(updated.status == 0, "\(updated.error)")
        let campaign = try #require(try await cli.store().campaign(CampaignID("summer-sale-1")!))
        #expect(campaign.pricing == .cpcv)
        #expect(campaign.predictedCompletionRate == ClickThroughRate(partsPerMillion: 700_000))
        #expect(campaign.creatives.map(\.format) == [.video])
        let shown = await cli.run("campaign", "show", "summer-sale-1")
        #expect(shown.output.contains("0.03 per completed view"))
        #expect(shown.output.contains("sale-video video 15 s, 1 media file(s), skippable after 5 s"))
        let bad = await cli.run(
            "campaign", "update", "summer-sale-1", "--creative-json", video.replacingOccurrences(of: "video/mp4", with: "mp4"))
        #expect(bad.status != 0)
        #expect(bad.error.contains("mime"), "\(bad.error)")
    }

    @Test func aCappedCampaignCanRefuseAnonymousRequests() async throws {
        try await seed()
        #expect(await cli.run("campaign", "update", "summer-sale-1", "--refuse-anonymous", "true").status == 0)
        var campaign = try #require(try await cli.store().campaign(CampaignID("summer-sale-1")!))
        #expect(campaign.frequencyCap == FrequencyCap(impressions: 3, windowSeconds: 86_400, refuseAnonymous: true))
        // Changing the cap keeps the flag; the export writes it inside frequency_cap.
        #expect(await cli.run("campaign", "update", "summer-sale-1", "--frequency-cap", "5/1h").status == 0)
        campaign = try #require(try await cli.store().campaign(CampaignID("summer-sale-1")!))
        #expect(campaign.frequencyCap == FrequencyCap(impressions: 5, windowSeconds: 3_600, refuseAnonymous: true))
        let exported = await cli.run("campaign", "export")
        #expect(exported.output.contains(#""frequency_cap":{"impressions":5,"refuse_anonymous":true,"window_seconds":3600}"#))
        let refused = await cli.run("campaign", "update", "summer-sale-1", "--no-frequency-cap", "--refuse-anonymous", "true")
        #expect(refused.status == 64)
        #expect(refused.error.contains("--refuse-anonymous needs a frequency cap"))
    }

    @Test func updateChangesOnlyTheFlagsGiven() async throws {
        try await seed()
        let result = await cli.run(
            "campaign", "update", "summer-sale-1", "--bid", "3", "--countries", "", "--no-daily-budget", "--pricing", "cpc", "--ctr",
            "0.0125")
        #expect(result.status == 0, "\(result.error)")
        let campaign = try #require(try await cli.store().campaign(CampaignID("summer-sale-1")!))
        #expect(campaign.bid == Micros(3_000_000))
        #expect(campaign.pricing == .cpc)
        #expect(campaign.predictedCTR?.partsPerMillion == 12_500)
        #expect(campaign.targeting.countries.isEmpty)
        #expect(campaign.dailyBudget == nil)
        #expect(campaign.targeting.keywords.count == 2)  // untouched
        #expect(campaign.creatives.count == 2)
    }

    @Test func pauseResumeArchive() async throws {
        try await seed()
        #expect(await cli.run("campaign", "pause", "summer-sale-1").output == "campaign summer-sale-1 is now paused\n")
        #expect(try await cli.store().campaign(CampaignID("summer-sale-1")!)?.status == .paused)
        #expect(await cli.run("campaign", "pause", "summer-sale-1").status == 1)
        #expect(await cli.run("campaign", "resume", "summer-sale-1").status == 0)
        #expect(await cli.run("campaign", "archive", "summer-sale-1").status == 0)
        let resumed = await cli.run("campaign", "resume", "summer-sale-1")
        #expect(resumed.status == 1)
        #expect(resumed.error.contains("archived"))
        #expect(try await cli.store().campaign(CampaignID("summer-sale-1")!)?.status == .archived)
    }

    @Test func listAndShowAsTablesAndJSON() async throws {
        try await seed()
        let table = await cli.run("campaign", "list")
        #expect(table.output.hasPrefix("ID "))
        #expect(table.output.contains("summer-sale-1  acme"))
        let json = await cli.run("campaign", "list", "--status", "active", "--json")
        let documents = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [[String: Any]])
        #expect(documents.map { $0["id"] as? String } == ["summer-sale-1"])
        let none = await cli.run("campaign", "list", "--status", "paused", "--json")
        #expect((try JSONSerialization.jsonObject(with: Data(none.output.utf8)) as? [Any])?.isEmpty == true)
        let shown = await cli.run("campaign", "show", "summer-sale-1")
        #expect(shown.output.contains("bid            2.50 per 1000 impressions (2500000 micros)"))
        let shownJSON = await cli.run("campaign", "show", "summer-sale-1", "--json")
        #expect(try CampaignDocument.decode(Data(shownJSON.output.utf8)).get().bidMicros == 2_500_000)
    }

    struct ErrorCase: CustomTestStringConvertible, Sendable {
        var arguments: [String]
        var status: Int32
        var message: String
        var testDescription: String { arguments.joined(separator: " ") }
    }

    static let errorCases: [ErrorCase] = [
        ErrorCase(arguments: ["campaign", "show", "nope"], status: 3, message: "no campaign 'nope'"),
        ErrorCase(arguments: ["campaign", "pause", "nope"], status: 3, message: "no campaign 'nope'"),
        ErrorCase(arguments: ["campaign", "update", "nope", "--bid", "1"], status: 3, message: "no campaign 'nope'"),
        ErrorCase(arguments: ["advertiser", "show", "ghost"], status: 3, message: "no advertiser 'ghost'"),
        ErrorCase(
            arguments: ["campaign", "create", "x", "--advertiser", "ghost", "--bid", "1", "--total-budget", "1"], status: 3,
            message: "no advertiser 'ghost'"),
        ErrorCase(
            arguments: ["campaign", "create", "summer-sale-1", "--advertiser", "acme", "--bid", "1", "--total-budget", "1"], status: 1,
            message: "already exists"),
        ErrorCase(arguments: ["advertiser", "create", "acme"], status: 1, message: "already exists"),
        ErrorCase(
            arguments: ["campaign", "create", "y", "--advertiser", "acme", "--total-budget", "1"], status: 64, message: "--bid is required"),
        ErrorCase(arguments: ["campaign", "update", "summer-sale-1", "--bid", "-1"], status: 64, message: "--bid: '-1' is negative"),
        ErrorCase(arguments: ["campaign", "update", "summer-sale-1", "--bid", "1.0000001"], status: 64, message: "more than six decimals"),
        ErrorCase(
            arguments: ["campaign", "update", "summer-sale-1", "--bid", "two"], status: 64, message: "--bid: 'two' is not a decimal amount"),
        ErrorCase(
            arguments: ["campaign", "update", "summer-sale-1", "--total-budget", "1000000001"], status: 64, message: "over the maximum"),
        ErrorCase(arguments: ["campaign", "update", "summer-sale-1", "--bid", "1000001"], status: 64, message: "over the maximum"),
        ErrorCase(
            arguments: ["campaign", "update", "summer-sale-1", "--countries", "USA"], status: 64,
            message: "--countries: 'USA' is not a valid ISO 3166-1"),
        ErrorCase(arguments: ["campaign", "update", "summer-sale-1", "--frequency-cap", "3"], status: 64, message: "--frequency-cap"),
        ErrorCase(arguments: ["campaign", "update", "summer-sale-1", "--hours", "100-200"], status: 64, message: "--hours"),
        ErrorCase(
            arguments: ["campaign", "update", "summer-sale-1", "--pricing", "cpc"], status: 64, message: "--ctr: is required for cpc"),
        ErrorCase(arguments: ["campaign", "update", "summer-sale-1", "--ctr", "1.5", "--pricing", "cpc"], status: 64, message: "--ctr"),
        ErrorCase(
            arguments: ["campaign", "update", "summer-sale-1", "--end", "2026-10-01T00:00:00Z"], status: 64,
            message: "--end: must be after start"),
        ErrorCase(arguments: ["campaign", "update", "summer-sale-1", "--time-zone", "Mars/Base"], status: 64, message: "--time-zone"),
        ErrorCase(
            arguments: ["campaign", "update", "summer-sale-1", "--creative", "id=cr-9,size=300x250"], status: 64,
            message: "missing image, click"),
        ErrorCase(arguments: ["campaign", "list", "--status", "running"], status: 64, message: "--status"),
        ErrorCase(arguments: ["campaign", "show", "bad id"], status: 64, message: "campaign id"),
        ErrorCase(arguments: ["campaign", "frobnicate"], status: 64, message: "Error:"),
    ]

    @Test(arguments: errorCases)
    func errorsExitWithTheDocumentedCodeAndSayWhy(_ row: ErrorCase) async throws {
        try await seed()
        let before = try await cli.store().campaign(CampaignID("summer-sale-1")!)
        let result = await cli.run(row.arguments)
        #expect(result.status == row.status)
        #expect(result.error.contains(row.message), "stderr was: \(result.error)")
        #expect(try await cli.store().campaign(CampaignID("summer-sale-1")!) == before, "a refused command changed the campaign")
    }

    @Test(arguments: [
        ["--help"], ["campaign", "create", "--help"], ["campaign", "import", "--help"], ["advertiser", "create", "--help"],
    ])
    func helpHasExamples(arguments: [String]) async {
        let result = await cli.run(arguments, database: false)
        #expect(result.status == 0)
        #expect(result.output.contains("Example") || result.output.contains("SUBCOMMANDS"))
        #expect(result.output.contains("USAGE: adctl"))
    }
}

/// What an operator's terminal shows of stored data: escapes, never control sequences;
/// and what creatives may hold at all.
@Suite("adctl on a terminal, and creative URLs")
struct TerminalOutputTests {
    let cli = CLIHarness()

    @Test(arguments: [
        ("click=https://acme.example/<script>", "click_url"), ("click=https://acme.example/a\"b", "click_url"),
        ("image=https://cdn.example/a\u{1B}[2J.png", "image_url"), ("adomain=<script>", "adomain[0]"),
    ])
    func aCreativeWithAnUnsafeURLOrDomainIsRefusedNamingTheField(part: String, field: String) async throws {
        #expect(await cli.run("advertiser", "create", "acme").status == 0)
        var creative = ["id=cr-1", "size=300x250", "image=https://cdn.example/a.png", "click=https://acme.example/sale"]
        let key = String(part.prefix { $0 != "=" })
        creative.removeAll { $0.hasPrefix(key + "=") }
        creative.append(part)
        let result = await cli.run(
            "campaign", "create", "c1", "--advertiser", "acme", "--bid", "1", "--total-budget", "10", "--creative",
            creative.joined(separator: ","))
        #expect(result.status != 0)
        #expect(result.error.contains(field), "\(result.error)")
        #expect(!result.error.contains("\u{1B}"), "the error echoed a control sequence")
    }

    /// A row stored by an earlier version (when URLs were checked loosely) is shown with
    /// its control characters escaped.
    @Test func storedControlCharactersAreShownEscaped() async throws {
        #expect(await cli.run("advertiser", "create", "acme").status == 0)
        #expect(
            await cli.run(
                "campaign", "create", "c1", "--advertiser", "acme", "--bid", "1", "--total-budget", "10", "--creative",
                "id=cr-1,size=300x250,image=https://cdn.example/a.png,click=https://acme.example/sale"
            ).status == 0)
        let database = try DatabaseQueue(path: cli.databasePath)
        try await database.write {
            try $0.execute(
                sql: "UPDATE creative SET click_url = ? WHERE id = 'cr-1'", arguments: ["https://acme.example/\u{1B}[31mred\u{202E}"])
        }
        let shown = await cli.run("campaign", "show", "c1")
        #expect(shown.status == 0)
        #expect(!shown.output.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\u{202E}" }, "\(shown.output)")
        #expect(shown.output.contains("\\u{1B}[31mred\\u{202E}"))
    }
}
