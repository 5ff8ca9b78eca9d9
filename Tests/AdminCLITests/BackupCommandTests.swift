import Foundation
import Testing
import VickreyCore
import VickreyLedger
import VickreySigning
import VickreyStore

@Suite("adctl backup")
struct BackupCommandTests {
    let cli = CLIHarness()
    var keysPath: String { cli.directory.appendingPathComponent("keys").path }

    /// Appends `count` billed impressions through the real group-commit writer.
    func record(_ count: Int, from first: Int) async throws {
        let keyring = try SigningKeyring.loadOrCreate(directory: keysPath).0
        let writer = LedgerWriter(store: try await cli.ledger(), maximumBatch: 8) {
            LedgerSigningKey(id: keyring.currentID, rawPrivateKey: keyring.current.rawPrivateKey)
        }
        let running = Task { await writer.run() }
        for index in first..<(first + count) {
            _ = try await writer.append(
                LedgerEvent(
                    kind: .impression, billed: true, reason: nil, impressionID: String(format: "%024x", index + 1), requestID: "r-\(index)",
                    campaignID: CampaignID(unchecked: "spring"), advertiserID: AdvertiserID(unchecked: "acme"),
                    creativeID: CreativeID(unchecked: "cr"), placementID: PlacementID(unchecked: "home_feed"), pricing: .cpm,
                    clearingECPM: Micros(2_000_000), charge: Nanos(2_000_000),
                    eventTime: Instant(secondsSinceEpoch: 1_795_737_600 + Int64(index))))
        }
        writer.close()
        await running.value
    }

    @Test func aBackupTakenWhileTheLedgerGrowsRestoresAndVerifies() async throws {
        try await record(40, from: 0)
        // Records keep arriving while the copy is made: the copy is one snapshot, so its
        // chain is a whole prefix of the live one.
        let writing = Task { try await record(300, from: 40) }
        let backup = cli.directory.appendingPathComponent("backup.sqlite").path
        let result = await cli.run("backup", backup)
        try await writing.value
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.contains("integrity ok"))

        let restored = await cli.run(["ledger", "verify", "--db", backup, "--keys", keysPath], database: false)
        #expect(restored.status == 0, "\(restored.error)")
        let count = try #require(restored.output.split(separator: " ").dropFirst().first.flatMap { Int($0) }, "\(restored.output)")
        #expect((40...340).contains(count))
        #expect(result.output.contains("\(count) ledger records"), "the summary counts what the copy holds")
        let live = await cli.run("ledger", "verify", "--keys", keysPath)
        #expect(live.output.hasPrefix("verified 340 records"))
    }

    @Test func anExistingFileIsNeverOverwritten() async throws {
        let existing = cli.file("precious.sqlite", "not a database, but somebody's file")
        let result = await cli.run("backup", existing)
        #expect(result.status == 1)
        #expect(result.error.contains("already exists"))
        #expect(try String(contentsOfFile: existing, encoding: .utf8) == "not a database, but somebody's file")
    }
}
