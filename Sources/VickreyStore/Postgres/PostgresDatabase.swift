import Foundation
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// A connection pool to one PostgreSQL database, with the helpers the PostgreSQL stores
/// share: transactions that map errors to `StoreError`, and the store-wide revision.
///
/// The pool works only while `run()` runs: a server runs it as a service of its service
/// group (`Store.run()`), started before anything asks the database and stopped after
/// everything else; a short-lived tool lets `open` run it in a task the database owns.
/// `prepare()` then creates and migrates the database on first use.
final class PostgresDatabase: Sendable {
    let address: PostgresAddress
    let client: PostgresClient
    let logger: Logger
    /// The pool's runner when this database runs its own (`open`, for tools); nil when a
    /// service runs it.
    private let ownRunner = Mutex<Task<Void, Never>?>(nil)
    /// The connection holding this process's chain lock (see `claimChain`).
    private let chainOwner = Mutex<PostgresConnection?>(nil)

    /// A database whose pool is not running yet: no I/O happens here.
    init(address: PostgresAddress) {
        var logger = Logger(label: "vickrey.postgres")
        logger.logLevel = .error
        self.address = address
        self.logger = logger
        client = PostgresClient(configuration: Self.configuration(address), backgroundLogger: logger)
    }

    /// Runs the pool (connections, keep-alives) until the task is cancelled, then closes
    /// the chain lock's connection, which releases the lock at once.
    func run() async {
        await client.run()
        await releaseChain()
    }

    /// Connects to `address` with a pool this database runs itself, creating the database
    /// and its schema on first use: for tools and tests, which have no service group.
    static func open(_ address: PostgresAddress, upTo lastMigration: String? = nil) async throws(StoreError) -> PostgresDatabase {
        let database = PostgresDatabase(address: address)
        // Owned, not stray: `close()` (or deinit) cancels it and waits for it.
        database.ownRunner.withLock { $0 = Task { await database.client.run() } }
        do { try await database.prepare(upTo: lastMigration) } catch {
            await database.close()
            throw error
        }
        return database
    }

    /// Creates the database and its schema on first use and applies any migration this
    /// version has that the database has not. The pool must be running.
    func prepare(upTo lastMigration: String? = nil) async throws(StoreError) {
        // One plain connection first: the pool retries failed connections quietly, while a
        // user who named the wrong host, password or database wants to be told at once.
        do {
            try await Self.probe(address, logger: logger)
        } catch  where error.sqlState == "3D000" {
            // The database does not exist yet: create it, as SQLite creates its file.
            try await Self.createDatabase(address, logger: logger)
        } catch {
            throw StoreError(.database, "cannot open database at \(address): \(error.message)", underlying: error)
        }
        do {
            try await PostgresSchema.migrate(self, upTo: lastMigration)
        } catch {
            throw StoreError(.database, "cannot migrate database at \(address): \(error.message)", underlying: error)
        }
    }

    private static func probe(_ address: PostgresAddress, logger: Logger) async throws {
        let connection = try await PostgresConnection.connect(to: address, id: 0, logger: logger)
        try? await connection.close()
    }

    /// Creates `address.database` through the server's `postgres` database; one created
    /// meanwhile by another process is fine.
    private static func createDatabase(_ address: PostgresAddress, logger: Logger) async throws(StoreError) {
        let maintenance = address.database("postgres")
        let name = "\"" + address.database.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        do {
            let connection = try await PostgresConnection.connect(to: maintenance, id: 0, logger: logger)
            let created: Result<Void, any Error>
            do {
                try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
                created = .success(())
            } catch  where error.sqlState == "42P04" || error.sqlState == "23505" {
                created = .success(())
            } catch {
                created = .failure(error)
            }
            try? await connection.close()
            try created.get()
        } catch {
            throw StoreError(.database, "cannot create database \(address.database) on \(maintenance): \(error.message)", underlying: error)
        }
    }

