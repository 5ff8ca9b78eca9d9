/// The traffic the server sees per hour of the week (UTC), as weights that shape an
/// `even` goal's curve: a flight's hour of heavy traffic owes more of the goal than a
/// quiet one. Uniform until every hour of the week has been seen at least once.
public struct TrafficShape: Hashable, Sendable {
    public static let hoursPerWeek = 168
    static let hourMilliseconds: Int64 = 3_600_000
    static let weekMilliseconds: Int64 = 168 * hourMilliseconds
    /// 1970-01-01 (the epoch) was a Thursday, hour 72 of a week that starts on Monday.
    public static let epochHourOfWeek: Int64 = 72

    /// Each UTC hour of the week's weight, 1–1000 (1000 for the busiest hour).
    public let weights: [Int64]
    /// `prefix[h]`: the sum of the weights of hours before `h`; `prefix[168]` the week's.
    private let prefix: [Int64]

    /// Every hour the same: time itself paces the goal.
    public static let uniform = TrafficShape(normalized: Array(repeating: 1000, count: hoursPerWeek))

    /// A shape from request counts per UTC hour of the week: each hour's weight is its
    /// count relative to the busiest hour's, in thousandths (at least 1). Uniform when
    /// there are not 168 counts or any hour has none (less than a week seen).
    public init(counts: [Int64]) {
        guard counts.count == Self.hoursPerWeek, counts.allSatisfy({ $0 > 0 }), let busiest = counts.max() else {
            self = .uniform
            return
        }
        self.init(normalized: counts.map { max(1, Int64((Int128($0) * 1000 / Int128(busiest)))) })
    }

    private init(normalized weights: [Int64]) {
        self.weights = weights
        var prefix = [Int64](repeating: 0, count: Self.hoursPerWeek + 1)
        for hour in 0..<Self.hoursPerWeek { prefix[hour + 1] = prefix[hour] + weights[hour] }
        self.prefix = prefix
    }

    /// The number of the UTC week (Monday 00:00 to Monday) that holds `instant`.
    public static func week(of instant: Instant) -> Int64 {
        (instant.millisecondsSinceEpoch + epochHourOfWeek * hourMilliseconds).floorDivided(by: weekMilliseconds)
    }

    /// The weighted time (weight × milliseconds) from a Monday-00:00 origin to `instant`.
    public func cumulative(at instant: Instant) -> Int128 {
        let shifted = instant.millisecondsSinceEpoch + Self.epochHourOfWeek * Self.hourMilliseconds
        let weeks = shifted.floorDivided(by: Self.weekMilliseconds)
        let rest = shifted.floorModulo(Self.weekMilliseconds)
        let hour = Int(rest / Self.hourMilliseconds)
        let intoHour = rest % Self.hourMilliseconds
        return Int128(weeks) * Int128(prefix[Self.hoursPerWeek]) * Int128(Self.hourMilliseconds)
            + Int128(prefix[hour]) * Int128(Self.hourMilliseconds) + Int128(weights[hour]) * Int128(intoHour)
    }

}

/// The share of a standard line item's goal due by an instant: the curve its pacing
/// follows and its delivery status is measured against. Exact integer arithmetic in
/// parts per million, so an independent oracle computes the same numbers.
///
/// The curve ends at the *target*, when 1% of the flight remains (`end − (end − start) / 100`,
/// in whole milliseconds), so that the last impressions due are taken before the flight
/// closes. With `f` the traffic-weighted share of `[start, target)` elapsed by `now` (ppm,
/// rounded down): `even` is due `f`, `front_loaded` `f × (2 − f)`, `asap` the whole goal.
public enum GoalCurve {
    public static let whole: Int64 = 1_000_000

    /// The ppm of the goal due by `now` for a flight `[start, end)` paced by `pace`.
    public static func duePPM(pace: GoalPace, start: Instant, end: Instant, at now: Instant, shape: TrafficShape) -> Int64 {
        Prepared(pace: pace, start: start, end: end, shape: shape).duePPM(at: now, cumulative: shape.cumulative(at: now))
    }

    /// One flight's curve with what does not change over the flight worked out once: the
    /// weighted time at its start and over `[start, target)`. `duePPM(at:cumulative:)` then
    /// needs only the shape's cumulative weight at `now`, which many curves share (a forecast
    /// computes it once per request).
    public struct Prepared: Sendable {
        public let pace: GoalPace
        let start: Int64
        let target: Int64
        let startWeight: Int128
        let total: Int128

        public init(pace: GoalPace, start: Instant, end: Instant, shape: TrafficShape) {
            self.pace = pace
            self.start = start.millisecondsSinceEpoch
            target = end.millisecondsSinceEpoch - (end.millisecondsSinceEpoch - start.millisecondsSinceEpoch) / 100
            startWeight = shape.cumulative(at: start)
            total = target > self.start ? shape.cumulative(at: Instant(millisecondsSinceEpoch: target)) - startWeight : 0
        }

