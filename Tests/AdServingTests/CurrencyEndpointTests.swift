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
import VickreyStore
import VickreyTestSupport
import VickreyWire

@Suite("OpenRTB in other currencies")
struct CurrencyEndpointTests {
    static let taken = Instant(secondsSinceEpoch: 1_795_780_000)

    /// A lone CPM bidder at 1.09 USD, and a rates file taken at `taken` (EUR 0.92 per USD).
    static func harness(now: Instant) async throws -> ServerHarness {
        let clock = ManualClock(now)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rates-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("rates.json").path
        try #"{"base":"USD","timestamp":"\#(taken.rfc3339)","rates":{"EUR":0.92,"GBP":"0.79"}}"#.write(
            toFile: path, atomically: true, encoding: .utf8)
        let harness = ServerHarness {
            $0.clock = clock
            $0.shared.currencyRatesPath = path
            $0.currencyMaximumAgeHours = 24
        }
        _ = try await harness.store().importCampaigns([Campaigns.make("lone", advertiser: "a", bid: 1_090_000)])
        return harness
    }

    static func request(floor: String, currency: String, cur: String? = nil) -> String {
        let answer = cur.map { #","cur":[\#($0)]"# } ?? ""
        return
            #"{"id":"r","imp":[{"id":"1","tagid":"home_feed","banner":{"w":300,"h":250},"bidfloor":\#(floor),"bidfloorcur":"\#(currency)"}]\#(answer)}"#
    }

    static func price(_ response: TestResponse) -> (Double?, String?) {
        let bid = ((response.object["seatbid"] as? [[String: Any]])?.first?["bid"] as? [[String: Any]])?.first
        return (bid?["price"] as? Double, response.object["cur"] as? String)
    }

    @Test func aEuroFloorIsConvertedUpAndTheAnswerPricedInTheFirstCurrencyWeCanPrice() async throws {
        let harness = try await Self.harness(now: Self.taken.adding(seconds: 3_600))
        try await harness.test { client in
            // 1.00 EUR = 1.0869565… USD, rounded up to 1.086957: the lone bidder pays exactly that.
            var response = try await client.post("/openrtb2/auction", json: Self.request(floor: "1.00", currency: "EUR"))
            #expect(Self.price(response) == (1.086957, "USD"))
            // Asked in EUR: 1.086957 USD × 0.92 = 0.99999944 EUR, rounded down, but never under the
            // 1.00 EUR floor the exchange sent (which the USD price covers exactly).
            response = try await client.post("/openrtb2/auction", json: Self.request(floor: "1.00", currency: "EUR", cur: #""EUR""#))
            #expect(Self.price(response) == (1.0, "EUR"))
            // A floor in dollars, an answer in pounds: the first priceable of cur, rounded down.
            response = try await client.post("/openrtb2/auction", json: Self.request(floor: "0.50", currency: "USD", cur: #""CHF","GBP""#))
            #expect(Self.price(response) == (0.395, "GBP"))  // 0.50 USD × 0.79
            // A currency without a rate: no bid.
            response = try await client.post("/openrtb2/auction", json: Self.request(floor: "1.00", currency: "CHF"))
            #expect(response.status == .noContent)
        }
    }

    @Test func staleRatesAreNotUsedAndSaySo() async throws {
        let harness = try await Self.harness(now: Self.taken.adding(seconds: 25 * 3_600))
        try await harness.test { client in
            #expect(try await client.post("/openrtb2/auction", json: Self.request(floor: "1.00", currency: "EUR")).status == .noContent)
            #expect(
                try await client.post("/openrtb2/auction", json: Self.request(floor: "1.00", currency: "USD", cur: #""EUR""#)).status
                    == .noContent)
            // Dollars need no rate.
            #expect(try await client.post("/openrtb2/auction", json: Self.request(floor: "1.00", currency: "USD")).status == .ok)
            let metrics = try await client.get("/metrics").text
            #expect(metrics.contains(#"vickrey_no_fills_total{endpoint="openrtb",reason="stale_rates"} 2"#))
        }
    }
}

@Suite("The server's exchange rates reload")
struct RatesReloadTests {
    @Test func aChangedFileIsPickedUpAndABadOneKeepsTheOldRates() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rates-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("rates.json").path
        let live = LiveRates(path: path, maximumAgeSeconds: 86_400)
        #expect(live.reloadIfChanged() == nil && live.rates == nil)
        func write(_ text: String, modified seconds: TimeInterval) throws {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: seconds)], ofItemAtPath: path)
        }
        try write(#"{"base":"USD","timestamp":"2026-12-01T00:00:00Z","rates":{"EUR":0.92}}"#, modified: 1_000)
        #expect(live.reloadIfChanged() == nil && live.rates?.rates["EUR"] == ExchangeRates.Rate("0.92"))
        try write(#"{"base":"usd","timestamp":"2026-12-01T00:00:00Z","rates":{}}"#, modified: 2_000)
        #expect(live.reloadIfChanged()?.contains("base") == true, "a bad file is reported")
        #expect(live.rates?.rates["EUR"] == ExchangeRates.Rate("0.92"), "and the rates loaded are kept")
        try write(#"{"base":"USD","timestamp":"2026-12-02T00:00:00Z","rates":{"EUR":"0.95","GBP":0.8}}"#, modified: 3_000)
        #expect(live.reloadIfChanged() == nil && live.rates?.rates.count == 2 && live.rates?.rates["EUR"] == ExchangeRates.Rate("0.95"))
    }
}

@Suite("Deals through both endpoints and the campaign JSON")
struct DealEndpointTests {
    static let dealCampaign =
        #"{"id":"pmp-1","advertiser_id":"acme","name":"PMP","status":"active","pricing":"cpm","bid_micros":3000000,"predicted_ctr":null,"daily_budget_micros":null,"total_budget_micros":100000000,"start":null,"end":null,"time_zone":"UTC","pacing":"asap","frequency_cap":null,"targeting":{"placements":[],"countries":[],"devices":[],"os":[],"keywords":[],"hours_of_week":[],"exclude":{}},"creatives":[{"id":"pmp-1-cr","size":"300x250","image_url":"https://cdn.example/p.png","click_url":"https://acme.example/","adomain":["acme.example"]}],"deals":[{"id":"deal-1","floor_micros":2000000},{"id":"deal-2"}]}"#

    @Test(arguments: TestEngine.available)
    func dealsSurviveTheStoreAndExportAsWritten(engine: TestEngine) async throws {
        let database = try await TestDatabase(engine)
        let store = try await database.open()
        let campaign = try CampaignDocument.parseCampaign(Data(Self.dealCampaign.utf8)).get()
        #expect(campaign.deals == [CampaignDeal(id: DealID("deal-1")!, floor: Micros(2_000_000)), CampaignDeal(id: DealID("deal-2")!)])
        _ = try await store.campaigns.importCampaigns([campaign])
        let back = try #require(try await store.campaigns.campaign(campaign.id))
        #expect(back.deals == campaign.deals)
        #expect(
            String(decoding: try CampaignDocument.json(back), as: UTF8.self).contains(
                #""deals":[{"floor_micros":2000000,"id":"deal-1"},{"id":"deal-2"}]"#))
        await store.close()
        for (bad, field) in [
            (Self.dealCampaign.replacingOccurrences(of: #""deal-2""#, with: #""deal-1""#), "deals[1].id"),
            (Self.dealCampaign.replacingOccurrences(of: #""deal-2""#, with: #""bad deal""#), "deals[1].id"),
            (Self.dealCampaign.replacingOccurrences(of: "2000000}", with: "-1}"), "deals[0].floor_micros"),
        ] {
            guard case .failure(let error) = CampaignDocument.parseCampaign(Data(bad.utf8)) else {
                Issue.record("accepted: \(field)")
                continue
            }
            #expect(error.field == field, "\(error)")
        }
    }

    @Test func aPrivateDealBidCarriesItsDealIDAndAForeignDealFloorIsConverted() async throws {
        let rates = FileManager.default.temporaryDirectory.appendingPathComponent("deal-rates-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: rates) }
        try #"{"base":"USD","timestamp":"2026-12-01T00:00:00Z","rates":{"EUR":0.92}}"#.write(
            toFile: rates, atomically: true, encoding: .utf8)
        let clock = ManualClock(Instant(secondsSinceEpoch: 1_796_100_000))
        let harness = ServerHarness {
            $0.clock = clock
            $0.shared.currencyRatesPath = rates
        }
        let campaign = try CampaignDocument.parseCampaign(Data(Self.dealCampaign.utf8)).get()
        _ = try await harness.store().importCampaigns([campaign, Campaigns.make("open", advertiser: "b", bid: 5_000_000)])
        let admin = try await harness.debugHeaders()
        try await harness.test { client in
            // Private, deal-1 at its fixed price: the campaign's own 2.00 floor is above the deal's 1.50 EUR (1.630435 USD).
            var response = try await client.post(
                "/openrtb2/auction",
                json:
                    #"{"id":"r","imp":[{"id":"1","banner":{"w":300,"h":250},"pmp":{"private_auction":1,"deals":[{"id":"deal-1","bidfloor":1.5,"bidfloorcur":"EUR","at":3}]}}]}"#
            )
            var bid = ((response.object["seatbid"] as? [[String: Any]])?.first?["bid"] as? [[String: Any]])?.first
            #expect(bid?["cid"] as? String == "pmp-1" && bid?["dealid"] as? String == "deal-1" && bid?["price"] as? Double == 2.0)
            // A deal no campaign is in, private: no bid; open: the open auction's winner, without a dealid.
            response = try await client.post(
                "/openrtb2/auction",
                json: #"{"id":"r","imp":[{"id":"1","banner":{"w":300,"h":250},"pmp":{"private_auction":1,"deals":[{"id":"nobody"}]}}]}"#)
            #expect(response.status == .noContent)
            response = try await client.post(
                "/openrtb2/auction",
                json: #"{"id":"r","imp":[{"id":"1","banner":{"w":300,"h":250},"pmp":{"private_auction":0,"deals":[{"id":"deal-2"}]}}]}"#)
            bid = ((response.object["seatbid"] as? [[String: Any]])?.first?["bid"] as? [[String: Any]])?.first
            #expect(bid?["cid"] as? String == "open" && bid?["dealid"] == nil)
            // The native endpoint: per-placement deals, explained.
            response = try await client.post(
                "/v1/ads",
                json: #"{"placements":[{"id":"home_feed","private_auction":true,"deals":[{"id":"deal-2","at":1}]}],"debug":true}"#,
                headers: admin)
            let ad = (response.object["ads"] as? [[String: Any]])?.first
            #expect(ad?["deal_id"] as? String == "deal-2" && ad?["clearing_ecpm_micros"] as? Int == 3_000_000)
            let placement = ((response.object["debug"] as? [String: Any])?["placements"] as? [[String: Any]])?.first
            #expect(placement?["deal_id"] as? String == "deal-2")
            #expect((placement?["deals"] as? [[String: Any]])?.first?["winner"] as? String == "pmp-1")
        }
    }
}
