/// The syntax of the web addresses and domains campaigns carry (creative image and click
/// URLs, `adomain`): what the admin API, `adctl` and the console accept, so that what is
/// stored is exactly what was confirmed and nothing a page or a terminal would read as
/// markup or a control sequence gets in.
public enum WebAddress {
    /// The longest URL accepted, in bytes.
    public static let maximumURLLength = 2_048
    /// The longest domain, in bytes (RFC 1035).
    public static let maximumDomainLength = 253

    /// Why `text` is not an absolute http(s) URL by RFC 3986, or nil when it is: the scheme
    /// `http` or `https`, `//`, a host (a domain name, an IPv4 address or a bracketed IPv6
    /// address) and an optional port, then a path, query and fragment made only of the
    /// characters RFC 3986 allows (letters, digits, `-._~:/?#[]@!$&'()*+,;=` and `%` with
    /// two hex digits). No spaces, quotes, `<`, `>`, backslashes, control characters or
    /// unencoded non-ASCII.
    public static func urlProblem(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        guard bytes.count <= maximumURLLength else { return "longer than \(maximumURLLength) bytes" }
        let lower = text.lowercased()
        let schemeLength = lower.hasPrefix("https://") ? 8 : lower.hasPrefix("http://") ? 7 : 0
        guard schemeLength > 0 else { return "must start with http:// or https://" }
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < bytes.count, isHex(bytes[index + 1]), isHex(bytes[index + 2]) else {
                    return "has a % not followed by two hex digits"
                }
                index += 3
                continue
            }
            guard allowed[Int(byte)] else { return "contains \(describe(byte)), which a URL must percent-encode" }
            index += 1
        }
        let rest = bytes[schemeLength...]
        let authority = rest.prefix { $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "?") && $0 != UInt8(ascii: "#") }
        guard !authority.contains(UInt8(ascii: "@")) else { return "must not carry a user name or password" }
        var host = Array(authority)
        if let colon = host.lastIndex(of: UInt8(ascii: ":")),
            !host.contains(UInt8(ascii: "]")) || colon > host.lastIndex(of: UInt8(ascii: "]"))!
        {
            let port = host[(colon + 1)...]
            guard !port.isEmpty, port.count <= 5, port.allSatisfy(isDigit), Int(String(decoding: port, as: UTF8.self))! <= 65_535 else {
                return "has a port that is not 1–65535"
            }
            host = Array(host[..<colon])
        }
        if host.first == UInt8(ascii: "[") {
            guard host.last == UInt8(ascii: "]"), host.count > 2,
                host.dropFirst().dropLast().allSatisfy({ isHex($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") })
            else { return "has a host that is not a domain name or an IP address" }
            return nil
        }
        guard domainProblem(String(decoding: host, as: UTF8.self)) == nil else {
            return "has a host that is not a domain name or an IP address"
        }
        return nil
    }

    /// Why `text` is not a domain name (labels of 1–63 letters, digits and hyphens, not
    /// starting or ending with a hyphen, separated by dots; at most 253 bytes), or nil.
    public static func domainProblem(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= maximumDomainLength else { return "must be 1–\(maximumDomainLength) bytes" }
        for label in bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            guard (1...63).contains(label.count), label.allSatisfy({ isLetterOrDigit($0) || $0 == UInt8(ascii: "-") }),
                label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-")
            else { return "must be a domain name: labels of letters, digits and hyphens separated by dots" }
        }
        return nil
    }

    private static let allowed: [Bool] = {
        var table = [Bool](repeating: false, count: 256)
        for byte in Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~:/?#[]@!$&'()*+,;=".utf8) {
            table[Int(byte)] = true
        }
        return table
    }()

    private static func isHex(_ byte: UInt8) -> Bool {
        isDigit(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }

    private static func isLetterOrDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }

    private static func describe(_ byte: UInt8) -> String {
        switch byte {
        case 0..<0x20, 0x7F:
            "a control character (U+00\(String(byte, radix: 16, uppercase: true).count == 1 ? "0" : "")\(String(byte, radix: 16, uppercase: true)))"
        case 0x80...: "a non-ASCII character"
        default: "'\(String(UnicodeScalar(byte)))'"
        }
    }
}
