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
    private let shutdown: @Sendable () async -> Void

    init(
        location: StoreLocation, campaigns: any CampaignStore, ledger: any LedgerStore, fleet: (any FleetKeys)?,
        leases: (any BudgetLeaseStore)?, experiments: any ExperimentStore, apiKeys: any APIKeyStore,
        shutdown: @escaping @Sendable () async -> Void
    ) {
        self.leases = leases
        self.experiments = experiments
        self.apiKeys = apiKeys
        self.location = location
        self.campaigns = campaigns
        self.ledger = ledger
        self.fleet = fleet
        self.shutdown = shutdown
    }

    /// Opens (creating and migrating if needed) the database at `location`. On PostgreSQL,
    /// `serverID` claims that server's ledger chain for this process (refused while another
    /// live process holds it); without one the ledger can be read but not appended to. A
    /// SQLite file holds one server's unnamed chain, whatever `serverID` says.
    public static func open(_ location: StoreLocation, serverID: String? = nil) async throws(StoreError) -> Store {
        if let serverID, !LedgerRecord.isValidServerID(serverID) {
            throw StoreError(.caller, "--server-id '\(serverID)' must be 1–64 characters from A-Z a-z 0-9 . _ -")
        }
        switch location {
        case .sqlite(let path):
            let store = try SQLiteCampaignStore(path: path)
            return Store(
                location: location, campaigns: store, ledger: SQLiteLedgerStore(store), fleet: nil, leases: nil,
                experiments: SQLiteExperimentStore(store), apiKeys: SQLiteAPIKeyStore(store), shutdown: {})
        case .postgres(let address):
            let database = try await PostgresDatabase.open(address)
            if let serverID {
                do { try await database.claimChain(serverID) } catch {
                    await database.close()
                    throw error
                }
            }
            return Store(
                location: location, campaigns: PostgresCampaignStore(database), ledger: PostgresLedgerStore(database, chainID: serverID),
                fleet: PostgresFleetKeys(database), leases: PostgresBudgetLeases(database), experiments: PostgresExperimentStore(database),
                apiKeys: PostgresAPIKeyStore(database), shutdown: { await database.close() })
        }
    }

    /// Closes the connections (PostgreSQL); the store must not be used afterwards.
    public func close() async { await shutdown() }
}
