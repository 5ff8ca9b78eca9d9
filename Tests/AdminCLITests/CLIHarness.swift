import AdminCLI
import Foundation
import VickreyStore

/// Runs real `adctl` argument lists against a temporary database (a SQLite file of its
/// own, or the `--db` given) and keeps the output.
final class CLIHarness: Sendable {
    let directory: URL
    private let database: String?
    /// What every command gets as `--db`.
    var databasePath: String { database ?? directory.appendingPathComponent("vickrey.sqlite").path }

    init(database: String? = nil) {
        self.database = database
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("adctl-test-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    struct Result {
        var status: Int32
        var output: String
        var error: String
    }

    /// Runs `adctl ARGUMENTS --db <temporary database>`.
    func run(_ arguments: [String], database: Bool = true) async -> Result {
        let captured = CapturedConsole()
        let status = await Console.$current.withValue(captured.console) {
            await AdminCommand.run(arguments + (database ? ["--db", databasePath] : []))
        }
        return Result(status: status, output: captured.standardOutput, error: captured.standardError)
    }

    func run(_ words: String...) async -> Result { await run(words) }

    func file(_ name: String, _ contents: String) -> String {
        let path = directory.appendingPathComponent(name).path
        FileManager.default.createFile(atPath: path, contents: Data(contents.utf8))
        return path
    }

    func store() async throws -> any CampaignStore { try await Store.open(StoreLocation(databasePath)).campaigns }

    func ledger() async throws -> any LedgerStore { try await Store.open(StoreLocation(databasePath)).ledger }
}
