import Foundation
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

        let server = try await LiveServer.start(database: database, directory: directory)
        defer { server.stop() }
        let target = server.target
        let reader = server.ledger

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
