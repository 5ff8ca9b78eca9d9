import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `adctl … | head`: a reader that goes away is not an error for any executable. The
/// command finishes with its own exit status (never SIGPIPE's 141, never a crash), and
/// the server keeps serving when nobody reads its log.
@Suite("Every executable survives a closed pipe")
struct ClosedPipeTests {
    static let adctl = BuiltExecutable(name: "adctl")
    static let loadtest = BuiltExecutable(name: "loadtest")
    static let adserver = BuiltExecutable(name: "adserver")

    @Test func adctlFinishesWithItsOwnStatus() throws {
        try #require(Self.adctl.isBuilt, "build the executables first (swift build)")
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let db = folder.path("db.sqlite")
        try #require(try Self.adctl.output(["advertiser", "create", "acme", "--name", "Acme", "--db", db]).ending == .exit(0))
        for id in ["alpha", "beta", "gamma"] {
            let created = try Self.adctl.output([
                "campaign", "create", id, "--advertiser", "acme", "--name", "Campaign \(id)", "--bid", "1.50", "--total-budget", "100",
                "--creative", "id=\(id)-1,size=300x250,image=https://cdn.acme.example/\(id).png,click=https://acme.example/", "--db", db,
            ])
            try #require(created.ending == .exit(0), "\(created)")
        }
        #expect(try Self.adctl.runWithClosedOutput(["campaign", "list", "--db", db]) == .exit(0))
        #expect(try Self.adctl.runWithClosedOutput(["campaign", "list", "--json", "--db", db]) == .exit(0))
        #expect(try Self.adctl.runWithClosedOutput(["campaign", "export", "--db", db]) == .exit(0))
        #expect(try Self.adctl.runWithClosedOutput(["--help"]) == .exit(0))
        // A failure keeps its status: scripts with `set -o pipefail` still see it.
        #expect(try Self.adctl.runWithClosedOutput(["campaign", "show", "missing", "--db", db]) == .exit(3))
    }

    @Test func loadtestFinishesWithItsOwnStatus() throws {
        try #require(Self.loadtest.isBuilt, "build the executables first (swift build)")
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let scenario = folder.path("tiny.json")
        try Data(
            #"""
            {"name": "tiny", "seed": 1, "campaigns": 500, "mode": "open", "rate": 10, "duration_seconds": 1, "connections": 1,
             "mix": {"native": 1, "openrtb": 0}, "beacons": {"impression_share": 0, "click_share": 0, "delay_ms": 0}}
            """#.utf8
        ).write(to: URL(fileURLWithPath: scenario))
        #expect(try Self.loadtest.runWithClosedOutput(["generate", scenario]) == .exit(0))
        #expect(try Self.loadtest.runWithClosedOutput(["--help"]) == .exit(0))
        #expect(try Self.loadtest.runWithClosedOutput(["generate", folder.path("missing.json")]) == .exit(64))
    }

    @Test func adserverKeepsServingWhenNobodyReadsItsLog() async throws {
        try #require(Self.adserver.isBuilt, "build the executables first (swift build)")
        let folder = try ScratchFolder()
        defer { folder.remove() }
        var served = false
        // A random port may be taken: a server that exits at once is retried on another.
        for _ in 0..<3 where !served {
            let port = Int.random(in: 20_000..<32_000)
            let server = try Self.adserver.startWithClosedOutput([
                "--port", "\(port)", "--db", folder.path("db.sqlite"), "--keys", folder.path("keys"),
            ])
            defer {
                kill(server.processIdentifier, SIGKILL)
                server.waitUntilExit()
            }
            for _ in 0..<200 where server.isRunning {
                if await httpStatus("http://127.0.0.1:\(port)/readyz") == 200 {
                    served = true
                    break
                }
                try await Task.sleep(for: .milliseconds(25))
            }
            guard served else { continue }
            // The start-up lines went nowhere; more requests, more log lines: still serving.
            for _ in 0..<20 { #expect(await httpStatus("http://127.0.0.1:\(port)/healthz") == 200) }
            #expect(server.isRunning)
            kill(server.processIdentifier, SIGTERM)
            for _ in 0..<200 where server.isRunning { try await Task.sleep(for: .milliseconds(25)) }
            #expect(!server.isRunning)
            #expect(server.terminationReason == .exit && server.terminationStatus == 0, "a graceful stop")
        }
        #expect(served, "the adserver never answered")
    }
}
