/// Rules for text a person types that is stored, shown and signed: no control character
/// (U+0000–U+001F) anywhere, so it reads back the same from either database engine (a
/// PostgreSQL text column cannot hold U+0000) and prints the same in every table.
public enum TextRules {
    /// `U+000A`-style name of the first control character in `text`, or nil when it has none.
    public static func firstControlCharacter(in text: String) -> String? {
        guard let control = text.utf8.first(where: { $0 < 0x20 }) else { return nil }
        let code = String(control, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: 4 - code.count) + code
    }

    /// Why `name` cannot be an advertiser's or a campaign's name, or nil when it can.
    public static func nameProblem(_ name: String, maximumBytes: Int) -> String? {
        if name.utf8.count > maximumBytes { return "must be at most \(maximumBytes) bytes" }
        if let control = firstControlCharacter(in: name) { return "must not contain control characters (found \(control))" }
        return nil
    }
}
