import AdServing
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import VickreyBudget
import VickreyConfig
import VickreyCore
import VickreyTestSupport
import VickreyLedger
import VickreyStore
import VickreyYield

@Suite("Yield on a live server: experiment arms, learned CTR, the auction log")
struct YieldEndpointTests {
    let clock = ManualClock(Instant(secondsSinceEpoch: 1_795_780_000))

    static let experiment = Experiment(
        id: ExperimentID("floors")!, placements: [PlacementID("home_feed")!],
        arms: [
            ExperimentArm(name: ArmName("control")!, weight: 1),
            ExperimentArm(name: ArmName("high-floor")!, weight: 1, minimumFloor: Micros(1_000_000), increment: Micros(20_000)),
        ])

    /// The arm decides the price (a lone bidder pays the arm's floor), the explanation,
    /// the token and the ledger record (which still verifies); auction counts per arm
    /// survive a restart.
    @Test func anArmSetsThePriceAndReachesTheSignedLedgerAndTheCountsSurviveARestart() async throws {
        let clock = clock
        let harness = ServerHarness { $0.clock = clock }
        let store = try await Store.open(StoreLocation(harness.settings.shared.databasePath))
        _ = try await store.campaigns.importCampaigns([Campaigns.make("lone", advertiser: "a", bid: 2_000_000)])
        try await store.experiments.create(Self.experiment, at: clock.now())
        await store.close()

        @Sendable func expectedArm(_ user: String) -> ExperimentTag { Self.experiment.assignment(unitID: user) }
        let users = (0..<24).map { "user-\($0)" }
        #expect(Set(users.map { expectedArm($0).arm }).count == 2, "both arms should be drawn")
        let admin = try await harness.debugHeaders()
        try await harness.live { client in
            for user in users {
                let response = try await client.post(
                    "/v1/ads", json: #"{"user":{"id":"\#(user)"},"placements":[{"id":"home_feed"},{"id":"sidebar"}],"debug":true}"#,
                    headers: admin)
                let ad = try #require((response.object["ads"] as? [[String: Any]])?.first)
                let debug = try #require(((response.object["debug"] as? [String: Any])?["placements"] as? [[String: Any]]))
                let arm = expectedArm(user).arm.rawValue
                #expect(ad["clearing_ecpm_micros"] as? Int == (arm == "control" ? 10_000 : 1_000_000))
                #expect(debug[0]["experiment"] as? String == "floors")
                #expect(debug[0]["arm"] as? String == arm)
                #expect(debug[0]["increment_micros"] as? Int == (arm == "control" ? 10_000 : 20_000))
                #expect(debug[1]["experiment"] is NSNull, "sidebar is outside the experiment")
                let impression = try #require((ad["impression_url"] as? String).flatMap(URL.init(string:))?.path)
                #expect(try await client.get(impression).status == .ok)
            }
            let records = try await client.ledger()
            #expect(records.count == users.count)
            for (record, user) in zip(records, users) {
                let tag = expectedArm(user)
                #expect(record["experiment"] as? String == "floors")
                #expect(record["arm"] as? String == tag.arm.rawValue)
                #expect(record["unit_bucket"] as? Int == tag.bucket)
                #expect(record["charge_nanos"] as? Int == (tag.arm.rawValue == "control" ? 10_000 : 1_000_000))
            }
            let keys = try JWKS.decode(Data(try await client.get("/.well-known/jwks.json").body.readableBytesView))
            var verifier = LedgerVerifier(keys: keys)
            for object in records {
                verifier.check(
                    try LedgerExport.parse(jsonLine: String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)))
            }
            #expect(verifier.problems.isEmpty && verifier.verifiedCount == users.count)
        }
        // The graceful shutdown flushed the counts; a second run adds to them.
        try await harness.live { client in
            for user in users.prefix(6) {
                _ = try await client.post("/v1/ads", json: #"{"user":{"id":"\#(user)"},"placements":[{"id":"home_feed"}]}"#)
            }
        }
        let reopened = try await Store.open(StoreLocation(harness.settings.shared.databasePath))
        let tallies = try await reopened.experiments.tallies(Self.experiment.id)
        let delivery = try await reopened.experiments.delivery(Self.experiment.id)
        await reopened.close()
        var expected: [String: Int64] = [:]
        for user in users + users.prefix(6) { expected[expectedArm(user).arm.rawValue, default: 0] += 1 }
        var counted: [String: Int64] = [:]
        for tally in tallies { counted[tally.arm.rawValue, default: 0] += tally.auctions }
        #expect(counted == expected)
        let report = ExperimentReport(
            experiment: StoredExperiment(experiment: Self.experiment, createdAt: clock.now(), stoppedAt: nil), tallies: tallies,
            delivery: delivery)
        let control = report.arms[0]
        #expect(control.fills == control.auctions)
        #expect(control.impressions == Int64(users.filter { expectedArm($0).arm.rawValue == "control" }.count))
        #expect(control.revenue.value == 10_000 * control.impressions)
    }

