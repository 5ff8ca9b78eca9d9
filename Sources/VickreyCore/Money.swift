/// An amount of the account currency in millionths of a unit (1 USD = 1_000_000 micros).
///
/// Every price, bid, floor and budget in Vickrey is a `Micros`. It is an integer, so
/// arithmetic on it is exact; no floating-point value ever holds money.
public struct Micros: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The raw number of micros.
    public var value: Int64

    /// The largest amount any single bid, floor or budget may have: one billion currency
    /// units. Keeping inputs under it means `bid × ppm` and `budget × 1000` (nanos) can
    /// never overflow `Int64`.
    public static let maximum = Micros(1_000_000_000_000_000)
    /// The largest bid (CPM or CPC): one million currency units. `bid × 1_000_000 ppm`
    /// stays under `Int64.max`.
    public static let maximumBid = Micros(1_000_000_000_000)
    public static let zero = Micros(0)

    public init(_ value: Int64) { self.value = value }

    /// The same amount in nanos (1 micro = 1000 nanos).
    public var nanos: Nanos { Nanos(value * 1000) }

    public static func < (lhs: Micros, rhs: Micros) -> Bool { lhs.value < rhs.value }
    public static func + (lhs: Micros, rhs: Micros) -> Micros { Micros(lhs.value + rhs.value) }
    public static func - (lhs: Micros, rhs: Micros) -> Micros { Micros(lhs.value - rhs.value) }

    /// Formats as a decimal currency amount with six fractional digits, e.g. `2.500000`.
    public var description: String { DecimalMoney.format(value, fractionDigits: 6) }
}

/// An amount in billionths of a currency unit (1 micro = 1000 nanos).
///
/// Spend is accumulated in nanos because one impression at a clearing CPM of `X` micros
/// costs exactly `X` nanos: a thousandth of the CPM, with no rounding.
public struct Nanos: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var value: Int64
    public static let zero = Nanos(0)

    public init(_ value: Int64) { self.value = value }

    /// The cost of one impression bought at a CPM of `cpm`: exactly `cpm` nanos.
    public static func impression(atCPM cpm: Micros) -> Nanos { Nanos(cpm.value) }

    /// The cost of one click bought at a per-click price: the price in nanos.
    public static func click(atPrice price: Micros) -> Nanos { price.nanos }

    /// Whole micros, rounded down (for display; spend itself stays in nanos).
    public var wholeMicros: Micros { Micros(value / 1000) }

    public static func < (lhs: Nanos, rhs: Nanos) -> Bool { lhs.value < rhs.value }
    public static func + (lhs: Nanos, rhs: Nanos) -> Nanos { Nanos(lhs.value + rhs.value) }
    public static func - (lhs: Nanos, rhs: Nanos) -> Nanos { Nanos(lhs.value - rhs.value) }
    public static func += (lhs: inout Nanos, rhs: Nanos) { lhs.value += rhs.value }
    public static func -= (lhs: inout Nanos, rhs: Nanos) { lhs.value -= rhs.value }

    public var description: String { DecimalMoney.format(value, fractionDigits: 9) }
}

/// Exact conversion between decimal currency text (`"2.50"`, `"0.03"`) and integer
/// micros. No floating point is involved in either direction.
public enum DecimalMoney {
    /// Why a decimal amount was refused.
    public enum ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        case notANumber(String)
        case negative(String)
        case tooManyDecimals(String)
        case tooLarge(String)

        public var description: String {
            switch self {
            case .notANumber(let text): "'\(text)' is not a decimal amount (expected e.g. 2.50)"
            case .negative(let text): "'\(text)' is negative; amounts must be zero or more"
            case .tooManyDecimals(let text): "'\(text)' has more than six decimals; the smallest unit is one micro (0.000001)"
            case .tooLarge(let text): "'\(text)' is over the maximum of \(Micros.maximum)"
            }
        }
    }

    /// Parses a plain decimal (`123`, `0.5`, `2.500000`) into micros exactly.
    /// Refuses signs other than a leading `-` (reported as negative), exponents,
    /// more than six fractional digits, and amounts over `Micros.maximum`.
    public static func parseMicros(_ text: String, maximum: Micros = .maximum) -> Result<Micros, ParseError> {
        var utf8 = Substring(text).utf8[...]
        if utf8.first == UInt8(ascii: "-") { return .failure(.negative(text)) }
        if utf8.first == UInt8(ascii: "+") { utf8 = utf8.dropFirst() }
        let dot = utf8.firstIndex(of: UInt8(ascii: "."))
        let integerDigits = dot.map { utf8[..<$0] } ?? utf8
        let fractionDigits = dot.map { utf8[utf8.index(after: $0)...] } ?? utf8[utf8.endIndex...]
        guard !(integerDigits.isEmpty && fractionDigits.isEmpty),
            integerDigits.allSatisfy(isDigit), fractionDigits.allSatisfy(isDigit)
        else { return .failure(.notANumber(text)) }
        if fractionDigits.count > 6 {
            // Trailing zeros beyond the sixth decimal carry no value: accept them.
            guard fractionDigits.dropFirst(6).allSatisfy({ $0 == UInt8(ascii: "0") }) else {
                return .failure(.tooManyDecimals(text))
            }
        }
        var whole: Int64 = 0
        for digit in integerDigits {
            let (times10, o1) = whole.multipliedReportingOverflow(by: 10)
            let (next, o2) = times10.addingReportingOverflow(Int64(digit - UInt8(ascii: "0")))
            if o1 || o2 || next > maximum.value / 1_000_000 + 1 { return .failure(.tooLarge(text)) }
            whole = next
        }
        var fraction: Int64 = 0
        var scale: Int64 = 100_000
        for digit in fractionDigits.prefix(6) {
            fraction += Int64(digit - UInt8(ascii: "0")) * scale
            scale /= 10
        }
        let (scaled, overflow) = whole.multipliedReportingOverflow(by: 1_000_000)
        guard !overflow, scaled + fraction <= maximum.value else { return .failure(.tooLarge(text)) }
        return .success(Micros(scaled + fraction))
    }

    /// Formats `value` units of 10^-`fractionDigits` as a decimal string, e.g.
    /// `format(2_500_000, fractionDigits: 6) == "2.500000"`.
    public static func format(_ value: Int64, fractionDigits: Int) -> String {
        var divisor: Int64 = 1
        for _ in 0..<fractionDigits { divisor *= 10 }
        let sign = value < 0 ? "-" : ""
        let magnitude = value.magnitude
        let whole = magnitude / UInt64(divisor)
        let fraction = String(magnitude % UInt64(divisor))
        let padded = String(repeating: "0", count: fractionDigits - fraction.count) + fraction
        return "\(sign)\(whole).\(padded)"
    }

    /// Formats micros as a currency amount with trailing zeros trimmed to at least two
    /// decimals: `2_500_000 → "2.50"`, `910_000 → "0.91"`, `1_234_567 → "1.234567"`.
    public static func formatCurrency(_ micros: Micros) -> String {
        var text = format(micros.value, fractionDigits: 6)
        while text.hasSuffix("0"), let dot = text.firstIndex(of: "."), text.distance(from: dot, to: text.endIndex) > 3 {
            text.removeLast()
        }
        return text
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
