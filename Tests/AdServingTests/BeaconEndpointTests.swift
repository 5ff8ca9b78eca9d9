import AdServing
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import VickreyBudget
import VickreyCore
import VickreyTestSupport
import VickreyLedger
import VickreyStore

@Suite("Beacons and the ledger API")
struct BeaconEndpointTests {
    let clock = ManualClock(Instant(secondsSinceEpoch: 1_795_780_000))
    let harness: ServerHarness

    init() {
        let clock = clock
        harness = ServerHarness { $0.clock = clock }
    }

    /// A lone CPM bidder whose request floor is 0.50: it clears at 500_000 micros, so its
    /// impression costs exactly 500_000 nanos.
    static let floorRequest = #"{"request_id":"r-1","user":{"id":"u-1"},"placements":[{"id":"home_feed","floor_micros":500000}]}"#

    @Test("The in-memory tables are counted in /metrics: an ad holds a reservation until its beacon, which the replay guard keeps")
    func memoryTablesAreCounted() async throws {
        _ = try await harness.store().importCampaigns([Campaigns.make("one", advertiser: "a", bid: 1_000_000)])
        try await harness.live { client in
            func entries(_ table: String) async throws -> Int? {
                let metrics = try await client.get("/metrics").text
                let prefix = #"vickrey_memory_entries{table="\#(table)"} "#
                return metrics.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { Int($0.dropFirst(prefix.count)) }
            }
            #expect(try await entries("index_campaigns") == 1)
            #expect(try await entries("budget_reservations") == 0)
            #expect(try await entries("beacon_replay_keys") == 0)
            let ad = try #require(try await client.ad(Self.floorRequest))
            #expect(try await entries("budget_accounts") == 1)
            #expect(try await entries("budget_reservations") == 1)
            #expect(try await client.get(ad.impression).status == .ok)
            #expect(try await entries("budget_reservations") == 0)
            #expect(try await entries("beacon_replay_keys") == 1)
            #expect(try await entries("auth_failure_subjects") == 0)
            _ = try await client.get("/v1/campaigns/one/budget", headers: [.authorization: "Bearer wrong"])
            #expect(try await entries("auth_failure_subjects") == 1)
            for table in [
                "frequency_cap_users", "frequency_cap_serves", "learned_ctr_campaigns", "sponsorship_tallies", "experiment_pending_tallies",
                "console_sessions",
                "auction_log_queue", "request_sample_queue",
            ] {
                #expect(try await entries(table) != nil, "\(table)")
            }
        }
    }

    @Test("/metrics shows the process's resident memory: 256 MiB written shows in it, and leaves it when freed")
    func residentMemoryIsShown() async throws {
        try await harness.live { client in
            func resident() async throws -> Int {
                let metrics = try await client.get("/metrics").text
                #expect(metrics.contains("# TYPE process_resident_memory_bytes gauge"))
                let series = "process_resident_memory_bytes "
                let line = metrics.split(separator: "\n").first { $0.hasPrefix(series) }
                return try #require(line.flatMap { Int($0.dropFirst(series.count)) })
            }
            // The server runs in this process: pages written are resident until freed (the
            // allocator hands a block this large back to the system at once).
            let before = try await resident()
            let size = 256 << 20
            let block = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
            block.initializeMemory(as: UInt8.self, repeating: 1, count: size)
            let held = try await resident()
            block.deallocate()
            let after = try await resident()
            #expect(held - before >= 240 << 20)
            #expect(held - after >= 240 << 20)
        }
    }

