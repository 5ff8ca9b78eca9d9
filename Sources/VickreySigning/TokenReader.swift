/// Reads the token's binary layout, refusing anything truncated or oversized.
struct TokenReader {
    let bytes: [UInt8]
    /// Whether string lengths are varints (version 3) or one byte (version 2).
    let varintLengths: Bool
    var position = 0

    var isAtEnd: Bool { position == bytes.count }

    mutating func byte() -> UInt8? {
        guard position < bytes.count else { return nil }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func varint() -> UInt64? {
        var value: UInt64 = 0
        for shift in stride(from: 0, to: 64, by: 7) {
            guard let byte = byte() else { return nil }
            value |= UInt64(byte & 0x7F) << UInt64(shift)
            if byte < 0x80 { return value }
        }
        return nil
    }

    mutating func string() -> String? {
        guard let length = varintLengths ? varint() : byte().map(UInt64.init), length <= UInt64(bytes.count - position) else { return nil }
        let count = Int(length)
        defer { position += count }
        return String(validating: bytes[position..<position + count], as: UTF8.self)
    }
}
