import Foundation
import VickreyStore

/// The database engines the store tests run on: SQLite always, PostgreSQL where a
/// server is reachable (`VICKREY_TEST_POSTGRES_URL`) or can be started here (its Debian
/// package installed). Tests parameterised over `TestEngine.available` run the same
/// assertions on both.
public enum TestEngine: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite
    case postgres

    public var description: String { rawValue }

    /// SQLite, and PostgreSQL when it can be used.
    public static let available: [TestEngine] = PostgresTestServer.isAvailable ? [.sqlite, .postgres] : [.sqlite]
}

/// A fresh, empty database of one engine: a SQLite file in its own temporary directory
/// (removed when this is released), or a new database on the test PostgreSQL server.
public final class TestDatabase: Sendable {
    public let engine: TestEngine
    public let location: StoreLocation
    /// The test's own temporary directory (the SQLite file lives in it; keys may too).
    public let directory: URL

    public init(_ engine: TestEngine = .sqlite) async throws {
        self.engine = engine
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("vickrey-test-\(UUID().uuidString)")
        switch engine {
        case .sqlite:
            location = .sqlite(path: directory.appendingPathComponent("vickrey.sqlite").path)
        case .postgres:
            let name = "vickrey_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            location = .postgres(try await PostgresTestServer.shared.address().database(name))
        }
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// The SQLite file's path (SQLite only).
    public var path: String {
        guard case .sqlite(let path) = location else { preconditionFailure("a PostgreSQL test database has no path") }
        return path
    }

    /// What `--db` takes for this database.
    public var argument: String {
        switch location {
        case .sqlite(let path): path
        case .postgres(let address): "postgres://\(address.user)@\(address.host):\(address.port)/\(address.database)"
        }
    }

    /// Opens (creating and migrating) the database; `serverID` claims that ledger chain on
    /// PostgreSQL (needed to append; two live opens with one id are refused).
    public func open(serverID: String? = nil) async throws -> Store {
        try await Store.open(location, serverID: serverID)
    }

    /// Opens the database, runs `body` and closes it again.
    public func with<T>(serverID: String? = nil, _ body: (Store) async throws -> T) async throws -> T {
        let store = try await open(serverID: serverID)
        let result: Result<T, any Error>
        do { result = .success(try await body(store)) } catch { result = .failure(error) }
        await store.close()
        return try result.get()
    }
}
