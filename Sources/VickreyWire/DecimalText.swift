import VickreyCore

/// Exact conversions between JSON number text and integer micros.
public enum DecimalText {
    /// Converts the text of a JSON number (`0.03`, `2.5e-1`, `1`) in currency units to
    /// micros. Digits beyond the sixth decimal round *up* to the next micro, so a floor
    /// is never undercut. Nil when negative, not a number, or over `Micros.maximum`.
    public static func micros(fromCurrency text: String) -> Micros? {
        var mantissa = Substring(text)
        var exponent = 0
        if let e = mantissa.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            guard let parsed = Int(mantissa[mantissa.index(after: e)...]) else { return nil }
            // Beyond ±40 the value is 0, below a micro (rounded up to one), or too large.
            exponent = min(max(parsed, -40), 40)
            mantissa = mantissa[..<e]
        }
        if mantissa.hasPrefix("-") {
            guard !isNegative(text) else { return nil }
            mantissa = mantissa.dropFirst()  // -0, -0.0: zero
        }
        let parts = mantissa.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let digits = parts[0] + (parts.count == 2 ? parts[1] : "")
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        // value = digits × 10^(exponent − fractionCount); micros = value × 10^6.
        let shift = exponent - (parts.count == 2 ? parts[1].count : 0) + 6
        var significant = Array(digits.drop(while: { $0 == "0" }))
        if significant.isEmpty { return .zero }
        var roundUp = false
        var scale = shift
        if scale < 0 {
            let kept = max(0, significant.count + scale)
            roundUp = significant[kept...].contains { $0 != "0" }
            significant = Array(significant[..<kept])
            scale = 0
        }
        guard significant.count + scale <= 18 else { return nil }
        var value: Int64 = 0
        for digit in significant { value = value * 10 + Int64(digit.wholeNumberValue!) }
        for _ in 0..<scale { value *= 10 }
        if roundUp { value += 1 }
        return value <= Micros.maximum.value ? Micros(value) : nil
    }

    /// Whether the text of a JSON number is below zero (`-0.0` is not).
    public static func isNegative(_ text: String) -> Bool {
        guard text.hasPrefix("-") else { return false }
        let mantissa = text.prefix { $0 != "e" && $0 != "E" }
        return mantissa.contains { $0 >= "1" && $0 <= "9" }
    }

    /// Micros as currency text with at least two decimals: `910000` → `0.91`, `1234567` →
    /// `1.234567`.
    public static func micros(_ value: Int64) -> String { DecimalMoney.formatCurrency(Micros(value)) }
}