        /// `GoalCurve.duePPM` at `now`, given `cumulative = shape.cumulative(at: now)`.
        public func duePPM(at now: Instant, cumulative: Int128) -> Int64 {
            if pace == .asap { return whole }
            let elapsed = elapsedPPM(at: now, cumulative: cumulative)
            switch pace {
            case .even, .asap: return elapsed
            case .frontLoaded: return elapsed * (2 * whole - elapsed) / whole
            }
        }

        func elapsedPPM(at now: Instant, cumulative: Int128) -> Int64 {
            let time = now.millisecondsSinceEpoch
            guard time > start else { return 0 }
            guard time < target, total > 0 else { return whole }
            return Int64((cumulative - startWeight) * Int128(whole) / total)
        }
    }

    /// The first instant after `now` at which more than `progress` impressions of `goal`
    /// are due (found by bisection on the exact curve, to the millisecond); the flight's
    /// end when none is before it.
    public static func nextDue(
        after progress: Int64, goal: Int64, pace: GoalPace, start: Instant, end: Instant, at now: Instant, shape: TrafficShape
    ) -> Instant {
        func due(_ at: Int64) -> Int64 {
            units(goal, ppm: duePPM(pace: pace, start: start, end: end, at: Instant(millisecondsSinceEpoch: at), shape: shape))
        }
        var low = now.millisecondsSinceEpoch
        var high = end.millisecondsSinceEpoch
        guard high > low, due(high) > progress else { return end }
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if due(middle) > progress { high = middle } else { low = middle }
        }
        return Instant(millisecondsSinceEpoch: high)
    }

    /// How far behind its curve an item is, relative to its goal: `(due − progress) ×
    /// 1,000,000 / goal` (integer). The standard tier takes the largest first.
    public static func behindPPM(due: Int64, progress: Int64, goal: Int64) -> Int64 {
        let (scaled, overflow) = (due - progress).multipliedReportingOverflow(by: whole)
        return overflow ? Int64(Int128(due - progress) * Int128(whole) / Int128(max(goal, 1))) : scaled / max(goal, 1)
    }

    /// `goal × ppm / 1,000,000`, rounded down.
    public static func units(_ goal: Int64, ppm: Int64) -> Int64 { Int64(Int128(goal) * Int128(ppm) / Int128(whole)) }
}

/// Where a standard line item stands against its goal: what `adctl campaign show`, the
/// admin API, the console and `/metrics` report.
public struct GoalStanding: Hashable, Sendable {
    public var goal: Int64
    /// Impressions billed so far.
    public var delivered: Int64
    /// Impressions due by now on the ideal line (the item's pace curve; `even` for `asap`).
    public var expectedToDate: Int64
    /// `delivered / expectedToDate` in ppm (1,000,000 when nothing is due yet).
    public var pacingRatioPPM: Int64
    /// What the item delivers by its end at its current ratio, at most the goal.
    public var projected: Int64
    public var status: DeliveryHealth

    /// The standing of a `goal` with `delivered` impressions billed at `now`.
    public init(goal: Int64, pace: GoalPace, delivered: Int64, start: Instant, end: Instant, at now: Instant, shape: TrafficShape) {
        self.goal = goal
        self.delivered = delivered
        let ideal: GoalPace = pace == .asap ? .even : pace
        expectedToDate = GoalCurve.units(goal, ppm: GoalCurve.duePPM(pace: ideal, start: start, end: end, at: now, shape: shape))
        pacingRatioPPM = expectedToDate > 0 ? Int64(Int128(delivered) * 1_000_000 / Int128(expectedToDate)) : 1_000_000
        projected = expectedToDate > 0 ? min(goal, Int64(Int128(delivered) * Int128(goal) / Int128(expectedToDate))) : delivered
        status = DeliveryHealth(delivered: delivered, goal: goal, ratioPPM: pacingRatioPPM, ended: now >= end)
    }
}

/// A line item's delivery status. `completed`: the goal is delivered; otherwise, while
/// the flight runs, `on_track` at a pacing ratio of at least 95%, `behind` from 80% to
/// 95%, `at_risk` below 80%; a flight that ended short of its goal is `at_risk`.
public enum DeliveryHealth: String, Hashable, Sendable, CaseIterable {
    case onTrack = "on_track"
    case behind
    case atRisk = "at_risk"
    case completed

    init(delivered: Int64, goal: Int64, ratioPPM: Int64, ended: Bool) {
        if delivered >= goal {
            self = .completed
        } else if ended || ratioPPM < 800_000 {
            self = .atRisk
        } else if ratioPPM < 950_000 {
            self = .behind
        } else {
            self = .onTrack
        }
    }
}
