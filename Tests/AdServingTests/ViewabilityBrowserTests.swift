import Foundation
import Testing
import VickreyCore
import VickreyStore

/// Viewability measured in a real browser: the OpenRTB markup's script in headless
/// Chromium (`Tests/Browser/viewability_browser.py`) against the real `adserver`. Skipped,
/// saying so, only where Chromium, its driver or Selenium is not installed.
@Suite("Viewability in headless Chromium")
struct ViewabilityBrowserTests {
    @Test(
        .enabled(
            if: ConsoleBrowserTests.browserMissing == nil,
            "Chromium, chromium-driver or Selenium is missing: the browser test cannot run here"))
    func oneAdInViewIsViewableAndTheOthersAreNot() async throws {
        let binary = try #require(CrashRecoveryTests.serverBinary(), "build adserver first (swift build)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("viewability-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("vickrey.sqlite").path
        let store = try await Store.open(StoreLocation(database))
        _ = try await store.campaigns.importCampaigns([Campaigns.make("news", advertiser: "acme", bid: 2_000_000)])
        await store.close()

        let server = try await RunningServer.start(binary: binary, database: database, keys: directory.appendingPathComponent("keys").path)
        defer { server.kill() }
        let (status, text) = try Self.drive(
            "viewability_browser.py", ["--url", server.base, "--billing-token", ServerHarness.billingToken])
        #expect(status == 0, "the browser test failed:\n\(text)")
        #expect(text.contains("viewability: every step held"))
    }

    /// The example publisher page (`examples/web/`): the web tag fills its slots from
    /// another origin and measures them with the same code.
    @Test(
        .enabled(
            if: ConsoleBrowserTests.browserMissing == nil,
            "Chromium, chromium-driver or Selenium is missing: the browser test cannot run here"))
    func theExamplePageFillsItsSlotsAndCountsWhatIsSeen() async throws {
        let binary = try #require(CrashRecoveryTests.serverBinary(), "build adserver first (swift build)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("web-tag-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("vickrey.sqlite").path
        let store = try await Store.open(StoreLocation(database))
        _ = try await store.campaigns.importCampaigns([
            Campaigns.make("feed", advertiser: "acme", bid: 2_000_000, targeting: Targeting(placements: [PlacementID("home_feed")!])),
            Campaigns.make("side", advertiser: "zeta", bid: 1_500_000, targeting: Targeting(placements: [PlacementID("sidebar")!])),
        ])
        await store.close()
        let server = try await RunningServer.start(binary: binary, database: database, keys: directory.appendingPathComponent("keys").path)
        defer { server.kill() }
        let page = ConsoleBrowserTests.root.appendingPathComponent("examples/web/index.html").path
        let (status, text) = try Self.drive(
            "web_tag_browser.py", ["--url", server.base, "--billing-token", ServerHarness.billingToken, "--page", page])
        #expect(status == 0, "the browser test failed:\n\(text)")
        #expect(text.contains("web tag: every step held"))
    }

    /// Runs a script of `Tests/Browser` to its end; its exit status and output.
    static func drive(_ script: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", ConsoleBrowserTests.root.appendingPathComponent("Tests/Browser/\(script)").path] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }
}
