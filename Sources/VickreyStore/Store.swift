import Foundation
import VickreyLedger

/// Where a store lives: what `--db` names. A `postgres://` (or `postgresql://`) URL is a
/// PostgreSQL database shared by a fleet; anything else is the path of a SQLite file.
public enum StoreLocation: Hashable, Sendable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresAddress)

    /// Reads a `--db` value. Throws `.caller` naming what is wrong with a malformed URL.
    public init(_ text: String) throws(StoreError) {
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(try PostgresAddress(url: text))
        } else {
            guard !text.isEmpty else { throw StoreError(.caller, "--db must name a SQLite file or a postgres:// URL") }
            self = .sqlite(path: text)
        }
    }

    /// The location as the user wrote it, without a password.
    public var description: String {
        switch self {
        case .sqlite(let path): path
        case .postgres(let address): address.description
        }
    }
}

/// A PostgreSQL database's address: `postgres://USER[:PASSWORD]@HOST[:PORT]/DBNAME`.
public struct PostgresAddress: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String

    public init(host: String, port: Int = 5432, user: String, password: String? = nil, database: String) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
    }

    public init(url text: String) throws(StoreError) {
        func bad(_ why: String) -> StoreError {
            StoreError(.caller, "--db \(Self.redacted(text)): \(why); expected postgres://USER[:PASSWORD]@HOST[:PORT]/DBNAME")
        }
        guard let components = URLComponents(string: text), let host = components.host, !host.isEmpty else {
            throw bad("not a URL with a host")
        }
        guard let user = components.user, !user.isEmpty else { throw bad("the user is missing") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else { throw bad("the database name is missing") }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw bad("the port must be 1–65535") }
        self.init(
            host: host, port: port, user: user.removingPercentEncoding ?? user,
            password: components.password.map { $0.removingPercentEncoding ?? $0 }, database: database)
    }

    /// The URL, the password shown as `***`.
    public var description: String {
        "postgres://\(user)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)"
    }

    /// The same server, another database.
    public func database(_ name: String) -> PostgresAddress {
        var copy = self
        copy.database = name
        return copy
    }

    private static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? url
    }
}

/// An opened database on either engine: its campaigns and the ledger chain this process
/// appends to. `adserver` and every `adctl` command open one of these from `--db`.
///
/// Two ways to open one. A tool calls `open`, which returns a ready store (on PostgreSQL
/// with a connection pool the store runs itself until `close()`). A server calls
/// `connect` (no I/O on PostgreSQL), runs `run()` as a service of its service group for
/// as long as it serves, and calls `prepare()` before anything else asks the database.
public final class Store: Sendable {
    public let location: StoreLocation
    public let campaigns: any CampaignStore
    public let ledger: any LedgerStore
    /// What a fleet's servers share (PostgreSQL); nil for a SQLite file.
    public let fleet: (any FleetKeys)?
    /// The fleet's budget pools and leases (PostgreSQL); nil for a SQLite file, whose
    /// single server's budget book is the only one.
    public let leases: (any BudgetLeaseStore)?
    /// Experiments and their durable auction counts.
    public let experiments: any ExperimentStore
    /// API keys for the admin API, the console and billing.
    public let apiKeys: any APIKeyStore
    /// Every change made through the admin API, the console or `adctl`, newest first.
    public let audit: any AuditStore
    /// The chain this process claims on PostgreSQL (`prepare`).
    private let serverID: String?
    private let postgres: PostgresDatabase?

    private init(location: StoreLocation, serverID: String?, sqlite: SQLiteCampaignStore) {
        self.location = location
        self.serverID = serverID
        postgres = nil
        campaigns = sqlite
        ledger = SQLiteLedgerStore(sqlite)
        fleet = nil
        leases = nil
        experiments = SQLiteExperimentStore(sqlite)
        apiKeys = SQLiteAPIKeyStore(sqlite)
        audit = SQLiteAuditStore(sqlite)
    }

