import Foundation
#if canImport(Glibc)
    import Glibc
#endif
import LoadTestKit
import Testing
import VickreyCore
import VickreyStore
import VickreyWire

/// The harness against the real `adserver` executable: both loop modes, beacons, and
/// the invariant checks over what the run wrote to the ledger.
@Suite("loadtest against a live adserver")
struct LiveHarnessTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("loadtest-live-\(UUID().uuidString)")

    @Test func bothModesRunCleanlyAndTheInvariantsHold() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let binary = root.appendingPathComponent(".build/debug/adserver").path
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build the adserver executable first (swift build)")
        let scenario = Scenario(
            name: "live", seed: 5, campaigns: 200, mode: .open, rate: 300, durationSeconds: 2, connections: 8,
            beacons: .init(impressionShare: 0.9, clickShare: 0.1, delayMilliseconds: 5)
        )
        let generator = TrafficGenerator(scenario)
        let database = directory.appendingPathComponent("db.sqlite").path
        let campaigns = try generator.campaignLines().split(separator: UInt8(ascii: "\n")).map {
            try CampaignDocument.decode(Data($0)).flatMap { $0.campaign() }.get()
        }
        _ = try await Store.open(.sqlite(path: database)).campaigns.importCampaigns(campaigns)

        // A random port may be taken: a server that exits at once is retried on another.
        var started: (process: Process, target: LoadRunner.Target)?
        for _ in 0..<3 where started == nil {
            let port = Int.random(in: 20_000..<60_000)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = [
                "--port", "\(port)", "--db", database, "--keys", directory.appendingPathComponent("keys").path, "--no-seed",
            ]
            var environment = ProcessInfo.processInfo.environment
            environment["LEDGER_BEARER_TOKEN"] = "live-harness-billing-token"
            process.environment = environment
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let target = LoadRunner.Target(host: "127.0.0.1", port: port)
            for _ in 0..<200 where process.isRunning {
                if (try? await LedgerReader(target: target, billingToken: "live-harness-billing-token").lastSeq()) == 0 {
                    started = (process, target)
                    break
                }
                try await Task.sleep(for: .milliseconds(25))
            }
            if started == nil {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }
        let (process, target) = try #require(started, "the adserver never answered")
        defer {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        let reader = LedgerReader(target: target, billingToken: "live-harness-billing-token")

        let open = try await LoadRunner(target: target, generator: generator).run(mode: .open)
        #expect(open.stats.errors.isEmpty, "\(open.stats.errors)")
        #expect(open.stats.completed[.native, default: 0] + open.stats.completed[.openrtb, default: 0] == 600)
        #expect(open.stats.filledPlacements > 300)
        #expect(open.stats.beaconsAnswered > 250)

        let closed = try await LoadRunner(target: target, generator: generator).run(mode: .closed, durationSeconds: 1)
        #expect(closed.stats.errors.isEmpty, "\(closed.stats.errors)")
        #expect(closed.stats.adRequests > 100)

        let ledger = try await reader.read()
        let report = InvariantChecker.check(
            records: ledger.records, keys: ledger.keys, lastSeqBeforeRun: 0,
            beaconsAccepted: open.stats.beaconsAnswered + closed.stats.beaconsAnswered, budgets: ledger.budgets
        )
        #expect(report.passed, "\(report.summary)")
    }
}
