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
        let writer = LedgerWriter(store: try await cli.ledger(), maximumBatch: 4) {
            LedgerSigningKey(id: keyring.currentID, rawPrivateKey: keyring.current.rawPrivateKey)
        }
        let running = Task { await writer.run() }
        for index in first..<(first + count) {
            let click = index % 3 == 2
            let billed = index % 5 != 4
            _ = try await writer.append(
                LedgerEvent(
                    kind: click ? .click : .impression, billed: billed, reason: billed ? nil : .dailyBudgetExhausted,
                    impressionID: String(format: "%024x", index + 1), requestID: "r-\(index)",
                    campaignID: CampaignID(unchecked: index % 2 == 0 ? "even" : "odd"),
                    advertiserID: AdvertiserID(unchecked: "acme"), creativeID: CreativeID(unchecked: "cr"),
                    placementID: PlacementID(unchecked: "home_feed"),
                    pricing: click ? .cpc : .cpm, clearingECPM: Micros(2_000_000),
                    charge: billed ? (click ? Nanos(300_000_000) : Nanos(2_000_000)) : .zero,
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
        // RFC 4180: every line, the last included, ends in CRLF.
        #expect(csv.output.utf8.count(where: { $0 == 0x0A }) == 13)
        #expect(csv.output.components(separatedBy: "\r\n").count == 14)
        #expect(csv.output.hasSuffix("\r\n"))
    }

    /// Every way an outside party was found to alter an export, and what `ledger verify`
    /// must say about it (exit 2 in every case).
    enum Tampering: String, CaseIterable, Sendable {
        case deleteLine4, deleteLines4And5, deleteLines2And7, alterCharge6, reorder5And6, duplicateLine3, resignWithUnknownKey7
        case truncateFirst, secondChargeKey, seqAsDecimal, emptyReason, nonCanonicalSignature, unknownField, csvAlteredCharge
    }

    @Test(arguments: Tampering.allCases)
    func aTamperedExportFailsAtTheRightRecord(_ tampering: Tampering) async throws {
        try await record(10)
        var lines = await export()
        var fileName = "tampered.jsonl"
        var expected: [String]
        switch tampering {
        case .deleteLine4:
            lines.remove(at: 3)
            expected = ["1 problem(s)", "record seq 4: record 4 is missing (deleted)"]
        case .deleteLines4And5:
            lines.removeSubrange(3...4)
            expected = ["1 problem(s)", "record seq 4: records 4–5 (2 records) are missing (deleted)"]
        case .deleteLines2And7:
            lines.remove(at: 6)
            lines.remove(at: 1)
            expected = ["2 problem(s)", "record seq 2: record 2 is missing (deleted)", "record seq 7: record 7 is missing (deleted)"]
        case .alterCharge6:
            lines[5] = lines[5].replacingOccurrences(of: #""charge_nanos":2000000"#, with: #""charge_nanos":2000001"#)
                .replacingOccurrences(of: #""charge_nanos":300000000"#, with: #""charge_nanos":300000001"#)
            expected = ["1 problem(s)", "record seq 6: hash does not match"]
        case .reorder5And6:
            lines.swapAt(4, 5)
            expected = ["1 problem(s)", "record seq 5: out of order: found after seq 6"]
        case .duplicateLine3:
            lines.insert(lines[2], at: 3)
            expected = ["1 problem(s)", "record seq 3: repeated"]
        case .resignWithUnknownKey7:
            var record = try LedgerExport.parse(jsonLine: lines[6])
            record.event.charge = .zero
            let forger = try SigningKeyring.loadOrCreate(directory: cli.directory.appendingPathComponent("forger").path).0
            record = try LedgerRecord.seal(
                record.event, seq: 7, prevHash: record.prevHash, keyID: forger.currentID, signingKey: forger.current.privateKey)
            lines[6] = LedgerExport.jsonLine(record)
            expected = ["record seq 7: signed with unknown key '\(forger.currentID)'"]
        case .truncateFirst:
            lines.removeFirst()
            expected = ["record seq 1: the export starts at seq 2, not 1", "verify it with --partial"]
        case .secondChargeKey:
            // Python and JavaScript keep the last of two keys: billing would read 1.
            lines[2] = lines[2].replacingOccurrences(of: #","event_time""#, with: #","charge_nanos":1,"event_time""#)
            expected = ["line 3 is not a ledger record: charge_nanos: appears twice"]
        case .seqAsDecimal:
            lines[3] = lines[3].replacingOccurrences(of: #"{"seq":4,"#, with: #"{"seq":4.0,"#)
            expected = ["line 4 is not a ledger record: seq: must be an integer written in canonical form"]
        case .emptyReason:
            lines[4] = lines[4].replacingOccurrences(of: #""reason":"daily_budget_exhausted""#, with: #""reason":"""#)
            expected = ["line 5 is not a ledger record: reason: must be null or a non-empty string, not \"\""]
        case .nonCanonicalSignature:
            var record = try LedgerExport.parse(jsonLine: lines[7])
            var spelling = Array(record.signature.utf8)
            let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
            spelling[spelling.count - 1] = alphabet[alphabet.firstIndex(of: spelling[spelling.count - 1])! ^ 1]
            record.signature = String(decoding: spelling, as: UTF8.self)
            lines[7] = LedgerExport.jsonLine(record)
            expected = ["record seq 8: sig is not the canonical base64url"]
        case .unknownField:
            lines[1] = lines[1].replacingOccurrences(of: #"{"seq":2,"#, with: #"{"seq":2,"discount_nanos":5,"#)
            expected = ["line 2 is not a ledger record: discount_nanos: is not a ledger field"]
        case .csvAlteredCharge:
            let csv = await cli.run("ledger", "export", "--format", "csv").output
            lines = csv.components(separatedBy: "\r\n").filter { !$0.isEmpty }
            lines[6] = lines[6].replacingOccurrences(of: ",2000000,2026", with: ",2000001,2026").replacingOccurrences(
                of: ",300000000,2026", with: ",300000001,2026")
            fileName = "tampered.csv"
            expected = ["1 problem(s)", "record seq 6: hash does not match"]
        }
        let file = cli.file(fileName, lines.joined(separator: fileName.hasSuffix(".csv") ? "\r\n" : "\n"))
        let result = await cli.run(["ledger", "verify", file, "--keys", keysPath], database: false)
        #expect(result.status == 2)
        for phrase in expected { #expect(result.error.contains(phrase), "\(result.error)") }
    }

    @Test func aCSVExportVerifiesAndAWindowedExportVerifiesWithPartial() async throws {
        try await record(10)
        let csv = await cli.run("ledger", "export", "--format", "csv")
        let file = cli.file("ledger.csv", csv.output)
        let verified = await cli.run(["ledger", "verify", file, "--keys", keysPath], database: false)
        #expect(verified.status == 0, "\(verified.error)")
        #expect(verified.output.hasPrefix("verified 10 records"))
        // Events are an hour apart from 2026-11-27T00:00Z: records 4… from 03:00.
        let since = await cli.run("ledger", "export", "--since", "2026-11-27T03:00:00Z")
        let sinceFile = cli.file("since.jsonl", since.output)
        let refused = await cli.run(["ledger", "verify", sinceFile, "--keys", keysPath], database: false)
        #expect(refused.status == 2)
        #expect(refused.error.contains("the export starts at seq 4, not 1"))
        #expect(refused.error.contains("--partial"))
        let partial = await cli.run(["ledger", "verify", sinceFile, "--partial", "--keys", keysPath], database: false)
        #expect(partial.status == 0, "\(partial.error)")
        #expect(partial.output.hasPrefix("verified 7 records"))
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
        #expect(
            try lines.map { try LedgerExport.parse(jsonLine: $0).keyID } == Array(repeating: before, count: 4)
                + Array(repeating: after, count: 4))
        let jwks = await cli.run(["keys", "list", "--json", "--keys", keysPath], database: false)
        let jwksFile = cli.file("jwks.json", jwks.output)
        #expect(try JWKS.decode(Data(jwks.output.utf8)).keys.count == 2)
        let file = cli.file("ledger.jsonl", lines.joined(separator: "\n"))
        let verified = await cli.run(["ledger", "verify", file, "--jwks", jwksFile], database: false)
        #expect(verified.status == 0, "\(verified.error)")
        let table = await cli.run(["keys", "list", "--keys", keysPath], database: false)
        #expect(table.output.contains(before) && table.output.contains(after))
    }

    @Test func leasesAreAFleetThingAndASQLiteFileSaysSo() async throws {
        let listed = await cli.run("lease", "list")
        #expect(listed.status == 1)
        #expect(listed.error.contains("leases exist only in a fleet on PostgreSQL"), "\(listed.error)")
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
        // One placement, every campaign added up; the first five hours only (index 0–4:
        // impressions 0, 1, 3 billed, 4 unbilled; click 2).
        let csv = await cli.run("report", "--by", "placement", "--until", "2026-11-27T05:00:00Z", "--csv")
        let lines = csv.output.split(separator: "\r\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).prefix(8) }
        #expect(
            lines.map { $0.joined(separator: ",") } == [
                "placement_id,day,impressions,clicks,ctr,spend,ecpm,unbilled", "home_feed,all,3,1,33.3333,0.306000000,102.000000,1",
                "total,,3,1,33.3333,0.306000000,102.000000,1",
            ])
        let badUntil = await cli.run("report", "--until", "tomorrow")
        #expect(badUntil.status == 64 && badUntil.error.contains("--until: 'tomorrow' is not an RFC 3339 time"), "\(badUntil.error)")
    }
}
