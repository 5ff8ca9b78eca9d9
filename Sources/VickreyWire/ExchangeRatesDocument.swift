import VickreyCore

/// The rates file (`currency.ratesPath`, `adctl rates import FILE`):
///
/// ```json
/// {"base": "USD", "timestamp": "2026-12-01T00:00:00Z", "rates": {"EUR": 0.9216, "GBP": "0.7874"}}
/// ```
///
/// Rates are units of each currency per unit of `base`, as JSON numbers or decimal
/// strings, read exactly (no floating point). Currency codes are three capital letters.
public enum ExchangeRatesDocument {
    public static let maximumBytes = 1 << 20
    public static let maximumCurrencies = 500

    public static func parse(_ bytes: [UInt8]) throws(FieldError) -> ExchangeRates {
        guard bytes.count <= maximumBytes else { throw FieldError(field: nil, message: "at most \(maximumBytes) bytes") }
        var reader = JSONReader(bytes)
        var base: String?
        var timestamp: Instant?
        var rates: [String: ExchangeRates.Rate] = [:]
        try reader.readObject { reader, key throws(FieldError) in
            switch key {
            case "base": base = try code(&reader)
            case "timestamp":
                let text = try reader.readString(maximumCharacters: 64)
                guard let instant = RFC3339.parse(text) else { throw reader.fieldError("must be an RFC 3339 time, not '\(text)'") }
                timestamp = instant
            case "rates":
                var count = 0
                try reader.readObject { reader, currency throws(FieldError) in
                    count += 1
                    guard count <= maximumCurrencies else { throw reader.fieldError("at most \(maximumCurrencies) currencies") }
                    guard isCode(currency) else { throw reader.fieldError("'\(currency)' is not a currency code (three capital letters)") }
                    let text: String
                    if case let value? = try? reader.readString(maximumCharacters: 40) {
                        text = value
                    } else {
                        text = try reader.readNumber()
                    }
                    guard let rate = ExchangeRates.Rate(text) else {
                        throw reader.fieldError("must be a positive decimal with at most 12 decimals, not \(text)")
                    }
                    rates[currency] = rate
                }
            default: throw reader.fieldError("is not a rates field")
            }
        }
        try reader.expectEnd()
        guard let base else { throw FieldError(field: "base", message: "missing") }
        guard let timestamp else { throw FieldError(field: "timestamp", message: "missing") }
        return ExchangeRates(base: base, timestamp: timestamp, rates: rates)
    }

    private static func code(_ reader: inout JSONReader) throws(FieldError) -> String {
        let text = try reader.readString(maximumCharacters: 8)
        guard isCode(text) else { throw reader.fieldError("'\(text)' is not a currency code (three capital letters)") }
        return text
    }

    static func isCode(_ text: String) -> Bool { text.utf8.count == 3 && text.utf8.allSatisfy { (0x41...0x5A).contains($0) } }

    /// The rates as the file's JSON.
    public static func json(_ rates: ExchangeRates) -> String {
        var out = JSONWriter()
        out.object { out in
            out.field("base", rates.base)
            out.field("timestamp", rates.timestamp.rfc3339)
            out.key("rates")
            out.object { out in
                for (code, rate) in rates.rates.sorted(by: { $0.key < $1.key }) {
                    out.key(named: code)
                    out.string(text(rate))
                }
            }
        }
        return out.text
    }

    public static func text(_ rate: ExchangeRates.Rate) -> String { DecimalMoney.format(rate.digits, fractionDigits: rate.scale) }
}