    private static func configuration(_ address: PostgresAddress) -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: address.host, port: address.port, username: address.user, password: address.password,
            database: address.database, tls: .disable)
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.maximumConnections = 8
        // Every commit waits for the WAL to reach the disk, whatever the server's default:
        // a ledger record is durable before its beacon is answered.
        configuration.options.additionalStartupParameters = [("synchronous_commit", "on"), ("application_name", "vickrey")]
        return configuration
    }

    /// A database dropped without `close()` still stops the pool it runs itself and
    /// closes the chain lock's connection (the future form: nothing waits for it here).
    deinit {
        ownRunner.withLock { $0?.cancel() }
        if let owner = chainOwner.withLock({ $0 }) { _ = owner.close() as EventLoopFuture<Void> }
    }

    /// Stops the pool this database runs itself (`open`) and releases the chain lock.
    func close() async {
        let task = ownRunner.withLock { task in
            defer { task = nil }
            return task
        }
        task?.cancel()
        await task?.value
        await releaseChain()
    }

    /// Closes the chain lock's connection (the server releases the lock with it).
    private func releaseChain() async {
        let owner = chainOwner.withLock { owner in
            defer { owner = nil }
            return owner
        }
        try? await owner?.close()
    }

    /// Claims `serverID`'s ledger chain for this process: a session advisory lock, held
    /// on a connection of its own for as long as the process lives (the server releases
    /// it when the connection ends, even after `kill -9`). A second live process with the
    /// same id is refused.
    func claimChain(_ serverID: String) async throws(StoreError) {
        do {
            let connection = try await PostgresConnection.connect(to: address, id: 1, logger: logger)
            let claimed =
                try await connection.all(
                    "SELECT pg_try_advisory_lock(\(Self.chainLockClass), hashtext(\(serverID)))", as: Bool.self, logger: logger
                ).first ?? false
            guard claimed else {
                try? await connection.close()
                throw StoreError(
                    .conflict,
                    "another live server already runs as --server-id \(serverID) on \(address): each server needs its own id (its ledger chain)"
                )
            }
            chainOwner.withLock { $0 = connection }
        } catch {
            throw Self.map(error)
        }
    }

    /// The first key of the chain locks (`pg_try_advisory_lock(int, int)`): Vickrey's own.
    static let chainLockClass: Int32 = 0x5643_4831

    /// Runs `body` in a transaction (committed when it returns, rolled back when it throws),
    /// mapping every error to a `StoreError`. `repeatableRead` gives every statement the
    /// same snapshot, for reads that must be consistent with each other.
    func transaction<T: Sendable>(
        repeatableRead: Bool = false, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws(StoreError) -> T {
        let leased = LeaseFlag()
        let limit = connectionWaitLimit
        do {
            return try await withThrowingTaskGroup(of: LeaseRace<T>.self) { group in
                group.addTask {
                    .done(
                        try await self.client.withConnection { connection in
                            leased.set()
                            return try await connection.withTransaction(logger: self.logger) { connection in
                                if repeatableRead {
                                    try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", logger: self.logger)
                                }
                                return try await body(connection)
                            }
                        })
                }
                group.addTask {
                    try await Task.sleep(for: limit)
                    return leased.isSet ? .stillRunning : .noConnection
                }
                while let next = try await group.next() {
                    switch next {
                    case .done(let value):
                        group.cancelAll()
                        return value
                    case .noConnection:
                        group.cancelAll()
                        throw StoreError(.database, "no connection to the database at \(address) within \(limit)")
                    case .stillRunning:
                        continue
                    }
                }
                throw StoreError(.database, "the transaction ended without a result")
            }
        } catch {
            throw Self.map(error)
        }
    }

    /// How long a transaction waits for a connection before it fails (the database is
    /// down or unreachable). Only the wait is bounded: a transaction that has its
    /// connection runs to its end, so a commit is never reported failed after it happened.
    let connectionWaitLimit: Duration = .seconds(2)

    /// A transaction with no bound on the wait, for bodies that cannot leave the caller's
    /// task (`adctl`'s campaign edits and exports).
    func transactionInPlace<T: Sendable>(
        repeatableRead: Bool = false, _ body: (PostgresConnection) async throws -> T
    ) async throws(StoreError) -> T {
        do {
            return try await client.withTransaction(logger: logger) { connection in
                if repeatableRead {
                    try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", logger: logger)
                }
                return try await body(connection)
            }
        } catch {
            throw Self.map(error)
        }
    }

    static func map(_ error: any Error) -> StoreError {
        if let error = error as? StoreError { return error }
        if let error = error as? PostgresTransactionError {
            return map(
                error.closureError ?? error.beginError ?? error.commitError ?? error.rollbackError
                    ?? StoreError(.database, "transaction failed"))
        }
        if error is PSQLError { return StoreError(.database, "database error: \(error.message)", underlying: error) }
        return StoreError(.caller, "\(error)", underlying: error)
    }

    /// Bumps and returns the store revision, inside the current transaction. The row lock
    /// this takes orders writers, so revisions are handed out in commit order.
    static func bumpRevision(_ connection: PostgresConnection, logger: Logger) async throws -> Int64 {
        let rows = try await connection.query(
            "UPDATE store_revision SET revision = revision + 1 WHERE id = 1 RETURNING revision", logger: logger)
        for try await revision in rows.decode(Int64.self) { return revision }
        throw StoreError(.database, "the store_revision row is missing")
    }
}

extension PostgresConnection {
    /// The rows of `query` decoded as `T`, all of them.
    func all<T: PostgresDecodable>(_ query: PostgresQuery, as type: T.Type, logger: Logger) async throws -> [T] {
        var values: [T] = []
        for try await row in try await self.query(query, logger: logger) { values.append(try row.decode(T.self)) }
        return values
    }

    /// The rows of `query` decoded as tuples of `Column…`, all of them.
    func all<each Column: PostgresDecodable>(
        _ query: PostgresQuery, as type: (repeat each Column).Type, logger: Logger
    ) async throws -> [(repeat each Column)] {
        var values: [(repeat each Column)] = []
        for try await row in try await self.query(query, logger: logger) { values.append(try row.decode(type)) }
        return values
    }
}

extension Error {
    /// What went wrong, in words: the server's message for a PostgreSQL error (whose
    /// `description` hides it), the description otherwise.
    var message: String {
        if let error = self as? PSQLError {
            if let message = error.serverInfo?[.message] {
                return error.serverInfo?[.detail].map { "\(message) (\($0))" } ?? message
            }
            return "\(error.code)"
        }
        if let error = self as? StoreError { return error.message }
        return "\(self)"
    }

    /// The SQLSTATE of a PostgreSQL error (`23505` for a unique violation).
    var sqlState: String? { (self as? PSQLError)?.serverInfo?[.sqlState] }
}

/// Set once a transaction has its connection: from then on it is not timed out.
private final class LeaseFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}

/// Which of a transaction and its wait limit finished first.
private enum LeaseRace<T: Sendable>: Sendable {
    case done(T)
    case stillRunning
    case noConnection
}

extension PostgresConnection {
    /// One plain connection (outside the pool) to `address`, without TLS.
    static func connect(to address: PostgresAddress, id: ID, logger: Logger) async throws -> PostgresConnection {
        try await connect(
            configuration: Configuration(
                host: address.host, port: address.port, username: address.user, password: address.password, database: address.database,
                tls: .disable),
            id: id, logger: logger)
    }
}
