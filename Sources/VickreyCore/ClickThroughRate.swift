/// A predicted click-through rate in integer parts per million.
///
/// `ppm = CTR × 1_000_000` rounded to the nearest integer with halves rounded up, and
/// never below 1, so that a CPC score `cpc × ppm / 1000` is exact integer arithmetic.
public struct ClickThroughRate: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let partsPerMillion: Int64

    /// Clamps to 1...1_000_000.
    public init(partsPerMillion: Int64) {
        self.partsPerMillion = min(1_000_000, max(1, partsPerMillion))
    }

    /// Parses a decimal CTR in (0, 1] exactly from its text (`0.0125`, `1`, `2.5e-3`).
    /// Nil when the text is not a number or the rate is not in (0, 1].
    public init?(decimal text: String) {
        guard let ppm = Self.partsPerMillion(fromDecimal: text) else { return nil }
        self.init(partsPerMillion: ppm)
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.partsPerMillion < rhs.partsPerMillion }

    /// The rate as a decimal, e.g. `0.012500`.
    public var description: String { DecimalMoney.format(partsPerMillion, fractionDigits: 6) }

    /// The prior blended with observed traffic: `(clicks + prior × weight) / (impressions
    /// + weight)` in ppm, rounded half up. With no impressions it is the prior exactly.
    /// `priorWeight` is how many impressions the prior counts as.
    public func smoothed(impressions: Int64, clicks: Int64, priorWeight: Int64) -> ClickThroughRate {
        guard impressions > 0 else { return self }
        let clicks = min(max(clicks, 0), impressions)
        let numerator = clicks * 1_000_000 + partsPerMillion * priorWeight
        let denominator = impressions + priorWeight
        return ClickThroughRate(partsPerMillion: (2 * numerator + denominator) / (2 * denominator))
    }

    private static func partsPerMillion(fromDecimal text: String) -> Int64? {
        guard !text.isEmpty, text.utf8.count <= 64 else { return nil }
        var mantissa = Substring(text)
        var exponent = 0
        if let e = mantissa.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            guard let parsed = Int(mantissa[mantissa.index(after: e)...]), abs(parsed) <= 30 else { return nil }
            exponent = parsed
            mantissa = mantissa[..<e]
        }
        let parts = mantissa.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let integerPart = parts[0]
        let fractionPart = parts.count == 2 ? parts[1] : ""
        guard !(integerPart.isEmpty && fractionPart.isEmpty),
            (integerPart + fractionPart).allSatisfy({ $0.isASCII && $0.isNumber })
        else { return nil }
        // digits × 10^(exponent - fractionCount) is the value; we want value × 10^6.
        var digits = Array((integerPart + fractionPart).drop(while: { $0 == "0" }))
        var shift = exponent - fractionPart.count + 6
        if digits.isEmpty { return nil }  // zero is not a valid rate
        if digits.count + shift > 7 { return nil }  // at least 10, so over 1
        var roundUp = false
        if shift < 0 {
            let kept = max(0, digits.count + shift)
            let dropped = digits[kept...]
            roundUp = dropped.first.map { $0 >= "5" } ?? false
            digits = Array(digits[..<kept])
            shift = 0
        }
        var value: Int64 = 0
        for digit in digits { value = value * 10 + Int64(digit.wholeNumberValue!) }
        for _ in 0..<shift { value *= 10 }
        if roundUp { value += 1 }
        guard value <= 1_000_000 else { return nil }
        return max(1, value)
    }
}
