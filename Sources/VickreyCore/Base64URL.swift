/// Base64 with the URL-safe alphabet and no padding (RFC 4648 §5).
public enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Encodes directly from a table: this runs once per ad served and once per ledger record.
    public static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count * 4 + 2) / 3)
        var index = 0
        while index + 3 <= bytes.count {
            let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            output.append(alphabet[Int(chunk >> 18 & 63)])
            output.append(alphabet[Int(chunk >> 12 & 63)])
            output.append(alphabet[Int(chunk >> 6 & 63)])
            output.append(alphabet[Int(chunk & 63)])
            index += 3
        }
        let remaining = bytes.count - index
        if remaining > 0 {
            let chunk = UInt32(bytes[index]) << 16 | (remaining == 2 ? UInt32(bytes[index + 1]) << 8 : 0)
            output.append(alphabet[Int(chunk >> 18 & 63)])
            output.append(alphabet[Int(chunk >> 12 & 63)])
            if remaining == 2 { output.append(alphabet[Int(chunk >> 6 & 63)]) }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes unpadded base64url from a table. Accepts what `encode` writes and also
    /// texts whose unused final bits are not zero (several texts for the same bytes);
    /// `decodeCanonical` refuses those.
    public static func decode(_ text: String) -> [UInt8]? { decode(text, canonical: false) }

    /// Decodes only the one text `encode` writes for the bytes: unpadded, with the unused
    /// bits of the last character zero. A verifier uses it so that a signature has one spelling.
    public static func decodeCanonical(_ text: String) -> [UInt8]? { decode(text, canonical: true) }

    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    private static func decode(_ text: String, canonical: Bool) -> [UInt8]? {
        var text = text
        return text.withUTF8 { decode($0, canonical: canonical) }
    }

    private static func decode(_ input: UnsafeBufferPointer<UInt8>, canonical: Bool) -> [UInt8]? {
        let remainder = input.count % 4
        guard remainder != 1 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(input.count * 3 / 4)
        var chunk: UInt32 = 0
        var filled = 0
        for byte in input {
            let value = values[Int(byte)]
            guard value != 0xFF else { return nil }
            chunk = chunk << 6 | UInt32(value)
            filled += 1
            if filled == 4 {
                output.append(UInt8(chunk >> 16 & 0xFF))
                output.append(UInt8(chunk >> 8 & 0xFF))
                output.append(UInt8(chunk & 0xFF))
                chunk = 0
                filled = 0
            }
        }
        switch filled {
        case 2:
            if canonical && chunk & 0xF != 0 { return nil }
            output.append(UInt8(chunk >> 4 & 0xFF))
        case 3:
            if canonical && chunk & 0x3 != 0 { return nil }
            output.append(UInt8(chunk >> 10 & 0xFF))
            output.append(UInt8(chunk >> 2 & 0xFF))
        default: break
        }
        return output
    }
}
