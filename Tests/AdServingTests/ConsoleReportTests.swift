import AdServing
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import VickreyConfig
import VickreyCore
import VickreyLedger
import VickreyStore

/// The console's reports: a range of days, a breakdown, totals, CSV, and what an
/// advertiser key may see.
@Suite("Console: reports by range and breakdown, with totals and CSV")
struct ConsoleReportTests {
    static let dayOne = Instant(secondsSinceEpoch: 1_795_737_600)  // 2026-11-27

    /// acme-1 on home (2 impressions) and article (1 impression, 1 click) on the 27th, on
    /// home again on the 28th; zeta-1 on home on the 27th.
    static func record(in harness: ServerHarness) async throws {
        let store = try await Store.open(StoreLocation(harness.settings.shared.databasePath))
        let events = [
            ("acme-1", "acme", "home", BeaconKind.impression, 1_000_000, 0), ("acme-1", "acme", "home", .impression, 1_000_000, 0),
            ("acme-1", "acme", "article", .impression, 2_000_000, 0), ("acme-1", "acme", "article", .click, 250_000_000, 0),
            ("acme-1", "acme", "home", .impression, 1_000_000, 1), ("zeta-1", "zeta", "home", .impression, 3_000_000, 0),
        ].enumerated().map { index, event in
            LedgerEvent(
                kind: event.3, billed: true, reason: nil, impressionID: String(format: "%024x", index + 1), requestID: "r-\(index)",
                campaignID: CampaignID(unchecked: event.0), advertiserID: AdvertiserID(unchecked: event.1),
                creativeID: CreativeID(unchecked: "\(event.0)-creative"), placementID: PlacementID(unchecked: event.2), pricing: .cpm,
                clearingECPM: Micros(1_000_000), charge: Nanos(Int64(event.4)),
                eventTime: Instant(secondsSinceEpoch: dayOne.secondsSinceEpoch + Int64(event.5) * 86_400 + 3_600 + Int64(index)))
        }
        let key = Curve25519.Signing.PrivateKey()
        _ = try await store.ledger.append(events, signingKey: LedgerSigningKey(id: "k", rawPrivateKey: key.rawRepresentation))
        await store.close()
    }

    /// The report table's body rows as text cells joined by `|`.
    static func rows(_ page: String) -> [String] {
        guard let body = page.firstMatch(of: /<tbody>(.*?)<\/tbody>/.dotMatchesNewlines())?.1 else { return [] }
        return body.matches(of: /<tr>(.*?)<\/tr>/.dotMatchesNewlines()).map { row in
            row.1.matches(of: /<td[^>]*>(.*?)<\/td>/).map { String($0.1).replacing(/<[^>]+>/, with: "") }.prefix(5).joined(separator: "|")
        }
    }