    @Test func anImpressionIsBilledOnceAndRecordedBeforeItIsAnswered() async throws {
        _ = try await harness.store().importCampaigns([Campaigns.make("one", advertiser: "a", bid: 1_000_000)])
        try await harness.live { client in
            let ad = try #require(try await client.ad(Self.floorRequest))
            var budget = try await client.get("/v1/campaigns/one/budget", headers: [.authorization: "Bearer \(ServerHarness.billingToken)"])
                .object
            #expect(budget["reserved_nanos"] as? Int == 1_000_000)

            let first = try await client.get(ad.impression)
            #expect(first.status == .ok)
            #expect(first.headers[.contentType] == "image/gif")
            #expect(first.body.readableBytes == 43)
            let replay = try await client.get(ad.impression)
            #expect(replay.status == .ok)

            let records = try await client.ledger()
            #expect(records.count == 1)
            #expect(records.first?["kind"] as? String == "impression")
            #expect(records.first?["billed"] as? Bool == true)
            #expect(records.first?["charge_nanos"] as? Int == 500_000)
            #expect(records.first?["request_id"] as? String == "r-1")
            budget = try await client.get("/v1/campaigns/one/budget", headers: [.authorization: "Bearer \(ServerHarness.billingToken)"])
                .object
            #expect(budget["spent_total_nanos"] as? Int == 500_000)
            #expect(budget["reserved_nanos"] as? Int == 0)
            let metrics = try await client.get("/metrics").text
            #expect(metrics.contains(#"vickrey_beacons_total{kind="impression",outcome="billed"} 1"#))
            #expect(metrics.contains(#"vickrey_beacons_total{kind="impression",outcome="replay"} 1"#))
        }
    }

    @Test func aClickRedirectsToTheCreativeAndChargesTheCPCPrice() async throws {
        // CPC 0.40 per click at 2.5% CTR: score 10_000 micros eCPM; alone, it pays the 0.01
        // floor: 10_000 × 1000 / 25_000 = 400 micros per click.
        _ = try await harness.store().importCampaigns([Campaigns.make("cpc", advertiser: "a", bid: 400_000, pricing: .cpc, ctr: 25_000)])
        try await harness.live { client in
            let ad = try #require(try await client.ad(#"{"placements":[{"id":"home_feed"}]}"#))
            #expect(ad.ad["price_micros"] as? Int == 400)
            #expect(try await client.get(ad.impression).status == .ok)
            let click = try await client.get(ad.click)
            #expect(click.status == .found)
            #expect(click.headers[.location] == "https://a.example/")
            #expect(try await client.get(ad.click).status == .found)  // a second click is a replay
            let records = try await client.ledger()
            #expect(records.map { $0["kind"] as? String } == ["impression", "click"])
            #expect(records.map { $0["charge_nanos"] as? Int } == [0, 400_000])
        }
    }

    /// Where a click goes when the creative it was shown with changed before the click:
    /// the shown creative's landing page as it is now; when that creative was removed,
    /// the campaign's first creative's (the advertiser's landing page for it now), also
    /// once the campaign is archived. The click is recorded either way.
    @Test(arguments: ["url changed", "creative replaced", "campaign archived"])
    func aClickAfterTheCreativesChangedGoesToTheCampaignsCurrentLandingPage(change: String) async throws {
        _ = try await harness.store().importCampaigns([Campaigns.make("one", advertiser: "a", bid: 1_000_000)])
        try await harness.live { client in
            let ad = try #require(try await client.ad(#"{"placements":[{"id":"home_feed"}]}"#))
            let store = try await harness.store()
            switch change {
            case "url changed":
                _ = try await store.modifyCampaign(CampaignID("one")!) { $0.creatives[0].clickURL = "https://a.example/new" }
            case "creative replaced":
                _ = try await store.modifyCampaign(CampaignID("one")!) { campaign in
                    campaign.creatives = [
                        Creative(
                            id: CreativeID("one-next")!, size: AdSize("300x250")!, imageURL: "https://cdn.example/n.png",
                            clickURL: "https://a.example/replacement")
                    ]
                }
            default:
                _ = try await store.setStatus(CampaignID("one")!, to: .archived)
            }
            try await Task.sleep(for: .milliseconds(600))  // the index takes the change within a second
            let click = try await client.get(ad.click)
            switch change {
            case "url changed": #expect(click.status == .found && click.headers[.location] == "https://a.example/new")
            case "creative replaced": #expect(click.status == .found && click.headers[.location] == "https://a.example/replacement")
            default: #expect(click.status == .found && click.headers[.location] == "https://a.example/")
            }
            #expect(try await client.ledger().map { $0["kind"] as? String } == ["click"])
        }
    }

