import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
#if canImport(Glibc)
    import Glibc
#endif
import Synchronization
import Testing
import VickreyCore
import VickreyLedger
import VickreySigning
import VickreyStore

/// Starts the real `adserver` executable, drives ads and beacons at it from several
/// tasks, kills it with SIGKILL in the middle of the stream three times, restarts it,
/// and then checks the money invariants against the database and the running server.
@Suite("Crash safety (kill -9)")
struct CrashRecoveryTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("adserver-crash-\(UUID().uuidString)")
    var databasePath: String { directory.appendingPathComponent("vickrey.sqlite").path }
    var keysPath: String { directory.appendingPathComponent("keys").path }

    /// Budgets of a few impressions or clicks each (a win reserves one at the bid), so the
    /// budget checks bite while the server dies.
    static let campaigns: [Campaign] = [
        Campaigns.make("alpha", advertiser: "a", bid: 2_000_000, totalBudget: 12_000),
        Campaigns.make("beta", advertiser: "b", bid: 1_500_000, totalBudget: 9_500),
        Campaigns.make("gamma", advertiser: "c", bid: 400_000, pricing: .cpc, ctr: 40_000, totalBudget: 1_200_000),
        Campaigns.make("delta", advertiser: "a", bid: 900_000, totalBudget: 1_000_000),
    ]

    @Test func killingTheServerMidStreamNeverChargesTwiceLosesAnAnsweredBeaconOrOverspends() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let binary = try #require(Self.serverBinary(), "build the adserver executable first (swift build)")
        _ = try await Store.open(.sqlite(path: databasePath)).campaigns.importCampaigns(Self.campaigns)
        let (keyring, _) = try SigningKeyring.loadOrCreate(directory: keysPath)
        let tokens = BeaconTokenCodec(keyring: keyring)
        /// `kind:impression_id` of a beacon path, read from its token.
        let key: @Sendable (String) -> String = { path in
            let parts = path.split(separator: "/")
            let token = try? tokens.decode(String(parts[parts.count - 1]), now: Instant(millisecondsSinceEpoch: 0)).get()
            return "\(parts[parts.count - 2]):\(token?.ad.impressionID ?? "?")"
        }
        let answered = AnsweredBeacons()
        var beaconPaths: [String] = []

        for round in 0..<3 {
            let server = try await RunningServer.start(binary: binary, database: databasePath, keys: keysPath)
            let target = 25 * (round + 1)
            let paths = try await withThrowingTaskGroup(of: [String].self) { group in
                for worker in 0..<6 {
                    group.addTask {
                        var seen: [String] = []
                        var index = 0
                        while answered.withLock({ $0.count }) < target, index < 200 {
                            index += 1
                            let floor = [10_000, 600_000, 1_000_000][(worker + index) % 3]
                            let body =
                                #"{"request_id":"r\#(round)-\#(worker)-\#(index)","user":{"id":"u\#(worker)"},"placements":[{"id":"home_feed","floor_micros":\#(floor)}]}"#
                            guard let ads = await server.ads(body) else { break }
                            for (impression, click) in ads {
                                seen.append(impression)
                                if await server.get(impression) == 200 { answered.withLock { _ = $0.insert(key(impression)) } }
                                if index % 4 == 0 {
                                    seen.append(click)
                                    if await server.get(click) == 302 { answered.withLock { _ = $0.insert(key(click)) } }
                                }
                            }
                        }
                        return seen
                    }
                }
                // Kill as soon as enough beacons were answered, while the workers are mid-request.
                group.addTask {
                    while answered.withLock({ $0.count }) < target { await Task.yield() }
                    server.kill()
                    return []
                }
                return try await group.reduce(into: [String]()) { $0 += $1 }
            }
            beaconPaths += paths
            await server.waitForExit()
        }
        #expect(answered.withLock { $0.count } >= 75)

        let ledger = try await Store.open(.sqlite(path: databasePath)).ledger
        func recordedKeys() async throws -> [String] {
            var keys: [String] = []
            try await ledger.forEachRecord { keys.append("\($0.event.kind.rawValue):\($0.event.impressionID)") }
            return keys
        }
        // Every beacon answered 2xx before a kill is in the ledger, and none is there twice.
        let before = try await recordedKeys()
        #expect(Set(before).count == before.count, "a beacon was recorded twice")
        let lost = answered.withLock { $0 }.subtracting(before)
        #expect(lost.isEmpty, "answered 2xx but not in the ledger: \(lost.sorted())")

        // Restart: replaying beacons from every round records only those never recorded.
        let server = try await RunningServer.start(binary: binary, database: databasePath, keys: keysPath)
        let replayed = Array(beaconPaths.shuffled().prefix(80))
        for path in replayed { _ = await server.get(path) }
        let after = try await recordedKeys()
        #expect(after.count - before.count == Set(replayed.map(key)).subtracting(before).count)
        #expect(Set(after).count == after.count, "a replay was recorded twice")

        // The chain verifies; spend never exceeds a budget; the server's spend is the ledger's.
        var verifier = LedgerVerifier(keys: PublicKeySet(keys: keyring.keys.mapValues(\.rawPublicKey)))
        var spend: [CampaignID: Nanos] = [:]
        try await ledger.forEachRecord { record in
            verifier.check(record)
            if record.event.billed { spend[record.event.campaignID, default: .zero] += record.event.charge }
        }
        #expect(verifier.problems.isEmpty, "the chain does not verify: \(verifier.problems)")
        #expect(verifier.verifiedCount == after.count)
        for campaign in Self.campaigns {
            let ledgerSpend = spend[campaign.id] ?? .zero
            #expect(ledgerSpend <= campaign.totalBudget.nanos, "\(campaign.id) overspent: \(ledgerSpend)")
            let live = await server.spentTotal(campaign.id.rawValue)
            #expect(live == ledgerSpend.value, "\(campaign.id): the server says \(live ?? -1), the ledger \(ledgerSpend.value)")
        }
        #expect(spend.values.reduce(.zero, +) > .zero)
        server.kill()
        await server.waitForExit()
    }

    static func serverBinary() -> String? {
        if let configured = ProcessInfo.processInfo.environment["ADSERVER_BINARY"] { return configured }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent(".build/debug/adserver").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }
}

