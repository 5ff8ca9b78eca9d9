import Testing
import VickreyCore

@Suite("Exchange rates: exact conversion, floors up, prices down")
struct ExchangeRatesTests {
    static let usd = ExchangeRates(
        base: "USD", timestamp: Instant(secondsSinceEpoch: 1_795_000_000), rates: ["EUR": .init("0.92")!, "JPY": .init("150")!])
    static let eur = ExchangeRates(
        base: "EUR", timestamp: Instant(secondsSinceEpoch: 1_795_000_000), rates: ["USD": .init("1.0857")!, "GBP": .init("0.8543")!])

    @Test(
        arguments: [
            // (rates, amount, from, to, up, down)
            (usd, Int64(1_000_000), "EUR", "USD", Int64(1_086_957), Int64(1_086_956)),  // 1.00 EUR = 1.0869565… USD
            (usd, 910_000, "USD", "EUR", 837_200, 837_200),  // exact: no rounding either way
            (usd, 1, "EUR", "USD", 2, 1),  // one micro: 1.087 micros
            (usd, 1_500_000_000, "JPY", "USD", 10_000_000, 10_000_000),  // 1,500 JPY = 10.00 USD exactly
            (usd, 1_000_001, "JPY", "EUR", 6_134, 6_133),  // cross rate through the base: × 0.92 / 150
            (eur, 1_000_000, "GBP", "USD", 1_270_866, 1_270_865),  // 10857 × 10^6 / 8543
            (eur, 5_000_000, "EUR", "EUR", 5_000_000, 5_000_000),
        ] as [(ExchangeRates, Int64, String, String, Int64, Int64)])
    func convertsExactlyAndRoundsAsAsked(rates: ExchangeRates, amount: Int64, from: String, to: String, up: Int64, down: Int64) {
        #expect(rates.convert(Micros(amount), from: from, to: to, rounding: .up) == Micros(up))
        #expect(rates.convert(Micros(amount), from: from, to: to, rounding: .down) == Micros(down))
    }

    @Test func extremeRatesAndAmountsAreRefusedNotTrapped() {
        let extreme = ExchangeRates(
            base: "USD", timestamp: Instant(secondsSinceEpoch: 0),
            rates: ["AAA": .init("999999.999999999999")!, "BBB": .init("0.000000000001")!])
        #expect(extreme.convert(Micros.maximum, from: "BBB", to: "AAA", rounding: .up) == nil)
        #expect(extreme.convert(Micros(1_000_000_000_000_000), from: "USD", to: "AAA", rounding: .down) == nil)
        #expect(extreme.convert(Micros(1), from: "AAA", to: "BBB", rounding: .down) == Micros(0))
    }

    @Test func unknownCurrenciesAndStaleRates() {
        #expect(Self.usd.convert(Micros(1), from: "CHF", to: "USD", rounding: .up) == nil)
        #expect(Self.usd.quotes("USD") && Self.usd.quotes("EUR") && !Self.usd.quotes("CHF"))
        #expect(!Self.usd.isStale(at: Instant(secondsSinceEpoch: 1_795_000_000 + 3_600), maximumAgeSeconds: 3_600))
        #expect(Self.usd.isStale(at: Instant(secondsSinceEpoch: 1_795_000_000 + 3_601), maximumAgeSeconds: 3_600))
    }

    @Test(arguments: ["0", "-1", "1e3", "1.", ".5", "1.0000000000001", "abc", "", "12345678901234567890"])
    func aRateThatIsNotAPositiveDecimalIsRefused(_ text: String) {
        #expect(ExchangeRates.Rate(text) == nil)
    }
}
