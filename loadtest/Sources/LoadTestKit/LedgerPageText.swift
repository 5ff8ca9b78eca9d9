import Foundation

/// A `GET /v1/ledger` page taken apart without decoding its records: the server writes each
/// record as its export line (`docs/ledger.md`), so each element of `records` is cut out as
/// text and parsed by the exact-format parser, once, on every core. (Decoding the page
/// into dictionaries and encoding each record back cost more than verifying it.)
public struct LedgerPageText: Sendable {
    /// Each record's JSON object, as the server wrote it.
    public var recordLines: [String]
    /// The page's `next_after` (nil when absent) and `has_more`.
    public var nextAfter: Int64?
    public var hasMore: Bool

    /// Nil when `body` is not a page of the documented shape.
    public init?(_ body: [UInt8]) {
        let key = Array(#""records""#.utf8)
        guard let keyStart = Self.firstIndex(of: key, in: body) else { return nil }
        var index = keyStart + key.count
        Self.skipSpace(body, &index)
        guard index < body.count, body[index] == UInt8(ascii: ":") else { return nil }
        index += 1
        Self.skipSpace(body, &index)
        guard index < body.count, body[index] == UInt8(ascii: "[") else { return nil }
        let arrayStart = index
        index += 1
        var lines: [String] = []
        while true {
            Self.skipSpace(body, &index)
            guard index < body.count else { return nil }
            if body[index] == UInt8(ascii: "]") { break }
            if body[index] == UInt8(ascii: ",") && !lines.isEmpty {
                index += 1
                continue
            }
            guard body[index] == UInt8(ascii: "{"), let end = Self.objectEnd(body, from: index) else { return nil }
            lines.append(String(decoding: body[index..<end], as: UTF8.self))
            index = end
        }
        // The rest of the page, with the records left out, is small: decoded whole.
        let rest = Array(body[..<arrayStart]) + Array("[]".utf8) + Array(body[(index + 1)...])
        guard let object = try? JSONSerialization.jsonObject(with: Data(rest)) as? [String: Any] else { return nil }
        recordLines = lines
        nextAfter = (object["next_after"] as? NSNumber)?.int64Value
        hasMore = object["has_more"] as? Bool == true
    }

    /// Where the object starting at `start` ends (one past its closing brace), minding
    /// strings and their escapes; nil when it does not end.
    static func objectEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        var depth = 0
        var inString = false
        var index = start
        while index < bytes.count {
            let byte = bytes[index]
            if inString {
                if byte == UInt8(ascii: "\\") {
                    index += 1
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
            } else {
                switch byte {
                case UInt8(ascii: "\""): inString = true
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return index + 1 }
                default: break
                }
            }
            index += 1
        }
        return nil
    }

    private static func skipSpace(_ bytes: [UInt8], _ index: inout Int) {
        while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
    }

    private static func firstIndex(of needle: [UInt8], in bytes: [UInt8]) -> Int? {
        guard bytes.count >= needle.count else { return nil }
        for start in 0...(bytes.count - needle.count) where bytes[start] == needle[0] {
            if bytes[start..<(start + needle.count)].elementsEqual(needle) { return start }
        }
        return nil
    }
}