/// The `adserver` executable in a child process, and a small HTTP client for it that
/// does not follow redirects.
final class RunningServer: Sendable {
    let process: Process
    let base: String
    private let session: URLSession

    private init(process: Process, port: Int) {
        self.process = process
        base = "http://127.0.0.1:\(port)"
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 5
        session = URLSession(configuration: configuration, delegate: NoRedirects(), delegateQueue: nil)
    }

    /// Starts the server and returns once `/readyz` answers 200.
    static func start(
        binary: String, database: String, keys: String, arguments: [String] = [], environment: [String: String] = [:]
    ) async throws -> RunningServer {
        // A random port may be taken: a server that exits at once is retried on another.
        for _ in 0..<3 {
            if let server = try await attempt(
                binary: binary, database: database, keys: keys, port: Int.random(in: 20_000..<32_000), arguments: arguments,
                environment: environment)
            {
                return server
            }
        }
        throw ServerDidNotStart()
    }

    private static func attempt(
        binary: String, database: String, keys: String, port: Int, arguments: [String], environment extra: [String: String]
    ) async throws -> RunningServer? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--port", "\(port)", "--db", database, "--keys", keys, "--no-seed"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["LEDGER_BEARER_TOKEN"] = ServerHarness.billingToken
        environment["VICKREY_CONFIG"] = nil
        environment.merge(extra) { _, new in new }
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let server = RunningServer(process: process, port: port)
        for _ in 0..<400 {
            if await server.get("/readyz") == 200 { return server }
            guard process.isRunning else { return nil }
            try await Task.sleep(for: .milliseconds(25))
        }
        server.kill()
        throw ServerDidNotStart()
    }

    struct ServerDidNotStart: Error {}

    func kill() {
        #if canImport(Glibc)
            Glibc.kill(process.processIdentifier, SIGKILL)
        #endif
    }

    /// Asks the server to stop (SIGTERM: a graceful shutdown) and waits until it has.
    func stop() async {
        process.terminate()
        await waitForExit()
    }

    func waitForExit() async {
        let process = process
        await Task.detached { process.waitUntilExit() }.value
    }

    /// The status of a GET, or nil when the server did not answer.
    func get(_ path: String, headers: [String: String] = [:]) async -> Int? {
        await fetch(path, headers: headers)?.status
    }

    /// The impression and click paths of each ad served, or nil when the server did not answer.
    func ads(_ body: String) async -> [(String, String)]? {
        guard let response = await fetch("/v1/ads", body: body), response.status == 200,
            let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any],
            let ads = object["ads"] as? [[String: Any]]
        else { return nil }
        return ads.compactMap { ad in
            guard let impression = (ad["impression_url"] as? String).flatMap(URL.init(string:))?.path,
                let click = (ad["click_url"] as? String).flatMap(URL.init(string:))?.path
            else { return nil }
            return (impression, click)
        }
    }

    /// The campaign's lifetime spend as the running server holds it.
    func spentTotal(_ campaign: String) async -> Int64? {
        guard
            let response = await fetch(
                "/v1/campaigns/\(campaign)/budget", headers: ["Authorization": "Bearer \(ServerHarness.billingToken)"]),
            let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any]
        else { return nil }
        return (object["spent_total_nanos"] as? NSNumber)?.int64Value
    }

    func fetch(_ path: String, body: String? = nil, headers: [String: String] = [:]) async -> (status: Int, body: Data)? {
        var request = URLRequest(url: URL(string: base + path)!)
        if let body {
            request.httpMethod = "POST"
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        guard let (data, response) = try? await session.data(for: request), let http = response as? HTTPURLResponse else { return nil }
        return (http.statusCode, data)
    }
}

/// Hands 3xx responses back instead of following them.
final class NoRedirects: NSObject, URLSessionTaskDelegate, Sendable {
    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse, newRequest request: URLRequest,
        completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}

/// The beacons the server answered 2xx, shared by the driving tasks.
final class AnsweredBeacons: Sendable {
    private let keys = Mutex<Set<String>>([])
    func withLock<T: Sendable>(_ body: (inout Set<String>) -> T) -> T { keys.withLock { body(&$0) } }
}
