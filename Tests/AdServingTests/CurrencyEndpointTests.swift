import AdServing
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import VickreyBudget
import VickreyCore
import VickreyStore

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
            $0.currencyRatesPath = path
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
            // The ledger and spend stay in dollars.
            let ad = try #require(
                ((try await client.post("/openrtb2/auction", json: Self.request(floor: "1.00", currency: "EUR", cur: #""EUR""#)))
                    .object["seatbid"] as? [[String: Any]])?.first?["bid"] as? [[String: Any]])
            #expect(ad.first?["nurl"] is String)
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
