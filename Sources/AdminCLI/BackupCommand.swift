import ArgumentParser
import Foundation
import VickreyStore

/// `adctl backup FILE`: an online, consistent copy of a SQLite database.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the SQLite database to a new file while servers keep running, and check the copy.",
        discussion: """
            The copy is one consistent snapshot (SQLite's online backup), checked with PRAGMA integrity_check; an existing \
            file is never overwritten. Back up the keys directory too: the ledger's records verify against its public keys. \
            A PostgreSQL database is backed up with pg_dump --format=custom. Restoring: docs/operations.md.
            Examples:
              adctl backup var/backups/vickrey-$(date -u +%Y%m%dT%H%M%SZ).sqlite
              adctl backup /srv/backups/vickrey.sqlite --db /var/lib/vickrey/vickrey.sqlite
            """
    )

    @Argument(help: "The new file to write.") var file: String
    @OptionGroup var store: StoreOptions

    func run() async throws {
        let summary = try await store.call { db in try db.backup(to: file) }
        Console.print(
            "backed up \(summary.campaigns) campaigns and \(summary.ledgerRecords) ledger records to \(TerminalText.safe(file)) "
                + "(\(summary.bytes / 1024) KiB, integrity ok)")
    }
}