    @Test func aRangeOfDaysByPlacementWithTotalsAndTheSameRowsAsCSV() async throws {
        let harness = ServerHarness()
        let keys = try await AdminAPITests.seed(harness)
        try await Self.record(in: harness)
        try await harness.test { client in
            let admin = try await ConsoleTests.signIn(client, key: keys[.admin]!)
            let all = try await client.get("/console/reports?by=placement", headers: [.cookie: admin.cookie])
            #expect(all.status == .ok)
            #expect(Self.rows(all.text) == ["article|1|1|100.00%|0.25", "home|4|0|0.00%|0.00"])
            #expect(all.text.contains(#"<tr id="report-total"><th colspan="1">Total</th><td class="num">5</td><td class="num">1</td>"#))

            // The 27th only: acme-1's home impression of the 28th is left out.
            let first = try await client.get("/console/reports?by=campaign&from=2026-11-27&to=2026-11-27", headers: [.cookie: admin.cookie])
            #expect(Self.rows(first.text) == ["acme-1|3|1|33.33%|0.25", "zeta-1|1|0|0.00%|0.00"])
            #expect(first.text.contains(#"value="2026-11-27""#) && first.text.contains(#"<option value="campaign" selected>"#))

            let byAdvertiser = try await client.get("/console/reports?by=advertiser", headers: [.cookie: admin.cookie])
            #expect(Self.rows(byAdvertiser.text) == ["acme|4|1|25.00%|0.25", "zeta|1|0|0.00%|0.00"])
            let byCreative = try await client.get("/console/reports?by=creative&from=2026-11-28", headers: [.cookie: admin.cookie])
            #expect(Self.rows(byCreative.text) == ["acme-1|acme-1-creative|1|0|0.00%"])

            let csv = try await client.get("/console/reports/csv?by=placement&to=2026-11-27", headers: [.cookie: admin.cookie])
            #expect(csv.status == .ok && csv.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(csv.headers[.contentDisposition] == #"attachment; filename="vickrey-report-placement-2026-11-27.csv""#)
            let lines = csv.text.split(separator: "\r\n").map {
                $0.split(separator: ",", omittingEmptySubsequences: false).prefix(6).joined(separator: ",")
            }
            #expect(
                lines == [
                    "placement_id,day,impressions,clicks,ctr,spend", "article,all,1,1,100.0000,0.252000000",
                    "home,all,3,0,0.0000,0.005000000", "total,,4,1,25.0000,0.257000000",
                ])
        }
    }

    @Test(arguments: [
        ("by=region", "by", "must be campaign, day, advertiser, placement or creative"), ("from=27-11-2026", "from", "is not a day"),
        ("from=2026-11-28&to=2026-11-27", "to", "the last day is before the first"), ("to=2026-13-45", "to", "is not a day"),
    ])
    func aBadRangeOrBreakdownIsRefusedNextToItsField(query: String, field: String, message: String) async throws {
        let harness = ServerHarness()
        let keys = try await AdminAPITests.seed(harness)
        try await harness.test { client in
            let admin = try await ConsoleTests.signIn(client, key: keys[.admin]!)
            let page = try await client.get("/console/reports?\(query)", headers: [.cookie: admin.cookie])
            #expect(page.status == .badRequest)
            #expect(page.text.contains(#"id="error-\#(field)""#) && page.text.contains(message), "\(page.text)")
            #expect(try await client.get("/console/reports/csv?\(query)", headers: [.cookie: admin.cookie]).status == .badRequest)
        }
    }

    /// An advertiser's report holds its own campaigns only, in every breakdown.
    @Test func anAdvertiserSeesItsOwnDeliveryOnly() async throws {
        let harness = ServerHarness()
        let keys = try await AdminAPITests.seed(harness)
        try await Self.record(in: harness)
        try await harness.test { client in
            let acme = try await ConsoleTests.signIn(client, key: keys[.acme]!)
            for (by, expected) in [
                ("placement", ["article|1|1|100.00%|0.25", "home|3|0|0.00%|0.00"]), ("advertiser", ["acme|4|1|25.00%|0.25"]),
            ] {
                let page = try await client.get("/console/reports?by=\(by)", headers: [.cookie: acme.cookie])
                #expect(Self.rows(page.text) == expected, "\(by)")
            }
            let csv = try await client.get("/console/reports/csv?by=campaign", headers: [.cookie: acme.cookie]).text
            #expect(csv.contains("acme-1,all") && !csv.contains("zeta"))
        }
    }

    /// The admin API answers the same breakdowns, each row named by its grouping's fields.
    @Test func theAPIGivesTheSameBreakdowns() async throws {
        let harness = ServerHarness()
        let keys = try await AdminAPITests.seed(harness)
        try await Self.record(in: harness)
        try await harness.test { client in
            func rows(_ query: String) async throws -> [[String: Any]] {
                let response = try await client.get("/v1/admin/reports?\(query)", headers: [.authorization: "Bearer \(keys[.admin]!)"])
                return try #require(response.json as? [[String: Any]], "\(query): \(response.text)")
            }
            let advertisers = try await rows("by=advertiser")
            #expect(advertisers.map { $0["advertiser_id"] as? String } == ["acme", "zeta"])
            #expect(advertisers.allSatisfy { $0["campaign_id"] == nil } && advertisers.map { $0["impressions"] as? Int } == [4, 1])
            let placements = try await rows("by=placement&since=2026-11-28T00:00:00Z")
            #expect(placements.map { $0["placement_id"] as? String } == ["home"] && placements.first?["spend_nanos"] as? Int == 1_000_000)
            let creatives = try await rows("by=creative&until=2026-11-28T00:00:00Z")
            #expect(
                creatives.map { "\($0["campaign_id"] ?? "")/\($0["creative_id"] ?? "")" } == [
                    "acme-1/acme-1-creative", "zeta-1/zeta-1-creative",
                ])
        }
    }

    /// The campaign list's delivery columns: the page's rows read alone, or every campaign's
    /// totals when sorting by one of them; the same figures either way.
    @Test func theCampaignListShowsEachCampaignsDelivery() async throws {
        let harness = ServerHarness()
        let keys = try await AdminAPITests.seed(harness)
        try await Self.record(in: harness)
        try await harness.test { client in
            let admin = try await ConsoleTests.signIn(client, key: keys[.admin]!)
            func rows(_ query: String, _ cookie: String) async throws -> [String] {
                let page = try await client.get("/console/campaigns?\(query)", headers: [.cookie: cookie]).text
                return page.matches(of: /<tr id="campaign-([^"]+)">(.*?)<\/tr>/.dotMatchesNewlines()).map { row in
                    let cells = row.output.2.matches(of: /<td class="num">([^<]*)<\/td>/).map { String($0.output.1) }
                    return "\(row.output.1) " + cells.suffix(4).joined(separator: " ")
                }
            }
            let expected = ["acme-1 4 1 25.00% 63.75", "acme-2 0 0 0.00% 0.00", "zeta-1 1 0 0.00% 3.00"]
            let shown = try await rows("", admin.cookie)
            #expect(shown == expected, "\(shown)")
            #expect(try await rows("sort=impressions&order=desc", admin.cookie) == [expected[0], expected[2], expected[1]])
            let acme = try await ConsoleTests.signIn(client, key: keys[.acme]!)
            #expect(try await rows("", acme.cookie) == Array(expected.prefix(2)))
        }
    }
}
