/// A forward-only JSON reader over a request body, for the hot request path.
///
/// It decodes straight into the caller's types without building an intermediate tree,
/// keeps number text exact (so `0.03` becomes 30_000 micros with no floating point),
/// bounds nesting depth, string and array lengths, and reports every problem as a
/// `FieldError` naming the field's path (`imp[1].banner.w`). Syntax errors have no field.
public struct JSONReader {
    /// Deeper nesting than this is refused, so no input can exhaust the stack.
    public static let maximumDepth = 32

    private let bytes: [UInt8]
    private var position = 0
    private var path: [PathComponent] = []

    enum PathComponent {
        case key(String)
        case index(Int)
    }

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The dotted path of the value being read (`imp[0].banner`), or nil at the top.
    public var currentPath: String? {
        var text = ""
        for component in path {
            switch component {
            case .key(let key): text += text.isEmpty ? key : ".\(key)"
            case .index(let index): text += "[\(index)]"
            }
        }
        return text.isEmpty ? nil : text
    }

    /// An error about the current value.
    public func fieldError(_ message: String) -> FieldError { FieldError(field: currentPath, message: message) }

    /// A wrong-type error when the next byte starts some other JSON value; a syntax
    /// error (no field) when it cannot start a value at all.
    private func typeError(_ expected: String) -> FieldError {
        guard let byte = peek() else { return syntaxError("unexpected end of input") }
        switch byte {
        case UInt8(ascii: "{"), UInt8(ascii: "["), UInt8(ascii: "\""), UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return fieldError(expected)
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            // A literal only when it is spelled out (`this is not json` is no `true`).
            let literal = byte == UInt8(ascii: "t") ? "true" : byte == UInt8(ascii: "f") ? "false" : "null"
            return bytes[position...].starts(with: literal.utf8) ? fieldError(expected) : syntaxError("unexpected character")
        default: return syntaxError("unexpected character")
        }
    }

    /// An error about a child of the current object.
    /// The error for a key the object does not have (the reader is on its value), naming
    /// the closest of `known` when the key looks like a misspelling of it.
    public func unknownField(_ key: String, known: [String]) -> FieldError {
        let lowered = key.lowercased()
        // A known key that starts with this one (`floor` for `floor_micros`), else the nearest
        // by edit distance, when it is near enough to be a misspelling.
        let near = known.min { UnknownFieldSuggestion.distance(lowered, $0) < UnknownFieldSuggestion.distance(lowered, $1) }
        let suggestion =
            known.first { lowered.count >= 3 && $0.hasPrefix(lowered) }
            ?? near.flatMap { UnknownFieldSuggestion.distance(lowered, $0) <= max(2, $0.count / 3) ? $0 : nil }
        return fieldError(
            "is not a field here" + (suggestion.map { " (did you mean '\($0)'?)" } ?? "")
                + "; the fields are: \(known.joined(separator: ", "))")
    }

    public func fieldError(_ key: String, _ message: String) -> FieldError {
        FieldError(field: currentPath.map { "\($0).\(key)" } ?? key, message: message)
    }

    private func syntaxError(_ message: String) -> FieldError {
        FieldError(field: nil, message: "not valid JSON: \(message) at byte \(position)")
    }

    // MARK: Structure

    /// Whether the next value is `null`; consumes it if so.
    public mutating func readNull() throws(FieldError) -> Bool {
        skipWhitespace()
        guard peek() == UInt8(ascii: "n") else { return false }
        try expectLiteral("null")
        return true
    }

