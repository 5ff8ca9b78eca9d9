import Foundation
import Testing

/// The README's commands, and adctl.md's, run as written against a fresh database, in
/// order, in one shell: a newcomer's first hour. Three things differ from a reader's
/// terminal, and only these: the debug build stands in for `.build/release` (CI builds
/// once, in debug), the server listens on a free port instead of 8080 (and every
/// `localhost:8080` follows it), and curl fails on an HTTP error instead of printing it.
/// The build block only starts the server; the test-suite block is this suite; a line
/// holding `…` is a placeholder a reader fills in, and is not run.
@Suite("The documented commands work as written")
struct DocumentedCommandsTests {
    static let pages = ["README.md", "docs/adctl.md"]
    static let buildAndStart = "swift build -c release && .build/release/adserver"

    static var toolsPresent: Bool {
        ["/bin/bash", "/usr/bin/curl"].allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }
            && ["adserver", "adctl", "loadtest"].allSatisfy { BuiltExecutable(name: $0).isBuilt }
    }

    /// The `sh` blocks of a Markdown page, in order.
    static func shellBlocks(_ page: String) throws -> [String] {
        let text = try String(contentsOf: BuiltExecutable.root.appendingPathComponent(page), encoding: .utf8)
        var blocks: [String] = []
        var current: [Substring]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line == "```sh" {
                current = []
            } else if current != nil, line == "```" {
                blocks.append(current!.joined(separator: "\n"))
                current = nil
            } else {
                current?.append(line)
            }
        }
        return blocks
    }

    /// The whole walk as one script for bash.
    static func script(port: Int) throws -> String {
        var script = """
            set -euo pipefail
            curl() { command curl --fail-with-body "$@"; }

            """
        var started = false
        for page in pages {
            for block in try shellBlocks(page) {
                if block == buildAndStart {
                    script += """
                        .build/release/adserver > server.log 2>&1 &
                        server=$!
                        trap 'kill $server 2>/dev/null || true' EXIT
                        for _ in $(seq 1 400); do command curl -sf localhost:\(port)/readyz > /dev/null 2>&1 && break; sleep 0.05; done

                        """
                    started = true
                    continue
                }
                if block.contains("swift test") { continue }
                let lines = block.replacingOccurrences(of: "\\\n", with: " ").split(separator: "\n").filter { !$0.contains("…") }
                script += "echo '>>> \(page)'\n"
                script +=
                    lines.joined(separator: "\n").replacingOccurrences(of: "localhost:8080", with: "localhost:\(port)")
                    .replacingOccurrences(of: "127.0.0.1:8080", with: "127.0.0.1:\(port)") + "\n"
            }
        }
        precondition(started, "the README no longer starts the server with `\(buildAndStart)`")
        return script + "kill -TERM $server\nwait $server\n"
    }

    @Test(.enabled(if: toolsPresent, "needs bash, curl and the built executables (swift build)"))
    func aNewcomersFirstHour() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        // The reader's checkout: the configuration, and the build where the README says it is.
        let files = FileManager.default
        try files.createSymbolicLink(
            at: folder.url.appendingPathComponent("config"), withDestinationURL: BuiltExecutable.root.appendingPathComponent("config"))
        try files.createDirectory(at: folder.url.appendingPathComponent(".build"), withIntermediateDirectories: true)
        try files.createSymbolicLink(
            at: folder.url.appendingPathComponent(".build/release"),
            withDestinationURL: BuiltExecutable.root.appendingPathComponent(".build/debug"))

        // Below Linux's ephemeral range (32768–60999): a port there may be some outgoing
        // connection's local port, and the server's bind would fail.
        let port = Int.random(in: 20_000..<32_000)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", try Self.script(port: port)]
        process.currentDirectoryURL = folder.url
        process.environment = ProcessInfo.processInfo.environment.merging(["HTTP_PORT": "\(port)"]) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let log = (try? String(contentsOf: folder.url.appendingPathComponent("server.log"), encoding: .utf8)) ?? ""
        #expect(process.terminationStatus == 0, "\(text)\n--- server log ---\n\(log.suffix(3_000))")

        // What the README says the reader sees.
        #expect(text.contains(#""campaign_id":"umbrella-us""#), "the first request's winner, as the README shows it")
        #expect(text.contains(#""unfilled":["sidebar"]"#))
        #expect(text.contains("\n200\n"), "the impression beacon answered 200")
        #expect(text.contains("northwind-fall"))
        #expect(
            text.contains(#""campaign_id":"umbrella-us","advertiser_id":"umbrella","creative_id":"umbrella-mrec""#), "the billed record")
        #expect(text.contains("verified 1 records"))
    }
}
