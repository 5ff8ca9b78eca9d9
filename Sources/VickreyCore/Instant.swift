import Foundation

/// A point in time as whole milliseconds since the Unix epoch (UTC).
///
/// The core never reads a clock: callers pass the instant an auction happens at, so
/// every decision is reproducible in a test.
public struct Instant: Hashable, Comparable, Sendable {
    public var millisecondsSinceEpoch: Int64

    public init(millisecondsSinceEpoch: Int64) { self.millisecondsSinceEpoch = millisecondsSinceEpoch }
    public init(secondsSinceEpoch: Int64) { self.millisecondsSinceEpoch = secondsSinceEpoch * 1000 }

    public var secondsSinceEpoch: Int64 { millisecondsSinceEpoch.floorDivided(by: 1000) }

    public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch }

    public func adding(seconds: Int64) -> Instant {
        Instant(millisecondsSinceEpoch: millisecondsSinceEpoch + seconds * 1000)
    }

    /// The hour of the week (0 = Monday 00:00–00:59, 167 = Sunday 23:00–23:59) at this
    /// instant, for a clock that is `offsetSeconds` ahead of UTC.
    public func hourOfWeek(offsetSeconds: Int) -> Int {
        let local = secondsSinceEpoch + Int64(offsetSeconds)
        let days = local.floorDivided(by: 86_400)
        // 1970-01-01 was a Thursday: day 0 is weekday 3 when Monday is 0.
        let weekday = (days + 3).floorModulo(7)
        let hour = local.floorModulo(86_400) / 3_600
        return Int(weekday * 24 + hour)
    }
}

/// A validated IANA time zone (e.g. `UTC`, `America/New_York`) in which a campaign's
/// day and hours of the week are counted.
public struct CampaignTimeZone: Hashable, Sendable, CustomStringConvertible {
    public let identifier: String
    private let zone: TimeZone

    public static let utc = CampaignTimeZone(identifier: "UTC", zone: TimeZone(identifier: "UTC")!)

    private init(identifier: String, zone: TimeZone) {
        self.identifier = identifier
        self.zone = zone
    }

    /// Nil when `identifier` is not a time zone this system knows.
    public init?(identifier: String) {
        guard identifier.utf8.count <= 64 else { return nil }
        if identifier == "UTC" {
            self = .utc
            return
        }
        guard let zone = TimeZone(identifier: identifier) else { return nil }
        self.init(identifier: identifier, zone: zone)
    }

    /// Seconds this zone's clock is ahead of UTC at `instant` (daylight saving included).
    public func offsetSeconds(at instant: Instant) -> Int {
        if identifier == "UTC" { return 0 }
        return zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant.secondsSinceEpoch)))
    }

    public var description: String { identifier }
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.identifier == rhs.identifier }
    public func hash(into hasher: inout Hasher) { hasher.combine(identifier) }
}

extension Int64 {
    /// Division rounding toward negative infinity.
    func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }

    /// The remainder that is always in `0..<divisor` for a positive divisor.
    func floorModulo(_ divisor: Int64) -> Int64 {
        let remainder = self % divisor
        return remainder < 0 ? remainder + divisor : remainder
    }
}

extension Instant {
    /// The day number (days since 1970-01-01) of this instant on a clock
    /// `offsetSeconds` ahead of UTC.
    public func dayNumber(offsetSeconds: Int) -> Int64 {
        (millisecondsSinceEpoch + Int64(offsetSeconds) * 1000).floorDivided(by: 86_400_000)
    }
}
