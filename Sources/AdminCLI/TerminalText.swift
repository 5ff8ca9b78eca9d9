/// Text as `adctl` shows it on a terminal: characters a terminal would act on instead of
/// showing (control characters, DEL, C1 controls, bidirectional overrides and the line
/// and paragraph separators) are written as visible escapes (`\u{1B}`), so stored data
/// (a campaign name, a URL, an id in an error message) cannot move the cursor, recolour
/// the screen or reorder what is shown. Machine outputs (`--json`, ledger exports) are
/// written as they are.
enum TerminalText {
    static func safe(_ text: String, keepingLineBreaks: Bool = false) -> String {
        guard text.unicodeScalars.contains(where: { isUnsafe($0, keepingLineBreaks) }) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if isUnsafe(scalar, keepingLineBreaks) {
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static func isUnsafe(_ scalar: Unicode.Scalar, _ keepingLineBreaks: Bool) -> Bool {
        switch scalar.value {
        case 0x0A: !keepingLineBreaks
        case 0x00...0x1F, 0x7F...0x9F, 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0x2028, 0x2029: true
        default: false
        }
    }
}
