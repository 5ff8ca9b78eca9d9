/// The core segment of an IAB TCF v2 consent string (`regs.gdpr = 1`'s `user.consent`):
/// which purposes the user consented to, which it allowed on legitimate interest, and
/// which vendors have consent or legitimate interest. Decoded from the string's first
/// segment (base64url, big-endian bit fields as the TCF v2 specification lays them out);
/// the other segments (disclosed vendors, publisher restrictions) are not needed here.
public struct TCFConsent: Hashable, Sendable {
    public var version: Int
    public var cmpID: Int
    public var cmpVersion: Int
    public var consentScreen: Int
    public var consentLanguage: String
    public var vendorListVersion: Int
    public var policyVersion: Int
    public var isServiceSpecific: Bool
    public var usesNonStandardTexts: Bool
    public var specialFeatureOptIns: Set<Int>
    public var purposeConsents: Set<Int>
    public var purposeLegitimateInterests: Set<Int>
    public var purposeOneTreatment: Bool
    public var publisherCountry: String
    public var vendorConsents: Set<Int>
    public var vendorLegitimateInterests: Set<Int>

    /// The most vendor ids one string may list (the global vendor list holds about 1,500).
    public static let maximumVendorID = 65_535
    /// Consent strings longer than this are refused unread.
    public static let maximumLength = 8_192

    /// Decodes `text`; nil when it is not a TCF v2 string (wrong version, truncated, not
    /// base64url, too long). A string that does not decode counts as no consent.
    public init?(_ text: String) {
        guard text.utf8.count <= Self.maximumLength else { return nil }
        let core = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)[0]
        guard var bits = BitReader(base64URL: core) else { return nil }
        guard let version = bits.int(6), version == 2, bits.skip(36 + 36), let cmpID = bits.int(12), let cmpVersion = bits.int(12),
            let screen = bits.int(6), let language = bits.letters(2), let vendorListVersion = bits.int(12), let policy = bits.int(6),
            let serviceSpecific = bits.flag(), let nonStandard = bits.flag(), let specialFeatures = bits.set(12),
            let purposes = bits.set(24), let interests = bits.set(24), let purposeOne = bits.flag(), let country = bits.letters(2),
            let vendors = bits.vendorSection(), let vendorInterests = bits.vendorSection()
        else { return nil }
        self.version = version
        self.cmpID = cmpID
        self.cmpVersion = cmpVersion
        self.consentScreen = screen
        self.consentLanguage = language
        self.vendorListVersion = vendorListVersion
        self.policyVersion = policy
        self.isServiceSpecific = serviceSpecific
        self.usesNonStandardTexts = nonStandard
        self.specialFeatureOptIns = specialFeatures
        self.purposeConsents = purposes
        self.purposeLegitimateInterests = interests
        self.purposeOneTreatment = purposeOne
        self.publisherCountry = country
        self.vendorConsents = vendors
        self.vendorLegitimateInterests = vendorInterests
    }
}

/// Reads big-endian bit fields from base64url text.
struct BitReader {
    private let bytes: [UInt8]
    private var position = 0

    init?(base64URL text: Substring) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count * 3 / 4 + 1)
        var buffer: UInt32 = 0
        var count = 0
        for byte in text.utf8 {
            let value: UInt8
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = byte - UInt8(ascii: "A")
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = byte - UInt8(ascii: "a") + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte - UInt8(ascii: "0") + 52
            case UInt8(ascii: "-"), UInt8(ascii: "+"): value = 62
            case UInt8(ascii: "_"), UInt8(ascii: "/"): value = 63
            case UInt8(ascii: "="): continue
            default: return nil
            }
            buffer = buffer << 6 | UInt32(value)
            count += 6
            if count >= 8 {
                count -= 8
                bytes.append(UInt8(truncatingIfNeeded: buffer >> UInt32(count)))
            }
        }
        // The last partial byte's bits matter too (fields need not end on a byte).
        if count > 0 { bytes.append(UInt8(truncatingIfNeeded: buffer << UInt32(8 - count))) }
        guard !bytes.isEmpty else { return nil }
        self.bytes = bytes
    }

    var remaining: Int { bytes.count * 8 - position }

    mutating func skip(_ count: Int) -> Bool {
        guard remaining >= count else { return false }
        position += count
        return true
    }

    mutating func int(_ width: Int) -> Int? {
        guard width <= 62, remaining >= width else { return nil }
        var value = 0
        for _ in 0..<width {
            value = value << 1 | Int(bytes[position >> 3] >> UInt8(7 - position & 7) & 1)
            position += 1
        }
        return value
    }

    mutating func flag() -> Bool? { int(1).map { $0 == 1 } }

    /// Two-letter codes, six bits per letter (0 = A).
    mutating func letters(_ count: Int) -> String? {
        var text = ""
        for _ in 0..<count {
            guard let value = int(6), value < 26 else { return nil }
            text.append(Character(Unicode.Scalar(UInt8(ascii: "A") + UInt8(value))))
        }
        return text
    }

    /// A bit field of `width` bits: the (1-based) positions set.
    mutating func set(_ width: Int) -> Set<Int>? {
        var result = Set<Int>()
        for index in 1...width {
            guard let bit = flag() else { return nil }
            if bit { result.insert(index) }
        }
        return result
    }

    /// A TCF vendor section: MaxVendorId(16), IsRangeEncoding(1), then a bit field of
    /// MaxVendorId bits or NumEntries(12) entries of IsARange(1) Start(16) [End(16)].
    /// Ranges are filled a machine word at a time: a hostile string of a thousand
    /// 65,535-wide ranges costs a few thousand word writes, not a hundred million inserts.
    mutating func vendorSection() -> Set<Int>? {
        guard let maximum = int(16), let isRange = flag() else { return nil }
        if !isRange { return maximum == 0 ? [] : set(maximum) }
        guard let entries = int(12) else { return nil }
        var words = [UInt64](repeating: 0, count: maximum / 64 + 1)
        for _ in 0..<entries {
            guard let isARange = flag(), let start = int(16) else { return nil }
            let end = isARange ? int(16) : start
            guard let end, start >= 1, end >= start, end <= maximum else { return nil }
            var vendor = start
            while vendor <= end {
                if vendor % 64 == 0, vendor + 63 <= end {
                    words[vendor / 64] = .max
                    vendor += 64
                } else {
                    words[vendor / 64] |= 1 << UInt64(vendor % 64)
                    vendor += 1
                }
            }
        }
        var vendors = Set<Int>()
        for (index, word) in words.enumerated() where word != 0 {
            var bits = word
            while bits != 0 {
                vendors.insert(index * 64 + bits.trailingZeroBitCount)
                bits &= bits - 1
            }
        }
        return vendors
    }
}
