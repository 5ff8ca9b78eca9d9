/// Writes JSON bytes directly, for responses on the hot path. The caller lays out the
/// structure; the writer escapes strings and formats numbers exactly.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 512) { bytes.reserveCapacity(capacity) }

    /// Appends literal JSON text (structure and keys the caller controls).
    public mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Appends `"key":`.
    public mutating func key(_ key: StaticString) {
        bytes.append(UInt8(ascii: "\""))
        raw(key)
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    /// Appends `"key":` for a key known only at run time (written escaped).
    public mutating func key(named key: String) {
        string(key)
        bytes.append(UInt8(ascii: ":"))
    }

    public mutating func comma() { bytes.append(UInt8(ascii: ",")) }

    /// Appends a JSON string, escaping quotes, backslashes and control characters. Runs
    /// that need no escaping (almost all text) are copied whole.
    public mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var runStart = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                appendEscaped(byte)
                runStart = index + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func appendEscaped(_ byte: UInt8) {
        bytes.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        default:
            let hex = Self.hexDigits
            bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    public mutating func optionalString(_ value: String?) {
        if let value { string(value) } else { raw("null") }
    }

    public mutating func integer(_ value: Int64) { bytes.append(contentsOf: String(value).utf8) }

    public mutating func integer(_ value: Int) { bytes.append(contentsOf: String(value).utf8) }

    public mutating func bool(_ value: Bool) { value ? raw("true") : raw("false") }

    /// An amount of micros as a decimal number of currency units (`910000` → `0.91`).
    public mutating func currency(_ micros: Int64) {
        var text = DecimalText.micros(micros)
        if text.hasSuffix(".00") { text.removeLast(3) }
        bytes.append(contentsOf: text.utf8)
    }

    /// `["a","b"]`.
    public mutating func stringArray(_ values: [String]) {
        bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { comma() }
            string(value)
        }
        bytes.append(UInt8(ascii: "]"))
    }
}
