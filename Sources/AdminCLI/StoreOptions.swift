import ArgumentParser
import Foundation
import VickreyConfig
import VickreyStore

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

/// `--json`, on every read command.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print JSON instead of a table.")
    var json = false
}

extension StoreError {
    /// The command failure this store error means for a user.
    var commandFailure: CommandFailure {
        let code: Int32 = switch self.code {
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