    /// Reads an object, calling `body` for each key with the reader positioned on its value;
    /// `body` must read or skip the value.
    public mutating func readObject(_ body: (inout JSONReader, String) throws(FieldError) -> Void) throws(FieldError) {
        skipWhitespace()
        guard peek() == UInt8(ascii: "{") else { throw typeError("expected an object") }
        guard path.count < Self.maximumDepth else { throw fieldError("nested more than \(Self.maximumDepth) levels deep") }
        position += 1
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            position += 1
            return
        }
        // Keys seen so far: a repeated key is refused, never read first-wins or last-wins
        // (parsers disagree on which, so two readers could read two different requests).
        var seen = KeysSeen()
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw syntaxError("expected a key") }
            let key = try readRawString(maximumBytes: 4_096)
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else { throw syntaxError("expected ':'") }
            position += 1
            path.append(.key(key))
            guard seen.insert(key) else { throw fieldError("appears twice in the object") }
            try body(&self, key)
            path.removeLast()
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"):
                position += 1
                return
            default: throw syntaxError("expected ',' or '}'")
            }
        }
    }

    /// Reads an array of at most `maximumCount` elements, calling `body` for each index.
    public mutating func readArray(maximumCount: Int, _ body: (inout JSONReader, Int) throws(FieldError) -> Void) throws(FieldError) {
        skipWhitespace()
        guard peek() == UInt8(ascii: "[") else { throw typeError("expected an array") }
        guard path.count < Self.maximumDepth else { throw fieldError("nested more than \(Self.maximumDepth) levels deep") }
        position += 1
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            position += 1
            return
        }
        var index = 0
        while true {
            guard index < maximumCount else { throw fieldError("at most \(maximumCount) elements") }
            path.append(.index(index))
            try body(&self, index)
            path.removeLast()
            index += 1
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"):
                position += 1
                return
            default: throw syntaxError("expected ',' or ']'")
            }
        }
    }

    /// Skips any value, checking its syntax.
    /// The next value's bytes, read past as `skipValue` does (so they are valid JSON), for a
    /// part of the request that is read on its own and may be ignored when it does not parse.
    public mutating func rawValue() throws(FieldError) -> [UInt8] {
        skipWhitespace()
        let start = position
        try skipValue()
        return Array(bytes[start..<position])
    }

    public mutating func skipValue() throws(FieldError) {
        skipWhitespace()
        switch peek() {
        case UInt8(ascii: "{"): try readObject { reader, _ throws(FieldError) in try reader.skipValue() }
        case UInt8(ascii: "["): try readArray(maximumCount: .max) { reader, _ throws(FieldError) in try reader.skipValue() }
        case UInt8(ascii: "\""): _ = try readRawString(maximumBytes: .max)
        case UInt8(ascii: "t"): try expectLiteral("true")
        case UInt8(ascii: "f"): try expectLiteral("false")
        case UInt8(ascii: "n"): try expectLiteral("null")
        case nil: throw syntaxError("unexpected end of input")
        default: _ = try readNumberText()
        }
    }

    /// Checks that nothing but whitespace follows the top-level value.
    public mutating func expectEnd() throws(FieldError) {
        skipWhitespace()
        guard position == bytes.count else { throw syntaxError("unexpected content after the value") }
    }

    // MARK: Scalars

    /// A string of at most `maximumBytes` UTF-8 bytes.
    public mutating func readString(maximumBytes: Int) throws(FieldError) -> String {
        skipWhitespace()
        guard peek() == UInt8(ascii: "\"") else { throw typeError("expected a string") }
        return try readRawString(maximumBytes: maximumBytes)
    }

    /// A string of at most `maximumCharacters` Unicode scalars (what JSON Schema's
    /// `maxLength` counts), so at most four times as many bytes.
    public mutating func readString(maximumCharacters: Int) throws(FieldError) -> String {
        let text = try readString(maximumBytes: maximumCharacters * 4)
        if text.utf8.count > maximumCharacters, text.unicodeScalars.count > maximumCharacters {
            throw fieldError("longer than \(maximumCharacters) characters")
        }
        return text
    }

    public mutating func readBool() throws(FieldError) -> Bool {
        skipWhitespace()
        switch peek() {
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return true
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return false
        default: throw typeError("expected true or false")
        }
    }

    /// An integer that fits in `Int64`. As in JSON Schema, a number whose value is whole
    /// counts as an integer whatever its spelling (`768.0`, `7.68e2`); `0.5` does not.
    public mutating func readInteger() throws(FieldError) -> Int64 {
        skipWhitespace()
        guard let first = peek(), first == UInt8(ascii: "-") || isDigit(first) else { throw typeError("expected an integer") }
        let text = try readNumberText()
        if let value = Int64(text) { return value }
        switch Self.wholeValue(of: text) {
        case .some(.some(let value)): return value
        case .some(.none): throw fieldError("integer out of range")
        case .none: throw fieldError("expected an integer")
        }
    }

    /// The value of a JSON number's text when it is whole: nil when it has a fractional
    /// part, `.some(nil)` when it is whole but outside `Int64`.
    static func wholeValue(of text: String) -> Int64?? {
        var mantissa = Substring(text)
        var exponent = 0
        if let e = mantissa.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            guard let parsed = Int(mantissa[mantissa.index(after: e)...]) else { return .some(nil) }
            exponent = min(max(parsed, -400), 400)
            mantissa = mantissa[..<e]
        }
        let negative = mantissa.hasPrefix("-")
        if negative { mantissa = mantissa.dropFirst() }
        let parts = mantissa.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        var digits = Array(parts[0] + (parts.count == 2 ? parts[1] : ""))
        var pointAt = parts[0].count + exponent  // digits before the decimal point
        while let last = digits.last, last == "0", digits.count > pointAt { digits.removeLast() }  // trailing fractional zeros
        guard digits.count <= max(pointAt, 0) || digits.allSatisfy({ $0 == "0" }) else { return nil }
        let whole = digits.drop(while: { $0 == "0" })
        if whole.isEmpty { return .some(0) }
        pointAt -= digits.count - whole.count
        guard pointAt <= 19 else { return .some(nil) }
        let text = String(whole) + String(repeating: "0", count: pointAt - whole.count)
        return .some(Int64((negative ? "-" : "") + text))
    }

    /// The exact text of a JSON number (`0.03`, `-2`, `1e3`), for exact decimal conversion.
    public mutating func readNumber() throws(FieldError) -> String {
        skipWhitespace()
        guard let first = peek(), first == UInt8(ascii: "-") || isDigit(first) else { throw typeError("expected a number") }
        return try readNumberText()
    }

    // MARK: Lexing

    /// Whether the next value is a string (an OpenRTB native request may be sent as a
    /// string holding JSON, or as the object itself).
    public mutating func nextIsString() -> Bool {
        skipWhitespace()
        return peek() == UInt8(ascii: "\"")
    }

    private func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(FieldError) {
        let count = literal.utf8CodeUnitCount
        guard position + count <= bytes.count else { throw syntaxError("unexpected end of input") }
        let matches = literal.withUTF8Buffer { expected in
            (0..<count).allSatisfy { bytes[position + $0] == expected[$0] }
        }
        guard matches else { throw syntaxError("unexpected character") }
        position += count
    }

    private mutating func readNumberText() throws(FieldError) -> String {
        let start = position
        if peek() == UInt8(ascii: "-") { position += 1 }
        guard let first = peek(), isDigit(first) else { throw syntaxError("invalid number") }
        if first == UInt8(ascii: "0") {
            position += 1
        } else {
            while let byte = peek(), isDigit(byte) { position += 1 }
        }
        if peek() == UInt8(ascii: ".") {
            position += 1
            guard let byte = peek(), isDigit(byte) else { throw syntaxError("invalid number") }
            while let byte = peek(), isDigit(byte) { position += 1 }
        }
        if let byte = peek(), byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
            position += 1
            if let sign = peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { position += 1 }
            guard let digit = peek(), isDigit(digit) else { throw syntaxError("invalid number") }
            while let byte = peek(), isDigit(byte) { position += 1 }
        }
        guard position - start <= 64 else { throw fieldError("number longer than 64 characters") }
        return text(start..<position, isASCII: true)!
    }

    /// The bytes in `range` as a string; nil when they are not valid UTF-8.
    private func text(_ range: Range<Int>, isASCII: Bool) -> String? {
        bytes.withUnsafeBufferPointer { buffer in
            let slice = UnsafeBufferPointer(rebasing: buffer[range])
            return isASCII ? String(decoding: slice, as: UTF8.self) : String(validating: slice, as: UTF8.self)
        }
    }

    /// Reads a string starting at the opening quote, decoding escapes.
    private mutating func readRawString(maximumBytes: Int) throws(FieldError) -> String {
        position += 1  // opening quote
        let start = position
        // Fast path: no escapes. ASCII text needs no UTF-8 validation.
        var isASCII = true
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                guard position - start <= maximumBytes else { throw fieldError("longer than \(maximumBytes) bytes") }
                let text = text(start..<position, isASCII: isASCII)
                position += 1
                guard let text else { throw syntaxError("invalid UTF-8 in a string") }
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw syntaxError("control character in a string") }
            if byte >= 0x80 { isASCII = false }
            position += 1
        }
        var decoded = Array(bytes[start..<position])
        while true {
            guard position < bytes.count else { throw syntaxError("unterminated string") }
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard decoded.count <= maximumBytes else { throw fieldError("longer than \(maximumBytes) bytes") }
                guard let text = String(validating: decoded, as: UTF8.self) else { throw syntaxError("invalid UTF-8 in a string") }
                return text
            case UInt8(ascii: "\\"):
                guard position < bytes.count else { throw syntaxError("unterminated string") }
                let escaped = bytes[position]
                position += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(escaped)
                case UInt8(ascii: "b"): decoded.append(0x08)
                case UInt8(ascii: "f"): decoded.append(0x0C)
                case UInt8(ascii: "n"): decoded.append(0x0A)
                case UInt8(ascii: "r"): decoded.append(0x0D)
                case UInt8(ascii: "t"): decoded.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try readHex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u")
                        else {
                            throw syntaxError("unpaired surrogate")
                        }
                        position += 2
                        let low = try readHex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw syntaxError("unpaired surrogate") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw syntaxError("invalid escape") }
                    decoded.append(contentsOf: Array(String(Character(unicode)).utf8))
                default: throw syntaxError("invalid escape")
                }
            default:
                if byte < 0x20 { throw syntaxError("control character in a string") }
                decoded.append(byte)
            }
            if decoded.count > maximumBytes { throw fieldError("longer than \(maximumBytes) bytes") }
        }
    }

    private mutating func readHex4() throws(FieldError) -> UInt32 {
        guard position + 4 <= bytes.count else { throw syntaxError("invalid escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw syntaxError("invalid escape")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }
}

/// The keys of one object read so far: a short list (objects on the request path hold a
/// handful of keys), a set once there are many (so a body of thousands of keys costs
/// linear time, not quadratic).
private struct KeysSeen {
    private var few: [String] = []
    private var many: Set<String>?

    /// Adds `key`; false when it was already there.
    mutating func insert(_ key: String) -> Bool {
        if let inserted = many?.insert(key).inserted { return inserted }
        if few.contains(key) { return false }
        few.append(key)
        if few.count == 16 { many = Set(few) }
        return true
    }
}

/// How far a key is from a known one (Levenshtein distance), to suggest a correction.
enum UnknownFieldSuggestion {
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8.prefix(64))
        let b = Array(b.utf8.prefix(64))
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1]
            for (j, y) in b.enumerated() { current.append(min(previous[j] + (x == y ? 0 : 1), previous[j + 1] + 1, current[j] + 1)) }
            previous = current
        }
        return previous[b.count]
    }
}
