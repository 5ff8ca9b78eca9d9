import Crypto
import Foundation
import Testing
import VickreyCore
import VickreyLedger
import VickreyStore

@Suite("adctl experiment, replay and the learned CTR in campaign show")
struct YieldCommandTests {
    let cli = CLIHarness()

    static let experiment = """
        {"id": "floors-q4", "status": "running", "unit": "user", "placements": ["home_feed"],
         "arms": [{"name": "control", "weight": 50},
                  {"name": "high-floor", "weight": 50, "minimum_floor_micros": 500000, "increment_micros": 20000,
                   "floor_multiplier_ppm": 1200000}]}
        """

    @Test func experimentCreateListShowReportStop() async throws {
        let file = cli.file("floors.json", Self.experiment)
        let created = await cli.run("experiment", "create", file)
        #expect(created.status == 0, "\(created.error)")
        #expect(created.output == "started experiment floors-q4 with arms control, high-floor\n")

        let list = await cli.run("experiment", "list")
        #expect(list.output.contains("floors-q4") && list.output.contains("running") && list.output.contains("control(50) high-floor(50)"))
        let shown = await cli.run("experiment", "show", "floors-q4", "--json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(shown.output.utf8)) as? [String: Any])
        #expect(object["status"] as? String == "running")
        #expect(((object["arms"] as? [[String: Any]])?.last?["floor_multiplier_ppm"]) as? Int == 1_200_000)

        // Another experiment on the same placement is refused, naming the one in the way.
        let overlapping = await cli.run(
            "experiment", "create", cli.file("other.json", Self.experiment.replacingOccurrences(of: "floors-q4", with: "other")))
        #expect(overlapping.status == 1)
        #expect(overlapping.error.contains("experiment 'floors-q4' is already running on placement 'home_feed'"))

        // Counts recorded by servers and revenue in the ledger make the report.
        let store = try await Store.open(StoreLocation(cli.databasePath))
        let id = ExperimentID("floors-q4")!
        try await store.experiments.addTallies(
            (0..<8).map {
                ArmTally(experimentID: id, arm: ArmName($0 % 2 == 0 ? "control" : "high-floor")!, bucket: $0, auctions: 10, fills: 9)
            })
        await store.close()
        let report = await cli.run("experiment", "report", "floors-q4", "--json")
        #expect(report.status == 0, "\(report.error)")
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(report.output.utf8)) as? [String: Any])
        let arms = try #require(parsed["arms"] as? [[String: Any]])
        #expect(arms.map { $0["auctions"] as? Int } == [40, 40])
        #expect(arms.map { $0["fill_rate_ppm"] as? Int } == [900_000, 900_000])
        #expect(arms[0]["rpm_difference_micros"] is NSNull && arms[1]["rpm_difference_micros"] as? Int == 0)
        #expect((parsed["sample_ratio"] as? [String: Any])?["mismatch"] as? Bool == false)
        let table = await cli.run("experiment", "report", "floors-q4")
        #expect(table.output.contains("sample ratio: ok") && table.output.contains("(baseline)"))

