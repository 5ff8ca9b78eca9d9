import VickreyCore

/// Weeks of sampled request dimensions with a stable weekly shape, for forecast tests and
/// `adctl forecast --backtest` demonstrations: per hour, a count following a daily curve
/// (a night trough, an evening peak; weekends 1.25×) with ±10% noise, each request drawn
/// from fixed shares of placements, countries and devices (operating system following the
/// device). Reproducible from its seed.
public struct SyntheticTraffic: Sendable {
    public static let placements: [(String, Int)] = [("home_feed", 60), ("article", 40)]
    public static let countries: [(String, Int)] = [("US", 45), ("DE", 20), ("FR", 15), ("GB", 12), ("ES", 8)]
    public static let devices: [(DeviceType, Int)] = [(.mobile, 60), (.desktop, 30), (.tablet, 10)]
    /// Relative requests per hour of the day (UTC).
    public static let hourly: [Int] = [3, 2, 1, 1, 1, 2, 4, 6, 8, 9, 9, 9, 10, 9, 9, 9, 10, 11, 13, 14, 13, 10, 7, 4]

    public var requestsPerWeek: Int
    public var weeks: Int
    /// Monday 00:00 UTC of the first week.
    public var start: Instant
    public var seed: UInt64

    public init(
        requestsPerWeek: Int, weeks: Int, start: Instant = Instant(secondsSinceEpoch: 1_792_972_800),  // Monday 2026-10-26
        seed: UInt64 = 7
    ) {
        self.requestsPerWeek = requestsPerWeek
        self.weeks = weeks
        self.start = start
        self.seed = seed
    }

    /// Every request, in time order.
    public func requests() -> [(time: Instant, query: TargetingQuery)] {
        var random = SeededRandom(seed: seed)
        let weights = (0..<168).map { hour in Self.hourly[hour % 24] * (hour >= 120 ? 5 : 4) }
        let total = weights.reduce(0, +)
        var requests: [(time: Instant, query: TargetingQuery)] = []
        requests.reserveCapacity(requestsPerWeek * weeks)
        for week in 0..<weeks {
            for hour in 0..<168 {
                let expected = requestsPerWeek * weights[hour] / total
                let count = max(0, expected + expected * random.int(in: -10...10) / 100)
                let hourStart = start.millisecondsSinceEpoch + Int64(week * 168 + hour) * 3_600_000
                for index in 0..<count {
                    let device = Self.pick(Self.devices, &random)
                    let os: OperatingSystem =
                        switch device {
                        case .desktop: random.chance(70) ? .windows : .macos
                        default: random.chance(55) ? .android : .ios
                        }
                    requests.append(
                        (
                            Instant(millisecondsSinceEpoch: hourStart + Int64(index) * 3_600_000 / Int64(max(count, 1))),
                            TargetingQuery(
                                placement: PlacementID(unchecked: Self.pick(Self.placements, &random)),
                                sizes: [AdSize(width: 300, height: 250)!],
                                country: CountryCode(Self.pick(Self.countries, &random)), device: device, operatingSystem: os)
                        ))
                }
            }
        }
        return requests
    }

    private static func pick<Value>(_ shares: [(Value, Int)], _ random: inout SeededRandom) -> Value {
        var draw = random.int(in: 0...(shares.reduce(0) { $0 + $1.1 } - 1))
        for (value, share) in shares {
            if draw < share { return value }
            draw -= share
        }
        return shares[shares.count - 1].0
    }
}
