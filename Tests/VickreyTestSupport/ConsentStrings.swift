/// Privacy strings written bit by bit, for outcomes the published examples do not cover:
/// a TCF v2 core segment (its field layout, as `TCFConsent` reads it; the decoder itself is
/// checked against published strings) and a GPP string with a US national section.
public enum ConsentStrings {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

    struct Bits {
        var bits: [Bool] = []
        mutating func put(_ value: Int, _ width: Int) {
            for shift in stride(from: width - 1, through: 0, by: -1) { bits.append(value >> shift & 1 == 1) }
        }
        mutating func field(_ set: Set<Int>, _ width: Int) { for index in 1...width { bits.append(set.contains(index)) } }
        var text: String {
            var padded = bits
            while padded.count % 6 != 0 { padded.append(false) }
            return String(
                stride(from: 0, to: padded.count, by: 6).map { start in
                    alphabet[padded[start..<start + 6].reduce(0) { $0 << 1 | ($1 ? 1 : 0) }]
                })
        }
    }

    /// A TCF v2 core string with these purpose consents and legitimate interests and these
    /// vendor consents and legitimate interests (bit-field encoded).
    public static func tcf(purposes: Set<Int>, interests: Set<Int> = [], vendors: Set<Int>, vendorInterests: Set<Int> = []) -> String {
        var bits = core(purposes: purposes, interests: interests)
        for section in [vendors, vendorInterests] {
            let maximum = section.max() ?? 0
            bits.put(maximum, 16)
            bits.put(0, 1)  // a bit field, not ranges
            if maximum > 0 { bits.field(section, maximum) }
        }
        return bits.text
    }

    /// A TCF v2 core string whose vendor consents are range encoded: these ranges, up to `maximum`.
    public static func tcf(purposes: Set<Int>, vendorRanges: [ClosedRange<Int>], maximum: Int) -> String {
        var bits = core(purposes: purposes, interests: [])
        bits.put(maximum, 16)
        bits.put(1, 1)
        bits.put(vendorRanges.count, 12)
        for range in vendorRanges {
            bits.put(1, 1)
            bits.put(range.lowerBound, 16)
            bits.put(range.upperBound, 16)
        }
        bits.put(0, 17)  // no vendor legitimate interests
        return bits.text
    }

    static func core(purposes: Set<Int>, interests: Set<Int>) -> Bits {
        var bits = Bits()
        bits.put(2, 6)  // version
        bits.put(16_000_000_000, 36)  // created
        bits.put(16_000_000_000, 36)  // last updated
        bits.put(7, 12)  // CMP id
        bits.put(1, 12)  // CMP version
        bits.put(1, 6)  // consent screen
        bits.put(4, 6)
        bits.put(13, 6)  // "EN"
        bits.put(150, 12)  // vendor list version
        bits.put(2, 6)  // policy version
        bits.put(0, 2)  // service specific, non-standard texts
        bits.field([], 12)  // special features
        bits.field(purposes, 24)
        bits.field(interests, 24)
        bits.put(0, 1)  // purpose one treatment
        bits.put(0, 12)  // publisher country "AA"
        return bits
    }

    /// A GPP string (header listing section 7) whose US national section has these
    /// opt-outs (1 = opted out, 2 = did not).
    public static func gppUSNational(sale: Int = 2, sharing: Int = 2, targeted: Int = 2) -> String {
        var bits = Bits()
        bits.put(1, 6)
        for _ in 0..<6 { bits.put(1, 2) }
        bits.put(sale, 2)
        bits.put(sharing, 2)
        bits.put(targeted, 2)
        return "DBABLA~" + bits.text + ".QA"
    }
}
