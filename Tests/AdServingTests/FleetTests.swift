import Foundation
import Synchronization
import Testing
import VickreyCore
import VickreyLedger
import VickreyStore
import VickreyTestSupport
import VickreyWire

/// Two real `adserver` processes on one PostgreSQL database, driven over HTTP and
/// administered with the real `adctl`: what "Beyond one machine" promises.
@Suite("A fleet of two servers on PostgreSQL", .enabled(if: PostgresTestServer.isAvailable, "PostgreSQL is not installed"))
struct FleetTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-\(UUID().uuidString)")

    static let request = request("fleet")

    static func request(_ id: String) -> String {
        #"{"request_id":"\#(id)","user":{"id":"u-1"},"placements":[{"id":"home_feed","sizes":["300x250"]}]}"#
    }

    @Test func aCampaignServesEverywhereABeaconBillsOnceAndEveryChainVerifies() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try #require(CrashRecoveryTests.serverBinary(), "build the adserver executable first (swift build)")
        let adctl = URL(fileURLWithPath: server).deletingLastPathComponent().appendingPathComponent("adctl").path
        let database = try await TestDatabase(.postgres)
        let url = database.argument
        // Created and migrated on first use, by the first command that names it.
        #expect(try Self.run(adctl, ["advertiser", "create", "acme", "--db", url]).status == 0)

        let a = try await RunningServer.start(binary: server, database: url, keys: path("keys-a"), arguments: ["--server-id", "a"])
        let b = try await RunningServer.start(binary: server, database: url, keys: path("keys-b"), arguments: ["--server-id", "b"])
        defer {
            a.kill()
            b.kill()
        }

        // A second live process with a taken id is refused at start, saying why.
        let twin = try Self.run(server, ["--port", "0", "--db", url, "--keys", path("keys-twin"), "--no-seed", "--server-id", "a"])
        #expect(twin.status != 0)
        #expect(twin.output.contains("another live server already runs as --server-id a"), "\(twin.output)")

        // A campaign created through adctl anywhere serves from both servers within a second.
        let campaign = Campaigns.make("fleet-1", advertiser: "acme", bid: 2_000_000, totalBudget: 1_000_000_000)
        let file = path("campaigns.jsonl")
        FileManager.default.createFile(atPath: file, contents: try CampaignDocument.jsonLines([campaign]))
        let created = ContinuousClock.now
        #expect(try Self.run(adctl, ["campaign", "import", file, "--db", url]).status == 0)
        var served: [String: Duration] = [:]
        while served.count < 2, ContinuousClock.now - created < .seconds(3) {
            for (name, server) in [("a", a), ("b", b)] where served[name] == nil {
                if let ads = await server.ads(Self.request), !ads.isEmpty { served[name] = ContinuousClock.now - created }
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(served["a"].map { $0 < .seconds(1) } == true, "server a: \(String(describing: served["a"]))")
        #expect(served["b"].map { $0 < .seconds(1) } == true, "server b: \(String(describing: served["b"]))")

        // An ad served by a, its impression beacon fired at b: billed once, on b's chain;
        // the replay at a is a replay.
        let ad = try #require(await a.ads(Self.request)?.first)
        #expect(await b.get(ad.0) == 200)
        #expect(await a.get(ad.0) == 200)
        #expect(await b.get(ad.0) == 200)
        // And one the other way round, so both chains have a record.
        let other = try #require(await b.ads(Self.request)?.first)
        #expect(await a.get(other.0) == 200)

        let chains = try await Self.chains(a)
        #expect(chains == ["a": 1, "b": 1], "\(chains)")
        let records = try await database.with { store in
            var records: [String] = []
            for chain in try await store.ledger.chains() {
                try await store.ledger.forEachRecord(chain: chain.serverID, in: .all) {
                    records.append("\($0.serverID ?? "-"):\($0.event.impressionID):\($0.event.billed)")
                }
            }
            return records
        }
        #expect(records.count == 2, "\(records)")
        #expect(records.contains { $0.hasPrefix("b:") && $0.hasSuffix(":true") })

        // Both chains verify, with the keys every server registered in the database.
        let verified = try Self.run(adctl, ["ledger", "verify", "--db", url])
        #expect(verified.status == 0, "\(verified.output)")
        #expect(verified.output.contains("verified 2 records in 2 chain(s)"), "\(verified.output)")
        // Any server's JWKS lists both servers' keys.
        let jwks = try #require(await b.fetch("/.well-known/jwks.json"))
        let keyIDs = ((try JSONSerialization.jsonObject(with: jwks.body) as? [String: Any])?["keys"] as? [[String: Any]])?.compactMap {
            $0["kid"] as? String
        }
        #expect(keyIDs?.count == 2, "\(String(describing: keyIDs))")
    }

    @Test func aKilledServerLosesNoAcknowledgedBeaconAndContinuesItsChain() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try #require(CrashRecoveryTests.serverBinary(), "build the adserver executable first (swift build)")
        let database = try await TestDatabase(.postgres)
        let url = database.argument
        try await database.with { store in
            _ = try await store.campaigns.importCampaigns([
                Campaigns.make("steady", advertiser: "acme", bid: 1_000_000, totalBudget: 1_000_000_000_000)
            ])
        }
        // Slices of a thousand impressions, so the burst of 120 ads below fits b's first lease.
        let slices = ["LEASE_MINIMUM_SLICE_MICROS": "1000000"]
        let b = try await RunningServer.start(
            binary: server, database: url, keys: path("keys-b"), arguments: ["--server-id", "b"], environment: slices)
        defer { b.kill() }
        var a = try await RunningServer.start(
            binary: server, database: url, keys: path("keys-a"), arguments: ["--server-id", "a"], environment: slices)

        // Ads from b, their beacons fired at a from several tasks while a is killed.
        // Each ad's request id names it in the ledger.
        var requestOf: [String: String] = [:]
        for n in 0..<120 { if let ad = await b.ads(Self.request("k-\(n)"))?.first { requestOf[ad.0] = "k-\(n)" } }
        let beacons = Array(requestOf.keys)
        #expect(beacons.count == 120)
        let answered = AnsweredBeacons()
        let target = a
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<6 {
                group.addTask {
                    for path in stride(from: worker, to: beacons.count, by: 6).map({ beacons[$0] }) {
                        if await target.get(path) == 200 { answered.withLock { _ = $0.insert(path) } }
                    }
                }
            }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(150))
                target.kill()
            }
        }
        await a.waitForExit()
        let acknowledged = answered.withLock { $0 }
        let recorded = try await Self.recordedImpressions(database, chain: "a")
        #expect(acknowledged.count > 0 && acknowledged.count < beacons.count, "the kill did not land mid-stream")
        let ids = Set(acknowledged.compactMap { requestOf[$0] })
        #expect(ids.isSubset(of: Set(recorded.ids)), "answered 200 but not in a's chain: \(ids.subtracting(recorded.ids))")

        // Restarted under the same id, a continues its chain after the last committed record.
        a = try await RunningServer.start(
            binary: server, database: url, keys: path("keys-a"), arguments: ["--server-id", "a"], environment: slices)
        defer { a.kill() }
        for path in beacons { _ = await a.get(path) }
        let after = try await Self.recordedImpressions(database, chain: "a")
        #expect(after.seqs == Array(1...Int64(after.seqs.count)), "the chain has a gap or restarted")
        #expect(Set(after.ids).count == after.ids.count, "an impression was recorded twice")
        #expect(Set(after.ids) == Set(requestOf.values))
        let adctl = URL(fileURLWithPath: server).deletingLastPathComponent().appendingPathComponent("adctl").path
        let verified = try Self.run(adctl, ["ledger", "verify", "--db", url])
        #expect(verified.status == 0, "\(verified.output)")
    }

    /// The database disappears under a running server (its connections cut and the
    /// database renamed away, as an outage looks from the server): ads keep serving from
    /// the index, `/readyz` and `/metrics` say the database is unreachable, beacons are
    /// refused without charging; when it returns, a change made meanwhile reaches the index.
    @Test func aServerThatLosesItsDatabaseKeepsServingSaysSoAndCatchesUp() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try #require(CrashRecoveryTests.serverBinary(), "build the adserver executable first (swift build)")
        let database = try await TestDatabase(.postgres)
        guard case .postgres(let address) = database.location else { return }
        try await database.with { store in
            _ = try await store.campaigns.importCampaigns([Campaigns.make("first", advertiser: "acme", bid: 1_000_000)])
        }
        let a = try await RunningServer.start(
            binary: server, database: database.argument, keys: path("keys"), arguments: ["--server-id", "a"])
        defer { a.kill() }
        let ad = try #require(await a.ads(Self.request)?.first)

        let maintenance = "postgres://\(address.user)@\(address.host):\(address.port)/postgres"
        let away = address.database + "_away"
        var renamed = false
        for _ in 0..<50 where !renamed {
            _ = try Self.run(
                "/usr/bin/psql",
                [maintenance, "-Atc", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(address.database)'"])
            renamed =
                try Self.run("/usr/bin/psql", [maintenance, "-Atc", "ALTER DATABASE \(address.database) RENAME TO \(away)"]).status == 0
        }
        try #require(renamed, "could not take the database away")
        var status = try await Self.readiness(a)
        let lost = ContinuousClock.now
        while status.database != "unreachable", ContinuousClock.now - lost < .seconds(8) {
            try await Task.sleep(for: .milliseconds(50))
            status = try await Self.readiness(a)
        }
        #expect(status.code == 200 && status.database == "unreachable", "\(status)")
        let metrics = String(decoding: try #require(await a.fetch("/metrics")).body, as: UTF8.self)
        #expect(metrics.contains("vickrey_database_up 0"), "\(metrics.split(separator: "\n").filter { $0.contains("database") })")
        #expect(await a.ads(Self.request)?.isEmpty == false, "ads stopped while the database was away")
        #expect(await a.get(ad.0) == 503, "a beacon was answered without a durable record")

        // A change made while the server could not see the database.
        var moved = address
        moved.database = away
        try await Store.open(.postgres(moved)).campaigns.importCampaigns([Campaigns.make("second", advertiser: "acme", bid: 9_000_000)])
        var restored = false
        for _ in 0..<50 where !restored {
            _ = try Self.run(
                "/usr/bin/psql", [maintenance, "-Atc", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(away)'"])
            restored =
                try Self.run("/usr/bin/psql", [maintenance, "-Atc", "ALTER DATABASE \(away) RENAME TO \(address.database)"]).status == 0
        }
        try #require(restored, "could not bring the database back")
        let back = ContinuousClock.now
        var winner: String?
        while ContinuousClock.now - back < .seconds(5) {
            status = try await Self.readiness(a)
            winner = await Self.winningCampaign(a)
            if status.database == "ok", winner == "second" { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(status.database == "ok", "\(status)")
        #expect(winner == "second", "the change made during the outage never reached the index")
        #expect(await a.get(ad.0) == 200, "the beacon refused during the outage is taken once the database is back")
    }

    // MARK: Helpers

    /// `/readyz`'s status and its `database` field.
    static func readiness(_ server: RunningServer) async throws -> (code: Int, database: String?) {
        guard let response = await server.fetch("/readyz") else { return (0, nil) }
        let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any]
        return (response.status, object?["database"] as? String)
    }

    /// The campaign of the ad the server serves for `request`.
    static func winningCampaign(_ server: RunningServer) async -> String? {
        guard let response = await server.fetch("/v1/ads", body: request),
            let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any],
            let ads = object["ads"] as? [[String: Any]]
        else { return nil }
        return ads.first?["campaign_id"] as? String
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// The request ids and seqs of `chain`'s records, in order.
    static func recordedImpressions(_ database: TestDatabase, chain: String) async throws -> (ids: [String], seqs: [Int64]) {
        try await database.with { store in
            var ids: [String] = []
            var seqs: [Int64] = []
            try await store.ledger.forEachRecord(chain: chain, in: .all) {
                ids.append($0.event.requestID)
                seqs.append($0.seq)
            }
            return (ids, seqs)
        }
    }

    /// `GET /v1/ledger/chains` as server id → last seq.
    static func chains(_ server: RunningServer) async throws -> [String: Int64] {
        let response = try #require(
            await server.fetch("/v1/ledger/chains", headers: ["Authorization": "Bearer \(ServerHarness.billingToken)"]))
        let chains = (try JSONSerialization.jsonObject(with: response.body) as? [String: Any])?["chains"] as? [[String: Any]] ?? []
        return Dictionary(
            uniqueKeysWithValues: chains.compactMap { chain in
                (chain["server_id"] as? String).map { ($0, (chain["last_seq"] as? NSNumber)?.int64Value ?? 0) }
            })
    }

    /// Runs a command to completion: its exit status and what it printed.
    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["VICKREY_CONFIG"] = nil
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }
}