    @Test func alteredForgedAndExpiredTokensAreRefused() async throws {
        _ = try await harness.store().importCampaigns([Campaigns.make("one", advertiser: "a", bid: 1_000_000)])
        try await harness.live { client in
            let ad = try #require(try await client.ad(Self.floorRequest))
            var altered = Array(ad.impression)
            // Not the last character: its low bits may be base64 padding that decodes to the same bytes.
            for position in [altered.count - 2, altered.count - 30, altered.count - 60] {
                let original = altered[position]
                altered[position] = original == "A" ? "B" : "A"
                let response = try await client.get(String(altered))
                #expect(response.status == .badRequest)
                #expect(response.errorCode == "invalid_token")
                #expect(response.errorField == "token")
                altered[position] = original
            }
            #expect(try await client.get("/v1/beacons/impression/not-a-token").status == .badRequest)
            clock.advance(seconds: 900)
            let expired = try await client.get(ad.impression)
            #expect(expired.status == .gone)
            #expect(expired.errorCode == "expired_token")
            // The click URL lives longer than the impression URL.
            #expect(try await client.get(ad.click).status == .found)
            #expect(try await client.ledger().map { $0["kind"] as? String } == ["click"])
            let metrics = try await client.get("/metrics").text
            #expect(metrics.contains(#"vickrey_beacons_rejected_total{kind="impression",reason="forged"}"#))
            #expect(metrics.contains(#"vickrey_beacons_rejected_total{kind="impression",reason="expired"} 1"#))
        }
    }

    /// Beacon URLs are matched on their bytes before the router (`BeaconFastPath`); what
    /// is not exactly a beacon GET goes to the router and is answered as any other path.
    @Test func onlyExactBeaconRequestsTakeTheFastPathAndTheRestAreRoutedAsBefore() async throws {
        _ = try await harness.store().importCampaigns([Campaigns.make("one", advertiser: "a", bid: 1_000_000)])
        try await harness.live { client in
            let ad = try #require(try await client.ad(Self.floorRequest))
            let post = try await client.post(ad.impression, json: "{}")
            #expect(post.status == .methodNotAllowed)
            #expect(post.headers[HTTPField.Name("Allow")!] == "GET")
            #expect(try await client.get(ad.impression + "/more").status == .notFound)
            #expect(try await client.get("/v1/beacons/impressions/" + ad.impression.split(separator: "/").last!).status == .notFound)
            // A byte outside base64url: routed, then refused by the token check as before.
            let odd = try await client.get(ad.impression + "~")
            #expect(odd.status == .badRequest)
            #expect(odd.errorCode == "invalid_token")
            // The query is not part of the path: still the fast path, billed once.
            #expect(try await client.get(ad.impression + "?cb=123").status == .ok)
            #expect(try await client.ledger().count == 1)
            let metrics = try await client.get("/metrics").text
            #expect(metrics.contains(#"http_requests_total{route="/v1/beacons/impression/{token}",status="200"} 1"#))
            #expect(metrics.contains(#"http_requests_total{route="/v1/beacons/impression/{token}",status="400"} 1"#))
        }
    }