        #expect(await cli.run("experiment", "stop", "floors-q4").output == "stopped experiment floors-q4\n")
        let again = await cli.run("experiment", "stop", "floors-q4")
        #expect(again.status == 1 && again.error.contains("already stopped"))
        #expect(await cli.run("experiment", "report", "nope").status == 3)
    }

    @Test(arguments: [
        (#"{"id": "x", "arms": [{"name": "only", "weight": 1}]}"#, "arms"),
        (#"{"id": "x", "arms": [{"name": "a", "weight": 1}, {"name": "b", "weight": 0}]}"#, "arms[1].weight"),
        (#"{"id": "x", "arms": [{"name": "a", "weight": 1}, {"name": "a", "weight": 1}]}"#, "arms[1].name"),
        (#"{"id": "x y", "arms": []}"#, "id"),
        (#"{"id": "x", "status": "stopped", "arms": []}"#, "status"),
        (#"{"id": "x", "unit": "session", "arms": []}"#, "unit"),
        (
            #"{"id": "x", "arms": [{"name": "a", "weight": 1, "floor_multiplier_ppm": -1}, {"name": "b", "weight": 1}]}"#,
            "arms[0].floor_multiplier_ppm"
        ),
        (#"{"id": "x", "arms": [{"name": "a", "weight": 1, "bid": 3}, {"name": "b", "weight": 1}]}"#, "arms[0].bid"),
    ])
    func aBadExperimentIsRefusedNamingTheField(json: String, field: String) async {
        let result = await cli.run("experiment", "create", cli.file("bad.json", json))
        #expect(result.status == 65)
        #expect(result.error.contains("\(field):"), "\(result.error)")
        #expect(await cli.run("experiment", "list", "--json").output == "[]\n")
    }

    @Test func replayReproducesALogAndAnswersAnotherFloor() async throws {
        // Two advertisers' bids of 0.90 and 0.60 with a request floor of 0.50: the winner
        // pays 0.61; a minimum floor of 0.80 makes it pay 0.80; 1.00 leaves it unfilled.
        let line = #"""
            {"time":"2026-12-01T00:00:00.000Z","request_id":"r-1","position":0,"placement_id":"home_feed","sizes":[],"country":null,"device":null,"os":null,"keywords":[],"experiment":null,"arm":null,"floor":{"minimum_micros":10000,"placement_micros":null,"request_micros":500000,"multiplier_ppm":1000000,"floor_micros":500000},"increment_micros":10000,"candidates":[{"campaign_id":"a","advertiser_id":"x","score_micros":900000},{"campaign_id":"b","advertiser_id":"y","score_micros":600000}],"winner":"a","clearing_ecpm_micros":610000,"price_micros":610000}
            """#
        let log = cli.file("auctions.jsonl", line + "\n")
        let logged = await cli.run(["replay", log], database: false)
        #expect(logged.status == 0, "\(logged.error)")
        #expect(logged.output.contains("reproduced: every logged winner and price"))
        let higher = await cli.run(["replay", log, "--minimum-floor-micros", "800000", "--json"], database: false)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(higher.output.utf8)) as? [String: Any])
        let row = try #require((object["results"] as? [[String: Any]])?.first)
        #expect(row["revenue_nanos"] as? Int == 800_000 && row["logged_revenue_nanos"] as? Int == 610_000 && row["changed"] as? Int == 1)
        #expect((object["assumption"] as? String)?.contains("bids held fixed") == true)

        let svg = cli.directory.appendingPathComponent("floors.svg").path
        let grid = await cli.run(["replay", log, "--minimum-floor-grid", "0:1000000:500000", "--svg", svg], database: false)
        #expect(grid.status == 0, "\(grid.error)")
        #expect(grid.output.split(separator: "\n").count == 5)  // header, 3 floors, the assumption
        #expect(try String(contentsOfFile: svg, encoding: .utf8).hasPrefix("<svg"))

        let broken = cli.file("broken.jsonl", line + "\n" + #"{"time":"nope"}"# + "\n")
        let refused = await cli.run(["replay", broken], database: false)
        #expect(refused.status == 65 && refused.error.contains("broken.jsonl:2: time"))
        #expect(await cli.run(["replay", log, "--svg", svg], database: false).status == 64)
    }

    @Test func campaignShowPrintsThePriorAndTheLearnedCTR() async throws {
        #expect(await cli.run("advertiser", "create", "acme").status == 0)
        let created = await cli.run(
            "campaign", "create", "cpc-1", "--advertiser", "acme", "--pricing", "cpc", "--bid", "1", "--ctr", "0.05",
            "--total-budget", "100", "--creative", "id=cr-1,size=300x250,image=https://cdn.example/a.png,click=https://acme.example/")
        #expect(created.status == 0, "\(created.error)")
        let key = Curve25519.Signing.PrivateKey()
        let store = try await Store.open(StoreLocation(cli.databasePath))
        let events = (1...30).map { index in
            LedgerEvent(
                kind: index <= 20 ? .impression : .click, billed: true, reason: nil, impressionID: String(format: "%024x", index % 21 + 1),
                requestID: "r-\(index)", campaignID: CampaignID("cpc-1")!, advertiserID: AdvertiserID("acme")!,
                creativeID: CreativeID("cr-1")!, placementID: PlacementID("home_feed")!, pricing: .cpc, clearingECPM: Micros(10_000),
                charge: .zero, eventTime: Instant(secondsSinceEpoch: 1_795_000_000))
        }
        _ = try await store.ledger.append(events, signingKey: LedgerSigningKey(id: "k", rawPrivateKey: key.rawRepresentation))
        await store.close()
        let shown = await cli.run("campaign", "show", "cpc-1")
        #expect(shown.output.contains("prior ctr      0.050000 (50000 ppm, as declared)"), "\(shown.output)")
        // 20 impressions, 10 clicks, prior 5% worth 1000: (10e6 + 50_000 × 1000) / 1020 = 58_824 ppm.
        #expect(shown.output.contains("learned ctr    0.058824 (58824 ppm) from 20 impressions and 10 clicks recorded, prior weight 1000"))
    }
}

@Suite("adctl apikey")
struct APIKeyCommandTests {
    let cli = CLIHarness()

    @Test func createListRevokeWithRolesAndRefusals() async throws {
        #expect(await cli.run("advertiser", "create", "acme").status == 0)
        let admin = await cli.run("apikey", "create", "--role", "admin", "--label", "ops")
        #expect(admin.status == 0, "\(admin.error)")
        let key = admin.output.trimmingCharacters(in: .whitespacesAndNewlines)
        let parsed = try #require(APIKeyMaterial.parse(key), "not a key: \(key)")
        #expect(admin.error.contains("created admin key \(parsed.id)"))

        let scoped = await cli.run("apikey", "create", "--role", "advertiser", "--advertiser", "acme", "--json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(scoped.output.utf8)) as? [String: Any])
        #expect(object["role"] as? String == "advertiser" && object["advertiser_id"] as? String == "acme")

        // Only the hash is stored: the key's secret appears nowhere in the database file.
        let file = try Data(contentsOf: URL(fileURLWithPath: cli.databasePath))
        #expect(file.range(of: Data(parsed.secret.utf8)) == nil)
        let record = try #require(try await Store.open(StoreLocation(cli.databasePath)).apiKeys.key(id: parsed.id))
        #expect(APIKeyMaterial.matches(parsed.secret, record) && !APIKeyMaterial.matches(parsed.secret + "x", record))

        for (arguments, status, message) in [
            (["apikey", "create", "--role", "root"], Int32(64), "--role must be admin, advertiser or billing"),
            (["apikey", "create", "--role", "advertiser"], 64, "--advertiser is required"),
            (["apikey", "create", "--role", "billing", "--advertiser", "acme"], 64, "--advertiser is only for --role advertiser"),
            (["apikey", "create", "--role", "advertiser", "--advertiser", "nobody"], 3, "no advertiser 'nobody'"),
            (["apikey", "revoke", "0123456789abcdef"], 3, "no API key 0123456789abcdef"),
        ] {
            let result = await cli.run(arguments)
            #expect(result.status == status && result.error.contains(message), "\(arguments): \(result.status) \(result.error)")
        }

        #expect(await cli.run("apikey", "revoke", key).output == "revoked API key \(parsed.id)\n")
        #expect(await cli.run("apikey", "revoke", parsed.id).status == 1)
        let list = await cli.run("apikey", "list", "--json")
        let keys = try #require(try JSONSerialization.jsonObject(with: Data(list.output.utf8)) as? [[String: Any]])
        #expect(keys.count == 2 && keys.first?["revoked"] as? Bool == true && keys.last?["revoked"] as? Bool == false)
        #expect(!list.output.contains(parsed.secret))
    }
}

@Suite("adctl rates")
struct RatesCommandTests {
    let cli = CLIHarness()

    @Test func importChecksTheFileAndShowPrintsIt() async throws {
        let target = cli.directory.appendingPathComponent("rates.json").path
        let good = cli.file("good.json", #"{"base":"USD","timestamp":"2026-12-01T00:00:00Z","rates":{"EUR":0.9216,"GBP":"0.7874"}}"#)
        let imported = await cli.run(["rates", "import", good, "--rates", target], database: false)
        #expect(imported.status == 0 && imported.output.contains("imported 2 rates against USD"), "\(imported.error)")
        let shown = await cli.run(["rates", "show", "--json", "--rates", target], database: false)
        #expect(shown.output.contains(#""EUR":"0.9216""#) && shown.output.contains(#""GBP":"0.7874""#))

        for (text, field) in [
            (#"{"base":"usd","timestamp":"2026-12-01T00:00:00Z","rates":{}}"#, "base"),
            (#"{"base":"USD","rates":{}}"#, "timestamp"),
            (#"{"base":"USD","timestamp":"2026-12-01T00:00:00Z","rates":{"EUR":0}}"#, "rates.EUR"),
            (#"{"base":"USD","timestamp":"2026-12-01T00:00:00Z","rates":{"EUR":1e3}}"#, "rates.EUR"),
            (#"{"base":"USD","timestamp":"2026-12-01T00:00:00Z","rates":{"eur":1}}"#, "rates"),
        ] {
            let refused = await cli.run(["rates", "import", cli.file("bad.json", text), "--rates", target], database: false)
            #expect(refused.status == 65 && refused.error.contains(field), "\(text): \(refused.error)")
        }
        // Nothing refused replaced the rates in use.
        #expect(await cli.run(["rates", "show", "--json", "--rates", target], database: false).output.contains("0.9216"))
    }
}

@Suite("adctl campaign --deal")
struct DealFlagTests {
    let cli = CLIHarness()

    @Test func dealsAreSetShownExportedAndCleared() async throws {
        #expect(await cli.run("advertiser", "create", "acme").status == 0)
        let created = await cli.run(
            "campaign", "create", "pmp-1", "--advertiser", "acme", "--bid", "3", "--total-budget", "100", "--deal", "deal-1:4.00", "--deal",
            "deal-2", "--creative", "id=pmp-1-cr,size=300x250,image=https://cdn.example/p.png,click=https://acme.example/")
        #expect(created.status == 0, "\(created.error)")
        #expect(await cli.run("campaign", "show", "pmp-1").output.contains("deal-1 (floor 4.00), deal-2"))
        let exported = await cli.run("campaign", "export")
        #expect(exported.output.contains(#""deals":[{"floor_micros":4000000,"id":"deal-1"},{"id":"deal-2"}]"#))
        let repeated = await cli.run("campaign", "update", "pmp-1", "--deal", "deal-1", "--deal", "deal-1")
        #expect(repeated.status == 64 || repeated.status == 65, "\(repeated.status)")
        #expect(repeated.error.contains("--deal"), "\(repeated.error)")
        #expect(await cli.run("campaign", "update", "pmp-1", "--no-deals").status == 0)
        #expect(!(await cli.run("campaign", "export").output.contains("deals")))
    }
}
