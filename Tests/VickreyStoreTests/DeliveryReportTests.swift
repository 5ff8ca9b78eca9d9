import Crypto
import Foundation
import Testing
import VickreyCore
import VickreyLedger
import VickreyStore
import VickreyTestSupport

@Suite("Delivery reports: by campaign, day, advertiser, placement and creative, over a range of days, with totals and CSV")
struct DeliveryReportTests {
    static let dayOne = Instant(secondsSinceEpoch: 1_795_737_600)  // 2026-11-27T00:00:00Z
    static let dayTwo = Instant(secondsSinceEpoch: 1_795_737_600 + 86_400)

    /// Ten events: two campaigns of two advertisers, two placements, two creatives, two days.
    static let events: [LedgerEvent] = [
        // campaign, advertiser, creative, placement, kind, billed, charge nanos, day
        ("c-shoes", "acme", "banner-a", "home", BeaconKind.impression, true, 2_000_000, dayOne),
        ("c-shoes", "acme", "banner-a", "home", .impression, true, 2_000_000, dayOne),
        ("c-shoes", "acme", "banner-b", "article", .impression, true, 3_000_000, dayOne),
        ("c-shoes", "acme", "banner-b", "article", .click, true, 500_000_000, dayOne),
        ("c-shoes", "acme", "banner-a", "home", .impression, true, 2_000_000, dayTwo),
        ("c-hats", "globex", "hat-1", "home", .impression, true, 1_000_000, dayOne),
        ("c-hats", "globex", "hat-1", "home", .impression, false, 0, dayTwo),
        ("c-hats", "globex", "hat-1", "article", .impression, true, 1_000_000, dayTwo),
        ("c-hats", "globex", "hat-1", "article", .click, true, 0, dayTwo),
        ("c-socks", "acme", "sock", "home", .impression, true, 4_000_000, Instant(secondsSinceEpoch: dayTwo.secondsSinceEpoch + 86_400)),
    ].enumerated().map { index, event in
        LedgerEvent(
            kind: event.4, billed: event.5, reason: event.5 ? nil : .totalBudgetExhausted, impressionID: String(format: "%024x", index + 1),
            requestID: "r-\(index)", campaignID: CampaignID(unchecked: event.0), advertiserID: AdvertiserID(unchecked: event.1),
            creativeID: CreativeID(unchecked: event.2), placementID: PlacementID(unchecked: event.3), pricing: .cpm,
            clearingECPM: Micros(1_000_000), charge: Nanos(Int64(event.6)),
            eventTime: Instant(secondsSinceEpoch: event.7.secondsSinceEpoch + 3_600 + Int64(index)))
    }

    static let advertisers: [CampaignID: AdvertiserID] = [
        CampaignID(unchecked: "c-shoes"): AdvertiserID(unchecked: "acme"),
        CampaignID(unchecked: "c-socks"): AdvertiserID(unchecked: "acme"),
        CampaignID(unchecked: "c-hats"): AdvertiserID(unchecked: "globex"),
    ]

    func report(_ grouping: DeliveryReport.Grouping, on engine: TestEngine, since: Instant? = nil, until: Instant? = nil) async throws
        -> [DeliveryRow]
    {
        let database = try await TestDatabase(engine)
        let ledger = try await database.open(serverID: "local").ledger
        let key = Curve25519.Signing.PrivateKey()
        _ = try await ledger.append(Self.events, signingKey: LedgerSigningKey(id: "k", rawPrivateKey: key.rawRepresentation))
        let rows = try await ledger.delivery(since: since, until: until, detail: grouping.detail)
        return DeliveryReport.rows(rows, by: grouping) { Self.advertisers[$0] }
    }

    /// Each row as `names: impressions/clicks/unbilled/spend nanos`.
    func summary(_ rows: [DeliveryRow], _ grouping: DeliveryReport.Grouping) -> [String] {
        rows.map {
            "\($0.names(grouping.keyFields).joined(separator: "/")): \($0.impressions)/\($0.clicks)/\($0.unbilled)/\($0.spend.value)"
        }
    }

