import Foundation
import Testing
@testable import AdminCLI
import VickreyCore
import VickreyStore
import VickreySynthetic
import VickreyTestSupport
import VickreyWire

@Suite("adctl campaign import and export")
struct ImportExportTests {
    let cli = CLIHarness()

    static func jsonLines(_ campaigns: [Campaign]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try campaigns.map { String(decoding: try encoder.encode(CampaignDocument($0)), as: UTF8.self) + "\n" }.joined()
    }

    /// On both engines: what `adctl` writes to PostgreSQL reads back exactly as from SQLite.
    @Test(arguments: TestEngine.available)
    func importThenExportRoundTripsExactly(engine: TestEngine) async throws {
        let database = try await TestDatabase(engine)
        let cli = CLIHarness(database: database.argument)
        let campaigns = SyntheticWorld(campaignCount: 300, seed: 11).campaigns
        let file = cli.file("in.jsonl", try Self.jsonLines(campaigns))
        let imported = await cli.run("campaign", "import", file)
        #expect(imported.status == 0, "\(imported.error)")
        #expect(imported.output.contains("imported 300 campaigns (300 created, 0 updated, 30 advertisers created)"))

        let exported = await cli.run("campaign", "export")
        #expect(exported.status == 0)
        let lines = exported.output.split(separator: "\n")
        #expect(lines.count == 300)
        let back = try lines.map { try CampaignDocument.decode(Data($0.utf8)).flatMap { $0.campaign() }.get() }
        #expect(
            Dictionary(uniqueKeysWithValues: back.map { ($0.id, $0) }) == Dictionary(uniqueKeysWithValues: campaigns.map { ($0.id, $0) }))

        // Export → import → export is byte-identical, and re-importing updates in place.
        let again = await cli.run("campaign", "import", cli.file("again.jsonl", exported.output))
        #expect(again.output.contains("(0 created, 300 updated, 0 advertisers created)"))
        #expect(await cli.run("campaign", "export").output == exported.output)

