import Foundation
import Testing
import VickreyCore
import VickreyLedger
import VickreySigning
import VickreyStore

@Suite("adctl keys, ledger and report")
struct LedgerCommandTests {
    let cli = CLIHarness()
    var keysPath: String { cli.directory.appendingPathComponent("keys").path }

    /// Writes `count` events through the real group-commit writer, signed with the keys
    /// directory's current key: every third a CPC click, every fifth unbilled.
    func record(_ count: Int, from first: Int = 0) async throws {
        let keyring = try SigningKeyring.loadOrCreate(directory: keysPath).0
        let writer = LedgerWriter(store: LedgerStore(try cli.store()), maximumBatch: 4) { (keyring.currentID, keyring.current.rawPrivateKey) }
        let running = Task { await writer.run() }
        for index in first..<(first + count) {
            let click = index % 3 == 2
            let billed = index % 5 != 4
            _ = try await writer.append(LedgerEvent(
                kind: click ? .click : .impression, billed: billed, reason: billed ? nil : "daily_budget_exhausted",
                impressionID: String(format: "%024x", index + 1), requestID: "r-\(index)", campaignID: CampaignID(unchecked: index % 2 == 0 ? "even" : "odd"),
                advertiserID: AdvertiserID(unchecked: "acme"), creativeID: CreativeID(unchecked: "cr"), placementID: PlacementID(unchecked: "home_feed"),
                pricing: click ? .cpc : .cpm, clearingECPM: Micros(2_000_000), charge: billed ? (click ? Nanos(300_000_000) : Nanos(2_000_000)) : .zero,
                eventTime: Instant(secondsSinceEpoch: 1_795_737_600 + Int64(index) * 3_600)
            ))
        }
        writer.close()
        await running.value
    }

    func export() async -> [String] {
        let result = await cli.run("ledger", "export", "--format", "jsonl")
        return result.output.split(separator: "\n").map(String.init)
    }

    @Test func anExportVerifiesAndRoundTripsByteForByte() async throws {
        try await record(12)
        let lines = await export()
        #expect(lines.count == 12)
        let file = cli.file("ledger.jsonl", lines.joined(separator: "\n") + "\n")
        let verified = await cli.run(["ledger", "verify", file, "--keys", keysPath], database: false)
        #expect(verified.status == 0, "\(verified.error)")
        #expect(verified.output.hasPrefix("verified 12 records"))
        let reparsed = try lines.map { LedgerExport.jsonLine(try LedgerExport.parse(jsonLine: $0)) }
        #expect(reparsed == lines)
        let live = await cli.run("ledger", "verify", "--keys", keysPath)
        #expect(live.status == 0)
        let csv = await cli.run("ledger", "export", "--format", "csv")
        #expect(csv.output.split(separator: "\n").count == 13)
    }

    enum Tampering: String, CaseIterable, Sendable { case deleteLine4, alterCharge6, reorder5And6, resignWithUnknownKey7, truncateFirst }

    @Test(arguments: Tampering.allCases)
    func aTamperedExportFailsAtTheRightRecord(_ tampering: Tampering) async throws {
        try await record(10)
        var lines = await export()
        let expected: String
        switch tampering {
        case .deleteLine4:
            lines.remove(at: 3)
            expected = "record seq 4: expected seq 4 but found seq 5"
        case .alterCharge6:
            lines[5] = lines[5].replacingOccurrences(of: #""charge_nanos":2000000"#, with: #""charge_nanos":2000001"#)
                .replacingOccurrences(of: #""charge_nanos":300000000"#, with: #""charge_nanos":300000001"#)
            expected = "record seq 6: hash does not match"
        case .reorder5And6:
            lines.swapAt(4, 5)
            expected = "record seq 5: expected seq 5 but found seq 6"
        case .resignWithUnknownKey7:
            var record = try LedgerExport.parse(jsonLine: lines[6])
            record.event.charge = .zero
            let forger = try SigningKeyring.loadOrCreate(directory: cli.directory.appendingPathComponent("forger").path).0
            record = try LedgerRecord.seal(record.event, seq: 7, prevHash: record.prevHash, keyID: forger.currentID, signingKey: forger.current.privateKey)
            lines[6] = LedgerExport.jsonLine(record)
            expected = "record seq 7: signed with unknown key '\(forger.currentID)'"
        case .truncateFirst:
            lines.removeFirst()
            expected = "record seq 1: expected seq 1 but found seq 2"
        }
        let file = cli.file("tampered.jsonl", lines.joined(separator: "\n"))
        let result = await cli.run(["ledger", "verify", file, "--keys", keysPath], database: false)
        #expect(result.status == 2)
        #expect(result.error.contains(expected), "\(result.error)")
    }

    @Test func rotationKeepsOldRecordsVerifiableAndJWKSListsEveryKey() async throws {
        try await record(4)
        #expect(await cli.run(["keys", "generate", "--keys", keysPath], database: false).status == 1)
        let before = try #require(try SigningKeyring.load(directory: keysPath)).currentID
        let rotated = await cli.run(["keys", "rotate", "--keys", keysPath], database: false)
        #expect(rotated.status == 0)
        let after = try #require(try SigningKeyring.load(directory: keysPath)).currentID
        #expect(after != before)
        #expect(rotated.output.contains("\(after) now signs new records; \(before) is kept"))
        try await record(4, from: 4)
        let lines = await export()
        #expect(try lines.map { try LedgerExport.parse(jsonLine: $0).keyID } == Array(repeating: before, count: 4) + Array(repeating: after, count: 4))
        let jwks = await cli.run(["keys", "list", "--json", "--keys", keysPath], database: false)
        let jwksFile = cli.file("jwks.json", jwks.output)
        #expect(try JWKS.decode(Data(jwks.output.utf8)).keys.count == 2)
        let file = cli.file("ledger.jsonl", lines.joined(separator: "\n"))
        let verified = await cli.run(["ledger", "verify", file, "--jwks", jwksFile], database: false)
        #expect(verified.status == 0, "\(verified.error)")
        let table = await cli.run(["keys", "list", "--keys", keysPath], database: false)
        #expect(table.output.contains(before) && table.output.contains(after))
    }

    @Test func theReportReconcilesWithTheLedger() async throws {
        try await record(10)
        let report = await cli.run("report", "--json")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(report.output.utf8)) as? [[String: Any]])
        // even: indexes 0,2,4,6,8 → impressions 0,4(unbilled),6 ; clicks 2,8 ; odd: 1,3,5,7,9 → impressions 1,3,7 ; clicks 5 ; 9 unbilled.
        let even = try #require(rows.first { $0["campaign_id"] as? String == "even" })
        #expect(even["impressions"] as? Int == 2)
        #expect(even["clicks"] as? Int == 2)
        #expect(even["unbilled"] as? Int == 1)
        #expect(even["spend_nanos"] as? Int == 2 * 2_000_000 + 2 * 300_000_000)
        let odd = try #require(rows.first { $0["campaign_id"] as? String == "odd" })
        #expect(odd["impressions"] as? Int == 3)
        #expect(odd["clicks"] as? Int == 1)
        #expect(odd["spend_nanos"] as? Int == 3 * 2_000_000 + 300_000_000)
        #expect(odd["ctr_ppm"] as? Int == 333_333)
        let byDay = await cli.run("report", "--by", "day")
        #expect(byDay.output.contains("even      2026-11-27"))
        #expect(byDay.output.contains("total spend 0.910000000 (910000000 nanos) over 5 impressions"))
    }
}