    /// Budget for 1.5 impressions at the 1.00 bid. Ad A is served, the server restarts
    /// (its reservation is gone), ad B reserves the budget; A's late beacon no longer fits
    /// and is recorded unbilled, B's is billed. Spend stays within the budget.
    @Test func anImpressionThatNoLongerFitsIsRecordedUnbilledAcrossARestart() async throws {
        _ = try await harness.store().importCampaigns([Campaigns.make("tight", advertiser: "a", bid: 1_000_000, totalBudget: 1_500)])
        let request = #"{"placements":[{"id":"home_feed","floor_micros":1000000}]}"#
        let first = Box<String>()
        try await harness.live { client in
            await first.set(try #require(try await client.ad(request)).impression)
            #expect(try await client.ad(request) == nil, "the first ad's reservation holds the budget")
        }
        try await harness.live { client in
            let impressionA = try #require(await first.value)
            let adB = try #require(try await client.ad(request))
            #expect(try await client.get(impressionA).status == .ok)
            #expect(try await client.get(adB.impression).status == .ok)
            let records = try await client.ledger()
            #expect(records.map { $0["billed"] as? Bool } == [false, true])
            #expect(records.first?["reason"] as? String == "total_budget_exhausted")
            #expect(records.map { $0["charge_nanos"] as? Int } == [0, 1_000_000])
        }
    }

    @Test func testRequestsAreRecordedButNeverBilled() async throws {
        _ = try await harness.store().importCampaigns([Campaigns.make("one", advertiser: "a", bid: 1_000_000)])
        try await harness.live { client in
            let response = try await client.post(
                "/openrtb2/auction", json: #"{"id":"t-1","test":1,"imp":[{"id":"1","tagid":"home_feed","banner":{"w":300,"h":250}}]}"#)
            let nurl = try #require(
                ((response.object["seatbid"] as? [[String: Any]])?.first?["bid"] as? [[String: Any]])?.first?["nurl"] as? String)
            #expect(try await client.get(URL(string: nurl)!.path).status == .ok)
            let records = try await client.ledger()
            #expect(records.first?["billed"] as? Bool == false)
            #expect(records.first?["reason"] as? String == "test")
        }
    }

    @Test func theLedgerAPINeedsTheBillingTokenAndPagesByCursor() async throws {
        _ = try await harness.store().importCampaigns([Campaigns.make("one", advertiser: "a", bid: 1_000_000)])
        try await harness.live { client in
            for index in 0..<5 {
                let ad = try #require(try await client.ad(#"{"request_id":"r-\#(index)","placements":[{"id":"home_feed"}]}"#))
                #expect(try await client.get(ad.impression).status == .ok)
            }
            #expect(try await client.get("/v1/ledger").status == .unauthorized)
            #expect(try await client.get("/v1/ledger", headers: [.authorization: "Bearer wrong"]).status == .unauthorized)
            let auth: HTTPFields = [.authorization: "Bearer \(ServerHarness.billingToken)"]
            let page = try await client.get("/v1/ledger?after=1&limit=2", headers: auth).object
            #expect((page["records"] as? [[String: Any]])?.map { $0["seq"] as? Int } == [2, 3])
            #expect(page["next_after"] as? Int == 3)
            #expect(page["has_more"] as? Bool == true)
            #expect(page["last_seq"] as? Int == 5)
            // Exactly the rest: no phantom "more" after the last record.
            let rest = try await client.get("/v1/ledger?after=3&limit=2", headers: auth).object
            #expect(rest["has_more"] as? Bool == false)
            let bad = try await client.get("/v1/ledger?limit=5000", headers: auth)
            #expect(bad.status == .badRequest)
            #expect(bad.errorField == "limit")

            // Anyone with the JWKS can verify what billing pulled, independently of the server.
            let jwks = try await client.get("/.well-known/jwks.json")
            let keys = try JWKS.decode(Data(jwks.body.readableBytesView))
            var verifier = LedgerVerifier(keys: keys)
            for object in try await client.ledger() {
                let line = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
                verifier.check(try LedgerExport.parse(jsonLine: line))
            }
            #expect(verifier.problems.isEmpty)
            #expect(verifier.verifiedCount == 5)
        }
    }
}

/// Carries a value from one live server's closure to the next.
actor Box<Value: Sendable> {
    var value: Value?
    func set(_ value: Value) { self.value = value }
}
