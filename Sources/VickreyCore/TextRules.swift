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

/// What a request id must be to be signed into the ledger (`request_id`): 1 to 128
/// characters (Unicode scalars, as JSON Schema counts), no control character
/// (U+0000–U+001F). The ad endpoints refuse any other id, and a ledger verifier refuses
/// a record that carries one, so both read the same rule from here.
public enum RequestIDRule {
    public static let maximumCharacters = 128

    /// Why `id` cannot be a signed request id, or nil when it can.
    public static func problem(_ id: String) -> String? {
        if id.isEmpty { return "must not be empty" }
        if id.utf8.count > maximumCharacters, id.unicodeScalars.count > maximumCharacters {
            return "longer than \(maximumCharacters) characters"
        }
        if let control = TextRules.firstControlCharacter(in: id) {
            return "must not contain control characters (found \(control)); it is signed into the ledger"
        }
        return nil
    }

    /// Why the ad endpoints refuse `id` for a new request, or nil: `problem(id)`, and also
    /// the characters that change how text is shown rather than what it says (DEL, the C1
    /// controls U+0080–U+009F, the bidirectional controls U+061C, U+200E, U+200F,
    /// U+202A–U+202E and U+2066–U+2069, and the line and paragraph separators U+2028 and
    /// U+2029): a request id is shown to billing, in the console and in spreadsheets, where
    /// those could make one id look like another. Ledgers written before this rule may hold
    /// them, so a verifier does not refuse them (`problem` is its rule).
    public static func newRequestProblem(_ id: String) -> String? {
        if let problem = problem(id) { return problem }
        for scalar in id.unicodeScalars {
            switch scalar.value {
            case 0x7F...0x9F, 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0x2028, 0x2029:
                let code = String(scalar.value, radix: 16, uppercase: true)
                return "must not contain U+" + String(repeating: "0", count: max(0, 4 - code.count)) + code
                    + " (a control or direction character): request ids are shown to billing, in the console and in spreadsheets"
            default: continue
            }
        }
        return nil
    }
}
