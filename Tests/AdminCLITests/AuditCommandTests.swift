import Foundation
import Testing
import VickreyCore
import VickreyStore

/// What `adctl` changes is the command line's in the audit log, and `adctl audit list`
/// reads the log back: a table, JSON lines with before and after, one campaign's changes.
@Suite("adctl and the audit log")
struct AuditCommandTests {
    let cli = CLIHarness()

    @Test func changesMadeWithAdctlAreListedAsTheCommandLines() async throws {
        #expect(await cli.run("advertiser", "create", "acme").status == 0)
        let campaigns = #"""
            {"id":"spring","advertiser_id":"acme","pricing":"cpm","bid_micros":1000000,"total_budget_micros":50000000,"creatives":[{"id":"spring-a","size":"300x250","image_url":"https://cdn.example/s.png","click_url":"https://acme.example"}]}
            {"id":"autumn","advertiser_id":"acme","pricing":"cpm","bid_micros":1000000,"total_budget_micros":50000000,"creatives":[{"id":"autumn-a","size":"300x250","image_url":"https://cdn.example/a.png","click_url":"https://acme.example"}]}

            """#
        #expect(await cli.run("campaign", "import", cli.file("c.jsonl", campaigns)).status == 0)
        #expect(await cli.run("campaign", "pause", "spring").status == 0)

        let table = await cli.run("audit", "list")
        #expect(table.status == 0, "\(table.error)")
        let lines = table.output.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("ID") == true)
        #expect(lines.dropFirst().map { $0.contains(" cli ") } == [true, true, true], "\(table.output)")
        #expect(lines.count == 4 && lines[1].contains("campaign.pause") && lines[2].contains("campaigns.import"))

        let json = await cli.run("audit", "list", "--campaign", "spring", "--json")
        let entries = try json.output.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(entries.count == 1 && entries[0]["action"] as? String == "campaign.pause" && entries[0]["actor"] as? String == "cli")
        #expect((entries[0]["before"] as? [String: Any])?["status"] as? String == "active")
        #expect((entries[0]["after"] as? [String: Any])?["status"] as? String == "paused")

        let refused = await cli.run("audit", "list", "--limit", "0")
        #expect(refused.status == 64 && refused.error.contains("--limit"), "\(refused.error)")
    }
}