        // Status changes and filtered lists go through the same store.
        let id = campaigns.first { $0.status == .active }!.id.rawValue
        #expect(await cli.run("campaign", "pause", id).status == 0)
        #expect(await cli.run("campaign", "pause", id).error.contains("is already paused"))
        let listed = await cli.run("campaign", "list", "--status", "paused", "--json")
        #expect(listed.output.contains("\"id\" : \"\(id)\"") || listed.output.contains("\"id\":\"\(id)\""), "\(listed.output.prefix(300))")
    }

    @Test func theContractExampleImports() async throws {
        let line = """
            {"id": "summer-sale-1", "advertiser_id": "acme", "name": "Summer sale", "status": "active", "pricing": "cpm", "bid_micros": 2500000, "predicted_ctr": null, "daily_budget_micros": 50000000, "total_budget_micros": 500000000, "start": "2026-11-01T00:00:00Z", "end": null, "time_zone": "UTC", "pacing": "asap", "frequency_cap": {"impressions": 3, "window_seconds": 86400}, "targeting": {"placements": ["home_feed"], "countries": ["US", "CA"], "devices": ["mobile", "tablet"], "os": ["ios", "android"], "keywords": ["recipes", "baking"], "hours_of_week": [0, 1, 2], "exclude": {"countries": ["FR"], "keywords": ["alcohol"]}}, "creatives": [{"id": "cr-1", "size": "300x250", "image_url": "https://cdn.example/a.png", "click_url": "https://acme.example/sale", "adomain": ["acme.example"]}]}
            """
        let result = await cli.run("campaign", "import", cli.file("one.jsonl", line + "\n"))
        #expect(result.status == 0, "\(result.error)")
        #expect(try await cli.store().campaign(CampaignID("summer-sale-1")!)?.bid == Micros(2_500_000))
        #expect(try await cli.store().advertiser(AdvertiserID("acme")!) != nil)
    }

    @Test func everyBadLineIsReportedAndNothingIsSaved() async throws {
        let good = try Self.jsonLines(SyntheticWorld(campaignCount: 3, seed: 5).campaigns).split(separator: "\n").map(String.init)
        let lines = [
            good[0],
            #"{"id": "x1", "advertiser_id": "a", "pricing": "cpm", "bid_micros": "lots", "total_budget_micros": 1}"#,
            good[1],
            "",
            #"{"id": "x2", "advertiser_id": "a", "pricing": "cpm", "bid_micros": 5, "total_budget_micros": 1, "targeting": {"countries": ["USA"]}}"#,
            "this is not json",
            good[0],  // duplicate id
            good[2],
        ]
        let result = await cli.run("campaign", "import", cli.file("bad.jsonl", lines.joined(separator: "\n")))
        #expect(result.status == 65)
        #expect(result.error.contains("nothing imported: 4 bad line(s)"))
        #expect(result.error.contains("line 2: bid_micros: expected an integer"))
        #expect(result.error.contains("line 5: targeting.countries[0]: 'USA' is not a valid ISO 3166-1 alpha-2 country code"))
        #expect(result.error.contains("line 6: not valid JSON"))
        #expect(result.error.contains("line 7: id: 'cmp-0' already appears on line 1"))
        #expect(try await cli.store().campaigns().isEmpty)
        #expect(try await cli.store().advertisers().isEmpty)
    }

    @Test func aCreativeOwnedByAnExistingCampaignRejectsTheImportWithItsLine() async throws {
        let campaigns = SyntheticWorld(campaignCount: 2, seed: 9).campaigns
        #expect(await cli.run("campaign", "import", cli.file("first.jsonl", try Self.jsonLines([campaigns[0]]))).status == 0)
        var thief = campaigns[1]
        thief.creatives = campaigns[0].creatives
        thief.id = CampaignID("thief")!
        let result = await cli.run("campaign", "import", cli.file("second.jsonl", try Self.jsonLines([campaigns[1], thief])))
        #expect(result.status == 65)
        #expect(result.error.contains("line 2: creatives: creative id 'cr-0-0' already belongs to another campaign"))
        #expect(try await cli.store().campaigns().map(\.id.rawValue) == ["cmp-0"])
    }

    @Test func exportFiltersAndWritesAFile() async throws {
        let campaigns = SyntheticWorld(campaignCount: 40, seed: 2).campaigns
        _ = await cli.run("campaign", "import", cli.file("in.jsonl", try Self.jsonLines(campaigns)))
        let advertiser = campaigns[0].advertiserID
        let path = cli.directory.appendingPathComponent("out.jsonl").path
        let result = await cli.run("campaign", "export", "--advertiser", advertiser.rawValue, "--output", path)
        let expected = campaigns.filter { $0.advertiserID == advertiser }.count
        #expect(result.output == "exported \(expected) campaigns to \(path)\n")
        let written = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(written.count == expected)
    }

    /// On both engines: a file of 1,500 campaigns (about 1.4 MB) read in batches of 16 KiB.
    @Test(arguments: TestEngine.available)
    func aFileManyTimesTheBatchIsImportedHoldingOneBatch(engine: TestEngine) async throws {
        let database = try await TestDatabase(engine)
        let cli = CLIHarness(database: database.argument)
        let campaigns = SyntheticWorld(campaignCount: 1_500, seed: 17).campaigns
        let text = try Self.jsonLines(campaigns)
        let store = try await cli.store()

        // A bad line near the end refuses the whole file: what earlier batches wrote is rolled back.
        let bad = cli.file("bad.jsonl", text + #"{"id": "late", "bid_micros": 1}"# + "\n" + text.split(separator: "\n")[0] + "\n")
        let refused = ImportLines(reader: try LineBlocks(path: bad, maximumLineBytes: 1 << 20, batchBytes: 16 << 10, blockBytes: 4 << 10)) {
            _ in
        }
        await #expect {
            _ = try await store.importCampaigns(from: refused)
        } throws: { error in
            let failure = (error as? StoreError)?.underlying as? CommandFailure
            return failure?.message == "nothing imported: 2 bad line(s)"
                && failure?.details == ["line 1501: advertiser_id: is required", "line 1502: id: 'cmp-0' already appears on line 1"]
        }
        #expect(try await store.campaigns().isEmpty)
        #expect(try await store.advertisers().isEmpty)

        let path = cli.file("many.jsonl", text)
        let fileBytes = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        let source = ImportLines(reader: try LineBlocks(path: path, maximumLineBytes: 1 << 20, batchBytes: 16 << 10, blockBytes: 4 << 10)) {
            _ in
        }
        let summary = try await store.importCampaigns(from: source)
        #expect(summary.created == 1_500)
        #expect(source.campaignsRead == 1_500)
        // One batch, one more line, the rest of a block: far below the file.
        #expect(fileBytes > 1_000_000)
        #expect(source.largestHeldBytes <= (16 << 10) + (4 << 10) + 4_096, "held \(source.largestHeldBytes) of \(fileBytes)")
        #expect(Set(try await store.campaigns().map(\.id)) == Set(campaigns.map(\.id)))
    }

    @Test("Lines are read across blocks, a line too long is refused by number, a last line needs no line ending")
    func linesAcrossBlocks() throws {
        let cli = CLIHarness()
        let long = String(repeating: "x", count: 300)
        let path = cli.file("lines.txt", "one\n\(long)\nthree\n\n\(long)\(long)\nlast")
        var reader = try LineBlocks(path: path, maximumLineBytes: 100, batchBytes: 8, blockBytes: 7)
        var lines: [(Int, String)] = []
        while let batch = try reader.next() {
            for (offset, line) in batch.lines.enumerated() {
                switch line {
                case .text(let text): lines.append((batch.firstLine + offset, String(decoding: text, as: UTF8.self)))
                case .tooLong: lines.append((batch.firstLine + offset, "(too long)"))
                }
            }
        }
        #expect(lines.map(\.0) == [1, 2, 3, 4, 5, 6])
        #expect(lines.map(\.1) == ["one", "(too long)", "three", "", "(too long)", "last"])
        #expect(reader.largestHeldBytes <= 8 + 100 + 7)
    }

    @Test("Progress: a bar, the count, the rate and the time left; no bar when the total is unknown")
    func progressLines() {
        #expect(
            ProgressMeter.describe(
                label: "import", unit: "campaigns", count: 450_000, done: 450, total: 1_000, elapsed: .seconds(36))
                == "import: [#########...........] 45% 450,000 campaigns, 12,500/s, 44 s left")
        #expect(
            ProgressMeter.describe(label: "verify", unit: "records", count: 1_234, done: 99, total: nil, elapsed: .seconds(2))
                == "verify: 1,234 records, 617/s")
        #expect(ProgressMeter.duration(3_725) == "1 h 2 min")
    }

    @Test func aMissingFileIsNotFound() async {
        let result = await cli.run("campaign", "import", "/nonexistent/campaigns.jsonl")
        #expect(result.status == 3)
        #expect(result.error.contains("cannot read '/nonexistent/campaigns.jsonl'"))
    }
}
