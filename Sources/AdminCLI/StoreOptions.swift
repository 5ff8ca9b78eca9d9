import ArgumentParser
import Foundation
import VickreyConfig
import VickreyCore
import VickreyStore
import VickreyWire

/// `--db PATH`, shared by every command that touches the database.
struct StoreOptions: ParsableArguments {
    @Option(
        name: .customLong("db"),
        help: ArgumentHelp(
            "SQLite database file or postgres://USER[:PASSWORD]@HOST[:PORT]/DBNAME URL (default: db.path from the config file).",
            valueName: "path|url"))
    var databasePath: String?

    /// `--db`, or the configured location.
    func databasePath() async throws -> String {
        if let databasePath { return databasePath }
        return try await Configured.settings().databasePath
    }

    /// Opens the store at `--db`, or at the configured location.
    func open() async throws -> Store {
        let path = try await databasePath()
        do {
            return try await Store.open(StoreLocation(path))
        } catch {
            throw CommandFailure(message: error.message, exitCode: CommandFailure.refused)
        }
    }
}

/// `--since TIME`, on the ledger's export and report: only events at or after it.
struct SinceOption: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Only events at or after this RFC 3339 time (an export from here is partial: verify it with --partial).", valueName: "time"))
    var since: String?

    func instant() throws -> Instant? {
        guard let since else { return nil }
        guard let parsed = RFC3339.parse(since) else {
            throw CommandFailure.usage("--since: '\(since)' is not an RFC 3339 time like 2026-11-01T00:00:00Z")
        }
        return parsed
    }
}

/// `--json`, on every read command.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print JSON instead of a table.")
    var json = false
}

extension StoreError {
    /// The command failure this store error means for a user.
    var commandFailure: CommandFailure {
        let code: Int32 =
            switch self.code {
            case .notFound, .unknownAdvertiser: CommandFailure.notFound
            case .rejected: CommandFailure.invalidData
            default: CommandFailure.refused
            }
        return CommandFailure(message: message, exitCode: code)
    }
}

extension StoreOptions {
    /// Opens the store, runs `body` with it and closes it, turning store errors into
    /// command failures (a command failure thrown inside a store call comes out as it is).
    func call<T>(_ body: (Store) async throws -> T) async throws -> T {
        let store = try await open()
        let result: Result<T, any Error>
        // Every change made here is the command line's in the audit log.
        do { result = .success(try await AuditActor.$current.withValue(.cli) { try await body(store) }) } catch {
            result = .failure(error)
        }
        await store.close()
        switch result {
        case .success(let value): return value
        case .failure(let error as StoreError):
            if error.code == .caller, let failure = error.underlying as? CommandFailure { throw failure }
            throw error.commandFailure
        case .failure(let error): throw error
        }
    }
}

/// The shared settings as `adctl` reads them (config file and environment), a failure to
/// read them a command failure that says so.
enum Configured {
    static func settings() async throws -> VickreySettings {
        do { return try await VickreySettings.load(environment: ProcessInfo.processInfo.environment) } catch {
            throw CommandFailure(message: "cannot read the configuration: \(error)", exitCode: CommandFailure.refused)
        }
    }
}

/// A command's input file argument: a path, or `-` for standard input.
enum InputFile {
    /// The whole file; "cannot read" (exit 3) when it is not there.
    static func read(_ path: String) throws -> Data {
        if path == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
        guard let contents = FileManager.default.contents(atPath: path) else {
            throw CommandFailure(message: "cannot read '\(path)'", exitCode: CommandFailure.notFound)
        }
        return contents
    }
}
