/// Which requests a campaign wants: include lists (an empty list means "any") and
/// exclude lists over placement, country, device type, OS, keywords and hours of the
/// week, in the semantics of the campaign JSON format:
///
/// - a request matches an include list when its value is in it (keywords: when any of
///   the request's keywords is in it);
/// - it must match none of the exclude lists;
/// - a request that does not carry a dimension matches no include list on it and no
///   exclude list on it (so a campaign that includes countries never serves a request
///   without a country, and a country exclusion never removes such a request).
public struct Targeting: Hashable, Sendable {
    public var placements: Set<PlacementID>
    public var countries: Set<CountryCode>
    public var devices: Set<DeviceType>
    public var operatingSystems: Set<OperatingSystem>
    public var keywords: KeywordSet
    public var hoursOfWeek: HoursOfWeek {
        get { scheduleAndExclusions.group.hoursOfWeek }
        set { scheduleAndExclusions.set(\.hoursOfWeek, newValue) }
    }
    public var exclude: Exclusions {
        _read { yield scheduleAndExclusions.group.exclude }
        _modify {
            // Taken out of its box while it changes, so its sets are changed in place.
            var group = scheduleAndExclusions.group
            scheduleAndExclusions = RarelySet()
            defer { scheduleAndExclusions = RarelySet(group) }
            yield &group.exclude
        }
    }
    /// Hours and exclusions, which most campaigns do not have: 80 bytes in every campaign
    /// otherwise.
    private var scheduleAndExclusions: RarelySet<ScheduleAndExclusions>

    public init(
        placements: Set<PlacementID> = [], countries: Set<CountryCode> = [], devices: Set<DeviceType> = [],
        operatingSystems: Set<OperatingSystem> = [], keywords: KeywordSet = [], hoursOfWeek: HoursOfWeek = .any,
        exclude: Exclusions = Exclusions()
    ) {
        self.placements = placements
        self.countries = countries
        self.devices = devices
        self.operatingSystems = operatingSystems
        self.keywords = keywords
        self.scheduleAndExclusions = RarelySet(ScheduleAndExclusions(hoursOfWeek: hoursOfWeek, exclude: exclude))
    }

    struct ScheduleAndExclusions: DefaultedFields {
        var hoursOfWeek: HoursOfWeek = .any
        var exclude = Exclusions()
        static let defaults = ScheduleAndExclusions()
    }

    /// Targets everything.
    public static let any = Targeting()

    /// The lists a request must not match.
    public struct Exclusions: Hashable, Sendable {
        public var placements: Set<PlacementID>
        public var countries: Set<CountryCode>
        public var devices: Set<DeviceType>
        public var operatingSystems: Set<OperatingSystem>
        public var keywords: KeywordSet
        /// Hours during which the campaign does not serve (`.any` here excludes nothing).
        public var hoursOfWeek: HoursOfWeek

        public init(
            placements: Set<PlacementID> = [], countries: Set<CountryCode> = [], devices: Set<DeviceType> = [],
            operatingSystems: Set<OperatingSystem> = [], keywords: KeywordSet = [], hoursOfWeek: HoursOfWeek = .any
        ) {
            self.placements = placements
            self.countries = countries
            self.devices = devices
            self.operatingSystems = operatingSystems
            self.keywords = keywords
            self.hoursOfWeek = hoursOfWeek
        }
    }
}

/// An ISO 3166-1 alpha-2 country code, upper case (`US`, `CA`).
public struct CountryCode: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: String

    /// Accepts exactly two ASCII letters, upper-casing them; nil otherwise.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 2, bytes.allSatisfy({ ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A }) else { return nil }
        rawValue = String(decoding: bytes.map { $0 & ~0x20 }, as: UTF8.self)
    }

    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The kind of device a request comes from.
public enum DeviceType: String, CaseIterable, Hashable, Comparable, Sendable {
    case mobile, tablet, desktop, ctv
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The operating system of the requesting device.
public enum OperatingSystem: String, CaseIterable, Hashable, Comparable, Sendable {
    case ios, android, windows, macos, linux, other
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A keyword or interest, compared case-insensitively (stored lower case): 1–64
/// characters (Unicode scalars, as JSON Schema counts them) with no control characters.
public struct Keyword: Hashable, Comparable, Sendable, CustomStringConvertible {
    public static let maximumLength = 64
    public let rawValue: String