    static let expected: [(DeliveryReport.Grouping, [String])] = [
        (.campaign, ["c-hats: 2/1/1/2000000", "c-shoes: 4/1/0/509000000", "c-socks: 1/0/0/4000000"]),
        (
            .day,
            [
                "c-hats/2026-11-27: 1/0/0/1000000", "c-hats/2026-11-28: 1/1/1/1000000", "c-shoes/2026-11-27: 3/1/0/507000000",
                "c-shoes/2026-11-28: 1/0/0/2000000", "c-socks/2026-11-29: 1/0/0/4000000",
            ]
        ),
        (.advertiser, ["acme: 5/1/0/513000000", "globex: 2/1/1/2000000"]),
        (.placement, ["article: 2/2/0/504000000", "home: 5/0/1/11000000"]),
        (
            .creative,
            [
                "c-hats/hat-1: 2/1/1/2000000", "c-shoes/banner-a: 3/0/0/6000000", "c-shoes/banner-b: 1/1/0/503000000",
                "c-socks/sock: 1/0/0/4000000",
            ]
        ),
    ]

    @Test(arguments: TestEngine.available.flatMap { engine in expected.map { (engine, $0.0, $0.1) } })
    func eachBreakdownAddsUpTheLedgerExactly(engine: TestEngine, grouping: DeliveryReport.Grouping, rows: [String]) async throws {
        let report = try await report(grouping, on: engine)
        #expect(summary(report, grouping) == rows)
        let total = DeliveryReport.total(report)
        #expect(total.impressions == 7 && total.clicks == 2 && total.unbilled == 1 && total.spend == Nanos(515_000_000))
    }

    /// A list page's campaigns read alone through the index: the same totals as the whole report's.
    @Test(arguments: TestEngine.available)
    func someCampaignsAloneAddUpAsInTheWholeReport(engine: TestEngine) async throws {
        let database = try await TestDatabase(engine)
        let ledger = try await database.open(serverID: "local").ledger
        let key = Curve25519.Signing.PrivateKey()
        _ = try await ledger.append(Self.events, signingKey: LedgerSigningKey(id: "k", rawPrivateKey: key.rawRepresentation))
        let rows = try await ledger.delivery(of: [
            CampaignID(unchecked: "c-socks"), CampaignID(unchecked: "c-shoes"), CampaignID(unchecked: "c-none"),
        ])
        #expect(summary(rows, .campaign) == ["c-shoes: 4/1/0/509000000", "c-socks: 1/0/0/4000000"])
        #expect(try await ledger.delivery(of: []).isEmpty)
    }

    /// `since` is included, `until` is not: the second day alone.
    @Test(arguments: TestEngine.available)
    func aRangeOfDaysKeepsOnlyItsEvents(engine: TestEngine) async throws {
        let report = try await report(
            .placement, on: engine, since: Self.dayTwo, until: Instant(secondsSinceEpoch: Self.dayTwo.secondsSinceEpoch + 86_400))
        #expect(summary(report, .placement) == ["article: 1/1/0/1000000", "home: 1/0/1/2000000"])
    }

    @Test func theCSVHasTheGroupingsColumnsEveryFigureAndATotal() async throws {
        var row = DeliveryRow(
            campaignID: CampaignID(unchecked: ""), day: "all", impressions: 3, clicks: 1, unbilled: 2, spend: Nanos(7_500_000))
        row.placementID = "home, top"
        row.grossImpressions = 4
        row.invalid = ["known_robot": 1]
        row.measuredImpressions = 3
        row.viewableImpressions = 2
        let csv = DeliveryReport.csv([row], by: .placement)
        let lines = csv.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.count == 4 && lines[3].isEmpty)
        #expect(
            lines[0]
                == "placement_id,day,impressions,clicks,ctr,spend,ecpm,unbilled,gross_impressions,gross_clicks,invalid_known_robot,"
                + "invalid_non_browser,invalid_datacenter,invalid_prefetch,invalid_click_too_fast,measured_impressions,"
                + "viewable_impressions,viewability,completed_views,completion")
        #expect(lines[1] == #""home, top",all,3,1,33.3333,0.007500000,2.500000,2,4,0,1,0,0,0,0,3,2,66.6666,0,0.0000"#)
        #expect(lines[2] == "total,,3,1,33.3333,0.007500000,2.500000,2,4,0,1,0,0,0,0,3,2,66.6666,0,0.0000")
    }
}
