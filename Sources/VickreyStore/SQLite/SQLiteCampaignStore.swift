import Foundation
import GRDB
import VickreyCore

/// The durable home of advertisers, campaigns, creatives and targeting: one SQLite file
/// in WAL mode, migrated on open, with foreign keys on. Both the server and `adctl`
/// use this type; it speaks core types outward and keeps every SQL statement inside
/// this module.
///
/// Every write transaction bumps a store-wide revision and stamps the campaigns it
/// changed with it, so a reader learns what changed since revision `r` with one
/// indexed query (`changes(since:)`), including changes made by another process.
public final class SQLiteCampaignStore: CampaignStore {
    /// The underlying pool; shared with other stores of this module on the same file.
    let pool: DatabasePool
    public let path: String

    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    public init(path: String) throws(StoreError) {
        self.path = path
        do {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)
            configuration.foreignKeysEnabled = true
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.database, "cannot open database at \(path): \(error)", underlying: error)
        }
    }

    /// The store-wide revision: bumped by every write transaction.
    public func revision() throws(StoreError) -> Int64 {
        try read { db in try Int64.fetchOne(db, sql: "SELECT revision FROM store_revision WHERE id = 1") ?? 0 }
    }

    /// Runs a read transaction, mapping database errors.
    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try pool.read(body) } catch { throw Self.map(error) }
    }

    /// Runs a write transaction, mapping database errors.
    func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try pool.write(body) } catch { throw Self.map(error) }
    }

    /// Runs one large write transaction (an import) with a page cache big enough that its
    /// pages are written to the log once rather than each time the cache spills, and without
    /// SQLite's per-row foreign-key lookups: `body` must insert every parent before its
    /// children and delete children itself (the import does both), so the keys hold without
    /// them. Both settings are put back before the connection serves anything else.
    func bulkWrite<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.writeWithoutTransaction { db in
                let cacheSize = try Int.fetchOne(db, sql: "PRAGMA cache_size") ?? -2_000
                try db.execute(sql: "PRAGMA foreign_keys = OFF; PRAGMA cache_size = -\(Self.bulkCacheKibibytes)")
                defer { try? db.execute(sql: "PRAGMA foreign_keys = ON; PRAGMA cache_size = \(cacheSize)") }
                var result: T?
                try db.inTransaction {
                    result = try body(db)
                    return .commit
                }
                return result!
            }
        } catch { throw Self.map(error) }
    }

    /// The page cache of a bulk write: 256 MiB.
    static let bulkCacheKibibytes = 262_144

    /// Bumps and returns the store revision, inside the current write transaction.
    func bumpRevision(_ db: Database) throws -> Int64 {
        try db.execute(sql: "UPDATE store_revision SET revision = revision + 1 WHERE id = 1")
        return try Int64.fetchOne(db, sql: "SELECT revision FROM store_revision WHERE id = 1") ?? 0
    }

    static func map(_ error: any Error) -> StoreError {
        if let error = error as? StoreError { return error }
        if error is DatabaseError { return StoreError(.database, "database error: \(error)", underlying: error) }
        return StoreError(.caller, "\(error)", underlying: error)
    }

    /// The current UTC time in the canonical form the store writes for audit columns.
    static func nowText() -> String {
        Instant(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)).rfc3339
    }
}
