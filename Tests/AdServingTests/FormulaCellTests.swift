import AdServing
import AdminCLI
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import VickreyConfig
import VickreyStore
import VickreyTestSupport

/// The attack end to end: anyone may send an OpenRTB request whose id is a spreadsheet
/// formula and fetch its `nurl`; billing exports the ledger as CSV and opens it in a
/// spreadsheet. The export must verify, read back as signed, and run nothing.
@Suite("A request id that is a formula, through the real server and adctl")
struct FormulaCellTests {
    @Test func aFormulaRequestIDIsShownAsTextAndTheCSVStillVerifies() async throws {
        let harness = ServerHarness()
        _ = try await harness.store().importCampaigns([Campaigns.make("one", advertiser: "a", bid: 1_000_000)])
        let ids = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1:A9)", "'quoted"]
        try await harness.live { client in
            for id in ids {
                let body =
                    #"{"id":\#(String(decoding: try JSONEncoder().encode(id), as: UTF8.self)),"imp":[{"id":"1","tagid":"home_feed","banner":{"w":300,"h":250}}]}"#
                let answer = try await client.post("/openrtb2/auction", json: body)
                #expect(answer.status == .ok, "\(id)")
                let nurl = try #require(
                    ((answer.object["seatbid"] as? [[String: Any]])?.first?["bid"] as? [[String: Any]])?.first?["nurl"] as? String)
                #expect(try await client.get(try #require(URL(string: nurl)).path).status == .ok)
            }
        }
        func adctl(_ arguments: [String]) async -> (status: Int32, output: String, error: String) {
            let captured = CapturedConsole()
            let status = await Console.$current.withValue(captured.console) { await AdminCommand.run(arguments) }
            return (status, captured.standardOutput, captured.standardError)
        }
        let export = await adctl(["ledger", "export", "--format", "csv", "--db", harness.settings.shared.databasePath])
        #expect(export.status == 0, "\(export.error)")
        let rows = export.output.components(separatedBy: "\r\n").dropFirst().filter { !$0.isEmpty }
        #expect(rows.count == ids.count)
        for row in rows { #expect(!SpreadsheetView.runsAFormula(row), "a spreadsheet would run a cell of \(row)") }
        #expect(Set(rows.map { SpreadsheetView.cells($0)[5] }) == Set(ids.map { "'" + $0 }))
        let file = harness.directory.appendingPathComponent("ledger.csv")
        try Data(export.output.utf8).write(to: file)
        let verified = await adctl(["ledger", "verify", file.path, "--keys", harness.settings.shared.keysDirectory])
        #expect(verified.status == 0, "\(verified.error)")
        #expect(verified.output.hasPrefix("verified \(ids.count) records"))
    }
}
