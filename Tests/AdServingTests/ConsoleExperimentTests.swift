import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import VickreyConfig
import VickreyCore
import VickreyStore
import VickreyYield

@testable import AdServing

/// The console's experiments: started from a form, stopped by a button, and what a report
/// concludes called out in words.
@Suite("Console: experiments started, stopped and read")
struct ConsoleExperimentTests {
    static func experiments(_ harness: ServerHarness) async throws -> Store {
        try await Store.open(StoreLocation(harness.settings.shared.databasePath))
    }

    @Test func anExperimentIsStartedFromTheFormAndStoppedFromItsSection() async throws {
        let harness = ServerHarness()
        let keys = try await AdminAPITests.seed(harness)
        try await harness.test { client in
            let admin = try await ConsoleTests.signIn(client, key: keys[.admin]!)
            let empty = try await client.get("/console/experiments", headers: [.cookie: admin.cookie]).text
            #expect(empty.contains("No experiments yet") && empty.contains(#"id="start-experiment""#))
            let started = try await ConsoleCampaignFormTests.post(
                client, "/console/experiments", cookie: admin.cookie,
                [
                    "csrf": admin.csrf, "exp_id": "floors", "exp_placements": "home_feed, sidebar", "arm0_name": "control",
                    "arm0_weight": "50", "arm1_name": "high-floor", "arm1_weight": "50", "arm1_floor": "0.50", "arm1_multiplier": "1.2",
                ])
            #expect(started.status == .seeOther && started.headers[.location] == "/console/experiments#experiment-floors")
            let stored = try #require(try await Self.experiments(harness).experiments.experiment(ExperimentID("floors")!))
            #expect(stored.experiment.placements.map(\.rawValue) == ["home_feed", "sidebar"])
            #expect(stored.experiment.arms.map(\.name.rawValue) == ["control", "high-floor"])
            #expect(stored.experiment.arms[1].minimumFloor == Micros(500_000) && stored.experiment.arms[1].floorMultiplierPPM == 1_200_000)
            let page = try await client.get("/console/experiments", headers: [.cookie: admin.cookie]).text
            #expect(page.contains(#"<section id="experiment-floors">"#) && page.contains(#"id="stop-floors""#))
            #expect(page.contains(#"id="srm-floors""#) && page.contains("control 50 / high-floor 50"))

            let stopped = try await ConsoleCampaignFormTests.post(
                client, "/console/experiments/floors/stop", cookie: admin.cookie, ["csrf": admin.csrf])
            #expect(stopped.status == .seeOther)
            #expect(try await Self.experiments(harness).experiments.experiment(ExperimentID("floors")!)?.experiment.status == .stopped)
            let after = try await client.get("/console/experiments", headers: [.cookie: admin.cookie]).text
            #expect(!after.contains(#"id="stop-floors""#) && after.contains("stopped "))
            // Without the session's token nothing is stopped or started.
            #expect(
                try await ConsoleCampaignFormTests.post(client, "/console/experiments", cookie: admin.cookie, ["exp_id": "x"]).status
                    == .forbidden)
        }
    }

    @Test(arguments: [
        (["arm1_weight": "half"], "error-arm1_weight"), (["arm1_floor": "-1"], "error-arm1_floor"),
        (["exp_id": "bad id!"], "error-exp_id"), (["exp_placements": "home feed"], "error-exp_placements"),
        (["arm1_name": "", "arm1_weight": ""], "error-arm0_name"), (["arm1_name": "control"], "error-arm1_name"),
        (["exp_id": "taken"], "error-exp_id"),
    ])
    func aBadFormIsRefusedNextToItsField(change: [String: String], error: String) async throws {
        let harness = ServerHarness()
        let keys = try await AdminAPITests.seed(harness)
        let taken = Experiment(
            id: ExperimentID("taken")!, placements: [],
            arms: [ExperimentArm(name: ArmName("a")!, weight: 1), ExperimentArm(name: ArmName("b")!, weight: 1)])
        try await Self.experiments(harness).experiments.create(taken, at: Instant(secondsSinceEpoch: 1_795_000_000))
        try await harness.test { client in
            let admin = try await ConsoleTests.signIn(client, key: keys[.admin]!)
            var fields = [
                "csrf": admin.csrf, "exp_id": "fresh", "arm0_name": "control", "arm0_weight": "50", "arm1_name": "test",
                "arm1_weight": "50",
            ]
            fields.merge(change) { $1 }
            let refused = try await ConsoleCampaignFormTests.post(client, "/console/experiments", cookie: admin.cookie, fields)
            #expect(refused.status == .badRequest)
            let shown = refused.text.matches(of: /class="error" id="([^"]+)"/).map { String($0.output.1) }
            #expect(shown == [error], "\(change)")
            #expect(try await Self.experiments(harness).experiments.experiment(ExperimentID("fresh")!) == nil)
        }
    }

    /// A report over 128 buckets: the control arm earns `control` nanos per bucket from 100
    /// auctions, the other `test` nanos from `testAuctions` auctions (a little noise in each).
    static func report(control: Int64, test: Int64, testAuctions: Int64 = 100, controlAuctions: Int64 = 100) -> ExperimentReport {
        let experiment = Experiment(
            id: ExperimentID("floors")!, placements: [],
            arms: [ExperimentArm(name: ArmName("control")!, weight: 50), ExperimentArm(name: ArmName("high-floor")!, weight: 50)])
        var tallies: [ArmTally] = []
        var delivery: [ArmDelivery] = []
        for bucket in 0..<Experiment.buckets {
            for (arm, revenue, auctions) in [("control", control, controlAuctions), ("high-floor", test, testAuctions)] {
                let noise = Int64(bucket % 7) * revenue / 50
                tallies.append(
                    ArmTally(experimentID: experiment.id, arm: ArmName(arm)!, bucket: bucket, auctions: auctions, fills: auctions))
                delivery.append(
                    ArmDelivery(arm: ArmName(arm)!, bucket: bucket, impressions: auctions, clicks: 0, revenue: Nanos(revenue + noise)))
            }
        }
        return ExperimentReport(
            experiment: StoredExperiment(experiment: experiment, createdAt: Instant(secondsSinceEpoch: 0), stoppedAt: nil),
            tallies: tallies, delivery: delivery)
    }

    @Test func aSignificantArmAndABrokenSplitAreCalledOut() throws {
        let better = ConsoleController.callouts(Self.report(control: 1_000_000, test: 3_000_000), experimentID: "floors")
        #expect(
            better.contains(#"id="significant-floors-high-floor""#) && better.contains("high-floor earns more than control</strong>: RPM +")
        )
        #expect(better.contains("Sample ratio check passed") && !better.contains("callout warn"))

        let worse = ConsoleController.callouts(Self.report(control: 3_000_000, test: 1_000_000), experimentID: "floors")
        #expect(worse.contains("high-floor earns less than control</strong>: RPM -"))

        let same = ConsoleController.callouts(Self.report(control: 1_000_000, test: 1_000_000), experimentID: "floors")
        #expect(same.contains("No arm's RPM differs significantly from control's yet") && !same.contains("earns"))

        let empty = ConsoleController.callouts(
            Self.report(control: 0, test: 0, testAuctions: 0, controlAuctions: 0), experimentID: "floors")
        #expect(empty.contains("No auctions under this experiment yet") && !empty.contains("callout"))

        let broken = ConsoleController.callouts(Self.report(control: 1_000_000, test: 3_000_000, testAuctions: 60), experimentID: "floors")
        #expect(broken.contains(#"<p class="callout warn" id="srm-floors"><strong>Sample ratio mismatch.</strong>"#))
        #expect(broken.contains("(most of all high-floor)") && !broken.contains("earns more"))
    }
}
