import Foundation
import Testing
import VickreyCore
import VickreyStore
import VickreyWire

@Suite("adctl and line items")
struct LineItemCommandTests {
    let cli = CLIHarness()

    /// A standard item over the whole of 2026–2027 (half way through now, roughly) and a sponsorship.
    static let lines = #"""
        {"id":"li-standard","advertiser_id":"direct","pricing":"cpm","bid_micros":2000000,"total_budget_micros":1000000000,"start":"2026-01-01T00:00:00Z","end":"2028-01-01T00:00:00Z","delivery":{"type":"standard","goal":{"impressions":1000},"rate_micros":2000000,"pace":"even"},"exclusion_labels":["auto"],"creatives":[{"id":"cr-s","size":"300x250","image_url":"https://cdn.example/s.png","click_url":"https://direct.example"}]}
        {"id":"li-sponsor","advertiser_id":"direct","pricing":"cpm","bid_micros":3000000,"total_budget_micros":1000000000,"delivery":{"type":"sponsorship","goal":{"share_percent":25},"rate_micros":3000000},"roadblock":"all","creatives":[{"id":"cr-p","size":"300x250","image_url":"https://cdn.example/p.png","click_url":"https://direct.example"}]}

        """#

    @Test func showAndListReportTheDeliveryOfLineItems() async throws {
        let imported = await cli.run("campaign", "import", cli.file("items.jsonl", Self.lines))
        #expect(imported.status == 0, "\(imported.error)")
        let shown = await cli.run("campaign", "show", "li-standard")
        #expect(shown.output.contains("standard at 2.00 CPM, even pace"), "\(shown.output)")
        #expect(shown.output.contains("standard: 0 of 1000 delivered"), "\(shown.output)")
        #expect(shown.output.contains("at_risk"), "nothing delivered half way through: \(shown.output)")
        #expect(shown.output.contains("exclusion labels  auto"), "\(shown.output)")
        let json = await cli.run("campaign", "show", "li-standard", "--json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        let status = try #require(object["line_item"] as? [String: Any])
        #expect(status["goal"] as? Int == 1000)
        #expect(status["delivered"] as? Int == 0)
        #expect(status["status"] as? String == "at_risk")
        #expect((object["delivery"] as? [String: Any])?["type"] as? String == "standard")
        let sponsor = await cli.run("campaign", "show", "li-sponsor")
        #expect(sponsor.output.contains("roadblock      all: fills every placement"), "\(sponsor.output)")
        #expect(sponsor.output.contains("sponsorship: 25% share, 0 delivered: on_track"), "\(sponsor.output)")
        let listed = await cli.run("campaign", "list")
        #expect(listed.output.contains("DELIVERY"))
        #expect(listed.output.contains("0/1000 at_risk"), "\(listed.output)")
        #expect(listed.output.contains("sponsorship 25%"), "\(listed.output)")
        // Export writes the line-item fields back exactly as imported.
        let exported = await cli.run("campaign", "export")
        let back = try exported.output.split(separator: "\n").map { try CampaignDocument.parseCampaign(Data($0.utf8)).get() }
        #expect(back.first { $0.id.rawValue == "li-standard" }?.lineItem.goal == 1000)
    }

    @Test func aBadDeliveryObjectRefusesTheWholeImportNamingTheField() async throws {
        let bad = Self.lines.replacingOccurrences(of: #""share_percent":25"#, with: #""share_percent":250"#)
        let result = await cli.run("campaign", "import", cli.file("bad.jsonl", bad))
        #expect(result.status != 0)
        #expect(result.error.contains("delivery.goal.share_percent"), "\(result.error)")
        #expect(try await cli.store().campaigns().isEmpty)
    }
}
