import Foundation
import LoadTestKit
import NIOPosix
import Testing
import VickreyCore
import VickreyLedger
import VickreyStore

/// The budget-withholding attack against the real server: a client that asks for ads as
/// fast as it can and never fetches a beacon. Each win reserves its price until a beacon
/// or the reservation timeout; without a cap those reservations would hold a campaign's
/// whole budget for 15 minutes and keep it off every honest page.
@Suite("budget withholding, live")
struct BudgetWithholdingTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("withholding-\(UUID().uuidString)")

    /// $3 CPM, a $1 budget: 333 impressions, far fewer than the attack asks for.
    static let victim = Campaign(
        id: CampaignID("victim")!, advertiserID: AdvertiserID("acme")!, name: "victim", pricing: .cpm, bid: Micros(3_000_000),
        predictedCTR: nil, totalBudget: Micros(1_000_000), targeting: .any,
        creatives: [
            Creative(
                id: CreativeID("victim-0")!, size: AdSize("300x250")!, imageURL: "https://cdn.acme.example/ad.png",
                clickURL: "https://acme.example/", advertiserDomains: ["acme.example"])
        ]
    )
    static let adRequest = PlannedRequest(
        kind: .native, method: .POST, path: "/v1/ads", body: Array(#"{"placements":[{"id":"victim_feed","sizes":["300x250"]}]}"#.utf8))

    @Test func winsNeverBeaconedHoldNoMoreThanTheCapAndTheCampaignKeepsServing() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("db.sqlite").path
        _ = try await Store.open(.sqlite(path: database)).campaigns.importCampaigns([Self.victim])
        let server = try await LiveServer.start(database: database, directory: directory)
        defer { server.stop() }

        let attack = Scenario(
            name: "withhold", campaigns: 1, mode: .closed, durationSeconds: 1, connections: 8,
            beacons: .init(impressionShare: 0, clickShare: 0, delayMilliseconds: 0))
        let run = try await LoadRunner(target: server.target, generator: TrafficGenerator(attack), fixedRequest: Self.adRequest).run()
        #expect(run.stats.errors.isEmpty, "\(run.stats.errors)")
        #expect(run.stats.adRequests > 16, "the attack must outrun the cap to test it")
        #expect(run.stats.filledPlacements == run.stats.adRequests, "every attacking request was still served")

        let connection = try await HTTPConnection.connect(
            host: server.target.host, port: server.target.port, group: MultiThreadedEventLoopGroup.singleton)
        defer { connection.close() }
        let budget = try await Self.json(
            connection.send(
                PlannedRequest(
                    kind: .healthz, method: .GET, path: "/v1/campaigns/victim/budget", authorization: "Bearer \(LiveServer.billingToken)")))
        #expect(budget["open_reservations"] as? Int == 16)
        #expect(budget["reserved_nanos"] as? Int == 16 * 3_000_000)
        #expect(budget["unreserved_wins"] as? Int == run.stats.adRequests - 16)
        #expect(budget["spent_total_nanos"] as? Int == 0)

        // An honest page still gets the ad, and its impression is billed.
        let answer = try await Self.json(connection.send(Self.adRequest))
        let ad = try #require((answer["ads"] as? [[String: Any]])?.first, "\(answer)")
        #expect(ad["campaign_id"] as? String == "victim")
        let impression = try #require((ad["impression_url"] as? String).flatMap(URL.init(string:)))
        let beacon = try await connection.send(PlannedRequest(kind: .impression, method: .GET, path: impression.path))
        #expect(beacon.status == 200)
        let ledger = try await server.ledger.read()
        #expect(ledger.records.count == 1)
        #expect(ledger.records.first?.event.billed == true)
        #expect(ledger.records.first?.event.campaignID == CampaignID("victim"))
    }

    static func json(_ result: HTTPResult) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(result.body)) as? [String: Any], "status \(result.status)")
    }
}