    private init(location: StoreLocation, serverID: String?, postgres database: PostgresDatabase) {
        self.location = location
        self.serverID = serverID
        postgres = database
        campaigns = PostgresCampaignStore(database)
        ledger = PostgresLedgerStore(database, chainID: serverID)
        fleet = PostgresFleetKeys(database)
        leases = PostgresBudgetLeases(database)
        experiments = PostgresExperimentStore(database)
        apiKeys = PostgresAPIKeyStore(database)
        audit = PostgresAuditStore(database)
    }

    /// The store at `location`, for a server: a SQLite file is opened (created and
    /// migrated if needed) now; a PostgreSQL database only gets its pool, which works once
    /// `run()` runs, and is created, migrated and its chain claimed by `prepare()`. On
    /// PostgreSQL, `serverID` names the ledger chain this process appends to (refused
    /// while another live process holds it); without one the ledger can be read but not
    /// appended to. A SQLite file holds one server's unnamed chain, whatever `serverID` says.
    public static func connect(_ location: StoreLocation, serverID: String? = nil) throws(StoreError) -> Store {
        try validate(serverID: serverID)
        switch location {
        case .sqlite(let path): return Store(location: location, serverID: serverID, sqlite: try SQLiteCampaignStore(path: path))
        case .postgres(let address): return Store(location: location, serverID: serverID, postgres: PostgresDatabase(address: address))
        }
    }

    /// Whether `run()` must run for the store to work (a PostgreSQL pool).
    public var needsRunning: Bool { postgres != nil }

    /// Runs the PostgreSQL pool until the task is cancelled, then releases the chain this
    /// process claimed; returns at once for a SQLite file.
    public func run() async { await postgres?.run() }

    /// Creates and migrates a PostgreSQL database on first use and claims this process's
    /// chain (`run()` must be running); nothing for a SQLite file, opened by `connect`.
    public func prepare() async throws(StoreError) {
        guard let postgres else { return }
        try await postgres.prepare()
        if let serverID { try await postgres.claimChain(serverID) }
    }

    /// Opens (creating and migrating if needed) the database at `location`, ready to use:
    /// for tools and tests. On PostgreSQL the store runs its own pool until `close()`.
    public static func open(_ location: StoreLocation, serverID: String? = nil) async throws(StoreError) -> Store {
        guard case .postgres(let address) = location else { return try connect(location, serverID: serverID) }
        try validate(serverID: serverID)
        let database = try await PostgresDatabase.open(address)
        let store = Store(location: location, serverID: serverID, postgres: database)
        if let serverID {
            do { try await database.claimChain(serverID) } catch {
                await database.close()
                throw error
            }
        }
        return store
    }

    /// Creates the database at `location` as an earlier version left it: migrated up to
    /// and including the migration named `lastMigration`, no further. For tests of what a
    /// later version's migrations do to existing data.
    package static func createEarlierVersion(_ location: StoreLocation, upTo lastMigration: String) async throws {
        switch location {
        case .sqlite(let path):
            try SQLiteCampaignStore.migrate(path: path, upTo: lastMigration)
        case .postgres(let address):
            try await PostgresDatabase.open(address, upTo: lastMigration).close()
        }
    }

    private static func validate(serverID: String?) throws(StoreError) {
        if let serverID, !LedgerRecord.isValidServerID(serverID) {
            throw StoreError(.caller, "--server-id '\(serverID)' must be 1–64 characters from A-Z a-z 0-9 . _ -")
        }
    }

    /// Writes a consistent copy of a SQLite database to a new file at `path` while servers
    /// keep using it (SQLite's online backup: one snapshot, WAL included) and checks the
    /// copy's integrity. A PostgreSQL database is backed up with `pg_dump` instead.
    public func backup(to path: String) throws(StoreError) -> BackupSummary {
        guard let sqlite = campaigns as? SQLiteCampaignStore else {
            throw StoreError(.caller, "a PostgreSQL database is backed up with pg_dump --format=custom (docs/operations.md)")
        }
        return try sqlite.backup(to: path)
    }

    /// Closes the connections a tool's store opened (PostgreSQL); the store must not be
    /// used afterwards.
    public func close() async { await postgres?.close() }
}