    public init?(_ text: String) {
        // Lowercase printable ASCII (the usual case) is already in canonical form.
        let isPlainLowercase = text.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F && !($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z")) }
        if isPlainLowercase {
            guard !text.isEmpty, text.utf8.count <= Self.maximumLength else { return nil }
            rawValue = text
            return
        }
        // Counted before lowering: lowering may add scalars (İ becomes i and a combining dot).
        let scalars = text.unicodeScalars
        guard !scalars.isEmpty, scalars.count <= Self.maximumLength,
            !scalars.contains(where: { $0.properties.generalCategory == .control })
        else { return nil }
        rawValue = text.lowercased()
    }

    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A set of hours of the week, 0 (Monday 00:00–00:59) to 167 (Sunday 23:00–23:59),
/// held as a 168-bit mask.
public struct HoursOfWeek: Hashable, Sendable {
    public static let count = 168
    private var low: UInt64 = 0
    private var middle: UInt64 = 0
    private var high: UInt64 = 0

    /// The empty set, which as an include list means "any hour".
    public static let any = HoursOfWeek()

    public init() {}

    /// Nil when an hour is outside 0...167.
    public init?(_ hours: some Sequence<Int>) {
        for hour in hours {
            guard (0..<Self.count).contains(hour) else { return nil }
            insert(hour)
        }
    }

    public var isEmpty: Bool { low == 0 && middle == 0 && high == 0 }

    public func contains(_ hour: Int) -> Bool {
        guard (0..<Self.count).contains(hour) else { return false }
        switch hour {
        case 0..<64: return low & (1 << UInt64(hour)) != 0
        case 64..<128: return middle & (1 << UInt64(hour - 64)) != 0
        default: return high & (1 << UInt64(hour - 128)) != 0
        }
    }

    public mutating func insert(_ hour: Int) {
        precondition((0..<Self.count).contains(hour), "hour of week out of range")
        switch hour {
        case 0..<64: low |= 1 << UInt64(hour)
        case 64..<128: middle |= 1 << UInt64(hour - 64)
        default: high |= 1 << UInt64(hour - 128)
        }
    }

    /// The hours in ascending order.
    public var sorted: [Int] { (0..<Self.count).filter(contains) }
}

/// A creative size in pixels, written `WIDTHxHEIGHT` (`300x250`).
public struct AdSize: Hashable, Comparable, Sendable, CustomStringConvertible {
    public static let maximumDimension = 10_000
    public let width: Int
    public let height: Int

    /// Nil unless both sides are in 1...10_000.
    public init?(width: Int, height: Int) {
        guard (1...Self.maximumDimension).contains(width), (1...Self.maximumDimension).contains(height) else { return nil }
        self.width = width
        self.height = height
    }

    /// The size with each side clamped into 1...10_000: a nominal size for creatives whose
    /// real size is decided by the player or the layout (video, native).
    public init(clampingWidth width: Int, height: Int) {
        self.width = min(max(width, 1), Self.maximumDimension)
        self.height = min(max(height, 1), Self.maximumDimension)
    }

    /// Parses `300x250`; nil for anything else.
    public init?(_ text: String) {
        // Byte by byte: 1–5 ASCII digits, "x", 1–5 ASCII digits (requests carry these).
        var sides = (0, 0)
        var digits = 0
        var sawX = false
        for byte in text.utf8 {
            if byte == UInt8(ascii: "x"), !sawX, digits > 0 {
                sawX = true
                digits = 0
            } else if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 5 {
                let digit = Int(byte - UInt8(ascii: "0"))
                if sawX { sides.1 = sides.1 * 10 + digit } else { sides.0 = sides.0 * 10 + digit }
                digits += 1
            } else {
                return nil
            }
        }
        guard sawX, digits > 0 else { return nil }
        self.init(width: sides.0, height: sides.1)
    }

    public var description: String { "\(width)x\(height)" }
    public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.width, lhs.height) < (rhs.width, rhs.height) }
}
