import Foundation
import GRDB

/// What a backup holds, for the operator to compare with the live database.
public struct BackupSummary: Hashable, Sendable {
    public var campaigns: Int
    public var ledgerRecords: Int
    public var bytes: Int64
}

extension SQLiteCampaignStore {
    /// Copies the database page by page into a new file at `destination` (a snapshot:
    /// writers may go on meanwhile), then checks the copy with `PRAGMA integrity_check`.
    /// An existing file is never overwritten; a failed backup leaves no file behind.
    func backup(to destination: String) throws(StoreError) -> BackupSummary {
        guard !FileManager.default.fileExists(atPath: destination) else {
            throw StoreError(.caller, "\(destination) already exists: a backup never overwrites a file")
        }
        do {
            let copy = try DatabaseQueue(path: destination)
            try pool.backup(to: copy)
            let (integrity, campaigns, records) = try copy.read { db in
                (
                    try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "",
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM campaign") ?? 0,
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ledger") ?? 0
                )
            }
            try copy.close()
            guard integrity == "ok" else { throw StoreError(.database, "the copy failed its integrity check: \(integrity)") }
            let size = (try? FileManager.default.attributesOfItem(atPath: destination)[.size] as? NSNumber)?.int64Value ?? 0
            return BackupSummary(campaigns: campaigns, ledgerRecords: records, bytes: size)
        } catch {
            for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: destination + suffix) }
            throw Self.map(error)
        }
    }
}
