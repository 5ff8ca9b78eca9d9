import Foundation
#if canImport(Glibc)
    import Glibc
#endif
import LoadTestKit

/// The real `adserver` executable, started on a random free port over a database the
/// test prepared, and killed when the test is done.
struct LiveServer {
    static let billingToken = "live-harness-billing-token"

    let process: Process
    let target: LoadRunner.Target
    var ledger: LedgerReader { LedgerReader(target: target, billingToken: Self.billingToken) }

    struct NotStarted: Error, CustomStringConvertible {
        var description: String
    }

    /// Starts the server built by `swift build` over `database`, with its keys in `directory`.
    static func start(database: String, directory: URL, arguments: [String] = []) async throws -> LiveServer {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let binary = root.appendingPathComponent(".build/debug/adserver").path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw NotStarted(description: "build the adserver executable first (swift build)")
        }
        // A random port may be taken: a server that exits at once is retried on another.
        for _ in 0..<3 {
            let port = Int.random(in: 20_000..<60_000)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments =
                ["--port", "\(port)", "--db", database, "--keys", directory.appendingPathComponent("keys").path, "--no-seed"] + arguments
            var environment = ProcessInfo.processInfo.environment
            environment["LEDGER_BEARER_TOKEN"] = billingToken
            process.environment = environment
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let server = LiveServer(process: process, target: LoadRunner.Target(host: "127.0.0.1", port: port))
            for _ in 0..<200 where process.isRunning {
                if (try? await server.ledger.lastSeq()) == 0 { return server }
                try await Task.sleep(for: .milliseconds(25))
            }
            server.stop()
        }
        throw NotStarted(description: "the adserver never answered")
    }

    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
