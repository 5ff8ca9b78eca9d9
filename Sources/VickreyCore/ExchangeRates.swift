/// Exchange rates from the rates file: how many units of each currency one unit of
/// `base` buys, each rate kept as its exact decimal (digits and a power of ten), so a
/// conversion is exact integer arithmetic with one rounding at the end: floors round up
/// (a bidder never pays under the publisher's floor), prices down (never over the bid).
public struct ExchangeRates: Hashable, Sendable {
    /// A positive decimal `digits / 10^scale`.
    public struct Rate: Hashable, Sendable {
        public var digits: Int64
        public var scale: Int

        /// Parses `1.0857`, `0.92`, `150`; nil for zero, negatives, exponents or more
        /// than 12 decimals or 18 digits.
        public init?(_ text: String) {
            let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count), !parts[0].isEmpty, parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } })
            else { return nil }
            let fraction = parts.count == 2 ? String(parts[1]) : ""
            guard fraction.count <= 12, parts.count == 1 || !fraction.isEmpty, let digits = Int64(String(parts[0]) + fraction), digits > 0
            else { return nil }
            self.digits = digits
            self.scale = fraction.count
        }
    }

    /// ISO 4217 code of the currency the rates are quoted against.
    public var base: String
    /// When the rates were taken.
    public var timestamp: Instant
    /// Units of each currency per unit of `base` (the base itself is 1).
    public var rates: [String: Rate]

    public init(base: String, timestamp: Instant, rates: [String: Rate]) {
        self.base = base
        self.timestamp = timestamp
        self.rates = rates
    }

    public enum Rounding: Sendable { case up, down }

    /// The rate of `currency` (1 for the base), or nil when it is not quoted.
    public func rate(_ currency: String) -> Rate? {
        currency == base ? Rate("1") : rates[currency]
    }

    /// Whether `currency` can be priced.
    public func quotes(_ currency: String) -> Bool { rate(currency) != nil }

    /// `amount` of `from` in micros of `to`, rounded as asked: `amount × rate(to) /
    /// rate(from)`, exactly. Nil when either currency is not quoted or the result
    /// (or a step of it) passes the largest amount.
    public func convert(_ amount: Micros, from: String, to: String, rounding: Rounding) -> Micros? {
        if from == to { return amount }
        guard let source = rate(from), let target = rate(to) else { return nil }
        // amount × (t / 10^ts) / (s / 10^ss) = amount × t × 10^ss / (s × 10^ts). Every factor
        // is checked: an 18-digit rate with 12 decimals times a large floor passes Int128.
        var numerator = Int128(amount.value)
        var denominator = Int128(source.digits)
        for factor in [Int128(target.digits)] + Array(repeating: 10, count: source.scale) {
            let (product, overflow) = numerator.multipliedReportingOverflow(by: factor)
            guard !overflow else { return nil }
            numerator = product
        }
        for _ in 0..<target.scale { denominator *= 10 }  // at most 9.2e18 × 1e12: fits
        var (quotient, remainder) = numerator.quotientAndRemainder(dividingBy: denominator)
        if rounding == .up, remainder > 0 { quotient += 1 }
        guard quotient <= Int128(Micros.maximum.value) else { return nil }
        return Micros(Int64(quotient))
    }

    /// Whether the rates are older than `maximumAgeSeconds` at `now`.
    public func isStale(at now: Instant, maximumAgeSeconds: Int64) -> Bool {
        now.secondsSinceEpoch - timestamp.secondsSinceEpoch > maximumAgeSeconds
    }
}
