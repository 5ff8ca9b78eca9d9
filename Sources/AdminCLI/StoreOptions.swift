import ArgumentParser
import Foundation
import VickreyConfig
import VickreyCore
import VickreyStore
import VickreyWire

/// `--db PATH`, shared by every command that touches the database.
struct StoreOptions: ParsableArguments {
    @Option(name: .customLong("db"), help: ArgumentHelp("SQLite database file (default: db.path from the config file).", valueName: "path"))
    var databasePath: String?

    /// Opens the store at `--db`, or at the configured path.
    func open() async throws -> CampaignStore {
        let path: String
        if let databasePath {
            path = databasePath
        } else {
            do {
                path = try await VickreySettings.load(environment: ProcessInfo.processInfo.environment).databasePath
            } catch {
                throw CommandFailure(message: "cannot read the configuration: \(error)", exitCode: CommandFailure.refused)
            }
        }
        do {
            return try CampaignStore(path: path)
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

/// Runs a store call, turning its errors into command failures.
func storeCall<T>(_ body: () throws(StoreError) -> T) throws(CommandFailure) -> T {
    do { return try body() } catch {
        if error.code == .caller, let failure = error.underlying as? CommandFailure { throw failure }
        throw error.commandFailure
    }
}