    /// A CPC campaign scores with the prior until it has recorded impressions; after a
    /// restart it scores (and prices clicks) with the rate learned from the ledger.
    @Test func aRestartedServerScoresWithTheCTRLearnedFromTheLedger() async throws {
        let clock = clock
        let harness = ServerHarness {
            $0.clock = clock
            $0.shared.ctrPriorWeight = 10
        }
        _ = try await harness.store().importCampaigns([
            Campaigns.make("cpc", advertiser: "a", bid: 1_000_000, pricing: .cpc, ctr: 50_000)
        ])
        let admin = try await harness.debugHeaders()
        try await harness.live { client in
            for request in 0..<20 {
                let response = try await client.post(
                    "/v1/ads", json: #"{"request_id":"r-\#(request)","placements":[{"id":"home_feed"}],"debug":true}"#, headers: admin)
                if request == 0 {
                    let candidate = try #require(Self.candidates(response).first)
                    let ctr = try #require(candidate["ctr"] as? [String: Any])
                    #expect(ctr["prior_ppm"] as? Int == 50_000 && ctr["learned_ppm"] as? Int == 50_000 && ctr["impressions"] as? Int == 0)
                    #expect(candidate["score_micros"] as? Int == 50_000_000)  // 1_000_000 × 50_000 / 1000
                }
                let ad = try #require((response.object["ads"] as? [[String: Any]])?.first)
                let impression = try #require((ad["impression_url"] as? String).flatMap(URL.init(string:))?.path)
                #expect(try await client.get(impression).status == .ok)
            }
        }
        try await harness.live { client in
            let response = try await client.post("/v1/ads", json: #"{"placements":[{"id":"home_feed"}],"debug":true}"#, headers: admin)
            let candidate = try #require(Self.candidates(response).first)
            let ctr = try #require(candidate["ctr"] as? [String: Any])
            // 20 impressions, no clicks, prior 5% worth 10: (0 + 50_000 × 10) / 30 = 16_667 ppm.
            #expect(ctr["learned_ppm"] as? Int == 16_667)
            #expect(ctr["impressions"] as? Int == 20 && ctr["clicks"] as? Int == 0 && ctr["prior_weight"] as? Int == 10)
            #expect(candidate["score_micros"] as? Int == 16_667_000)
            // A lone bidder pays the 10_000 floor: per click 10_000 × 1000 / 16_667 = 599 micros.
            let ad = try #require((response.object["ads"] as? [[String: Any]])?.first)
            #expect(ad["price_micros"] as? Int == 599)
        }
    }

    static func candidates(_ response: TestResponse) -> [[String: Any]] {
        (((response.object["debug"] as? [String: Any])?["placements"] as? [[String: Any]])?.first?["candidates"] as? [[String: Any]]) ?? []
    }

    /// Every auction of a real run is logged (sample rate 1); replaying the log with the
    /// logged parameters reproduces every winner and price, and a higher floor changes them.
    @Test func replayingARealLogReproducesEveryWinnerAndPrice() async throws {
        let clock = clock
        let harness = ServerHarness {
            $0.clock = clock
            $0.auctionLogSamplePPM = 1_000_000
        }
        let logPath = harness.directory.appendingPathComponent("auctions.jsonl").path
        let configured = ServerHarness {
            $0 = harness.settings
            $0.auctionLogPath = logPath
        }
        var campaigns: [Campaign] = []
        for index in 0..<12 {
            // Advertisers repeat (never second-priced against themselves), scores tie in pairs
            // (ties broken by the request id), one CPC campaign among them.
            campaigns.append(
                Campaigns.make(
                    "c\(index)", advertiser: "adv\(index % 4)", bid: 300_000 + Int64(index / 2) * 150_000,
                    targeting: Targeting(keywords: index % 3 == 0 ? [] : [Keyword(index % 3 == 1 ? "sports" : "food")!])))
        }
        campaigns.append(Campaigns.make("cpc", advertiser: "adv9", bid: 40_000_000, pricing: .cpc, ctr: 20_000))
        _ = try await configured.store().importCampaigns(campaigns)
        try await configured.live { client in
            for request in 0..<60 {
                let keyword = ["sports", "food", "news"][request % 3]
                let floor = request % 5 == 0 ? #","floor_micros":900000"# : ""
                _ = try await client.post(
                    "/v1/ads",
                    json:
                        #"{"request_id":"r-\#(request)","keywords":["\#(keyword)"],"placements":[{"id":"home_feed"\#(floor)},{"id":"sidebar"}]}"#
                )
            }
        }
        let text = try String(contentsOfFile: logPath, encoding: .utf8)
        let lines = try text.split(separator: "\n").map { try AuctionLogLine(json: Array($0.utf8)) }
        #expect(lines.count == 120)
        #expect(lines.contains { $0.record.candidates.count >= 4 && $0.record.winner != nil })
        let logged = Replay.run(lines, grid: [Replay.Parameters()])[0]
        #expect(logged.changed == 0)
        #expect(logged.replayedFills == logged.loggedFills && logged.replayedRevenue == logged.loggedRevenue)
        #expect(logged.loggedFills > 60)
        let higher = Replay.run(lines, grid: [Replay.Parameters(minimumFloor: Micros(1_000_000))])[0]
        #expect(higher.changed > 0 && higher.replayedFills < logged.loggedFills)
    }
}
