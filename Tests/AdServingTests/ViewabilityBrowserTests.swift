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
        let script = Process()
        script.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        script.arguments = [
            "python3", ConsoleBrowserTests.root.appendingPathComponent("Tests/Browser/viewability_browser.py").path, "--url", server.base,
            "--billing-token", ServerHarness.billingToken,
        ]
        let output = Pipe()
        script.standardOutput = output
        script.standardError = output
        try script.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        script.waitUntilExit()
        #expect(script.terminationStatus == 0, "the browser test failed:\n\(text)")
        #expect(text.contains("viewability: every step held"))
    }
}
