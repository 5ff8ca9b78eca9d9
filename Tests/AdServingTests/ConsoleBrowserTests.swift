import Foundation
import Testing
import VickreyCore
import VickreyStore
import VickreySynthetic
import VickreyYield

/// The console in a real browser: headless Chromium driven by Selenium
/// (`Tests/Browser/console_browser.py`) against the real `adserver`. Skipped, saying so,
/// only where Chromium, its driver or Selenium is not installed (`.ci/run` installs them).
@Suite("Web console in headless Chromium")
struct ConsoleBrowserTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var browserMissing: String? {
        for tool in ["/usr/bin/chromium", "/usr/bin/chromedriver"] where !FileManager.default.isExecutableFile(atPath: tool) {
            return "\(tool) is not installed (apt-get install chromium chromium-driver)"
        }
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", "-c", "import selenium"]
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return "python3 is not installed" }
        probe.waitUntilExit()
        return probe.terminationStatus == 0 ? nil : "Selenium is not installed (pip install selenium)"
    }

    @Test(.enabled(if: browserMissing == nil, "Chromium, chromium-driver or Selenium is missing: the browser test cannot run here"))
    func signInCreateServePauseAndStayInvisibleToAnotherAdvertiser() async throws {
        let binary = try #require(CrashRecoveryTests.serverBinary(), "build adserver first (swift build)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("console-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("vickrey.sqlite").path
        let store = try await Store.open(StoreLocation(database))
        try await store.campaigns.createAdvertiser(Advertiser(id: AdvertiserID("acme")!, name: "Acme"))
        var brand = Campaigns.make(
            "acme-brand", advertiser: "acme", bid: 1_200_000, targeting: Targeting(placements: [PlacementID("sidebar")!]))
        brand.name = "Acme brand, evenly paced"
        brand.pacing = .even
        brand.dailyBudget = Micros(20_000_000)
        _ = try await store.campaigns.importCampaigns([
            brand,
            Campaigns.make(
                "acme-cpc", advertiser: "acme", bid: 400_000, targeting: Targeting(placements: [PlacementID("footer")!]), pricing: .cpc,
                ctr: 20_000),
            Campaigns.make("zeta-own", advertiser: "zeta", bid: 500_000, targeting: Targeting(placements: [PlacementID("sidebar")!])),
        ])
        // 10,000 more campaigns of 20 advertisers on a placement nobody asks for: the list
        // is walked in the browser at the size ad-ops teams run.
        _ = try await store.campaigns.importCampaigns(
            (0..<10_000).map { number in
                Campaigns.make(
                    String(format: "bulk-%05d", number), advertiser: "bulk-\(number % 20)", bid: 100_000 + Int64(number) * 100,
                    targeting: Targeting(placements: [PlacementID("archive")!]))
            })
        try await store.experiments.create(
            Experiment(
                id: ExperimentID("sidebar-floors")!, placements: [PlacementID("sidebar")!],
                arms: [
                    ExperimentArm(name: ArmName("control")!, weight: 1),
                    ExperimentArm(name: ArmName("high-floor")!, weight: 1, minimumFloor: Micros(500_000)),
                ]), at: Instant(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)))
        let now = Instant(secondsSinceEpoch: Int64(Date().timeIntervalSince1970))
        // A standard line item two hours into its flight, and four weeks of sampled requests
        // beside the database to forecast its availability from.
        var goal = Campaigns.make(
            "acme-goal", advertiser: "acme", bid: 2_000_000, targeting: Targeting(placements: [PlacementID("header")!]))
        goal.start = now.adding(seconds: -7_200)
        goal.end = now.adding(seconds: 5 * 86_400)
        goal.lineItem = LineItemTerms(delivery: .standard(goal: 1_000, pace: .even), rate: Micros(2_000_000))
        _ = try await store.campaigns.importCampaigns([goal])
        let sampleStart = Instant(secondsSinceEpoch: (now.secondsSinceEpoch - 29 * 86_400) / 3_600 * 3_600)
        let sample = SyntheticTraffic(requestsPerWeek: 5_000, weeks: 4, start: sampleStart).requests().map { request in
            var query = request.query
            query.placement = PlacementID("header")!
            return SampledRequest(time: request.time, query: query).json
        }
        try (sample.joined(separator: "\n") + "\n").write(
            toFile: directory.appendingPathComponent("request-sample.jsonl").path, atomically: true, encoding: .utf8)
        let (adminKey, adminRecord) = APIKeyMaterial.generate(role: .admin, advertiserID: nil, label: "browser", at: now)
        let (zetaKey, zetaRecord) = APIKeyMaterial.generate(role: .advertiser, advertiserID: AdvertiserID("zeta")!, label: "zeta", at: now)
        try await store.apiKeys.create(adminRecord)
        try await store.apiKeys.create(zetaRecord)
        await store.close()

        let server = try await RunningServer.start(
            binary: binary, database: database, keys: directory.appendingPathComponent("keys").path)
        defer { server.kill() }
        func drive() throws -> (status: Int32, output: String) {
            let script = Process()
            script.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            var arguments = [
                "python3", Self.root.appendingPathComponent("Tests/Browser/console_browser.py").path, "--url", server.base, "--admin-key",
                adminKey, "--other-key", zetaKey,
            ]
            if let screenshots = ProcessInfo.processInfo.environment["CONSOLE_SCREENSHOTS"] { arguments += ["--screenshots", screenshots] }
            script.arguments = arguments
            let output = Pipe()
            script.standardOutput = output
            script.standardError = output
            try script.run()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            script.waitUntilExit()
            return (script.terminationStatus, text)
        }
        let (status, text) = try drive()
        #expect(status == 0, "the browser test failed:\n\(text)")
        #expect(text.contains("console: every step held"))
    }
}
