import ArgumentParser

/// `adctl`: the campaign admin CLI. It works on the SQLite database directly; a running
/// server picks up every change within a second.
public struct AdminCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "adctl",
        abstract: "Manage Vickrey advertisers, campaigns, signing keys and the billing ledger.",
        discussion: """
            Every command that touches the database takes --db PATH (default: db.path from \
            config/vickrey.json, overridden by the DB_PATH environment variable).

            Exit codes: 0 success; 1 refused (already exists, invalid state, conflict, database \
            error); 2 the ledger does not verify; 3 not found; 64 bad usage or flag value; \
            65 invalid import data.
            """,
        subcommands: [
            AdvertiserCommand.self, CampaignCommand.self, KeysCommand.self, LedgerCommand.self, ReportCommand.self, LeaseCommand.self,
            ExperimentCommand.self, ReplayCommand.self, ForecastCommand.self, APIKeyCommand.self, RatesCommand.self, BackupCommand.self,
            AuditCommand.self,
        ]
    )

    public init() {}

    /// Parses `arguments` (without the program name), runs the command and returns the
    /// exit code. `main.swift` and the tests both call this.
    public static func run(_ arguments: [String]) async -> Int32 {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return 0
        } catch let failure as CommandFailure {
            Console.error("error: " + TerminalText.safe(failure.message, keepingLineBreaks: true))
            for detail in failure.details { Console.error("  " + TerminalText.safe(detail)) }
            return failure.exitCode
        } catch {
            let code = exitCode(for: error).rawValue
            let message = fullMessage(for: error)
            if code == 0 { Console.print(message) } else { Console.error(message) }
            return code
        }
    }
}

/// A command that failed for a reason the user can act on, with the exit code scripts see.
struct CommandFailure: Error {
    var message: String
    var exitCode: Int32
    var details: [String] = []

    static let refused: Int32 = 1
    static let notFound: Int32 = 3
    static let usage: Int32 = 64
    static let invalidData: Int32 = 65

    static func usage(_ message: String) -> CommandFailure { CommandFailure(message: message, exitCode: usage) }
}
