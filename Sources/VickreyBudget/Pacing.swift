import VickreyCore

/// The tunable constants of even pacing (config keys `pacing.*`).
///
/// Even pacing throttles participation, never bids: each even-paced campaign carries a
/// pass-through probability. Every `updateIntervalSeconds` it compares the share of its
/// daily budget already spent or reserved with the share of the day's expected traffic
/// already seen; ahead of schedule, the probability shrinks by `adjustmentRate`; behind,
/// it grows by the same factor (capped at 1). This is the multiplicative controller of
/// Agarwal et al., "Budget pacing for targeted online advertisements at LinkedIn" (KDD 2014).
public struct PacingSettings: Hashable, Sendable {
    public var updateIntervalSeconds: Int64
    public var adjustmentRate: Double
    /// The probability a campaign starts each day with.
    public var initialPassThrough: Double
    /// The probability never drops below this, so a throttled campaign can still learn.
    public var minimumPassThrough: Double
    /// The day's expected traffic by local hour (24 non-negative weights); flat by default.
    public var hourlyTrafficWeights: [Double] { didSet { cumulativeWeights = Self.cumulative(hourlyTrafficWeights) } }
    /// `cumulativeWeights[h]`: the weight of hours before `h`; the last entry is the total.
    private var cumulativeWeights: [Double] = []

    public init(
        updateIntervalSeconds: Int64 = 60, adjustmentRate: Double = 0.1, initialPassThrough: Double = 0.1,
        minimumPassThrough: Double = 0.001, hourlyTrafficWeights: [Double] = Array(repeating: 1, count: 24)
    ) {
        self.updateIntervalSeconds = updateIntervalSeconds
        self.adjustmentRate = adjustmentRate
        self.initialPassThrough = initialPassThrough
        self.minimumPassThrough = minimumPassThrough
        let weights =
            hourlyTrafficWeights.count == 24 && hourlyTrafficWeights.contains(where: { $0 > 0 })
            ? hourlyTrafficWeights.map { max(0, $0) } : Array(repeating: 1, count: 24)
        self.hourlyTrafficWeights = weights
        cumulativeWeights = Self.cumulative(weights)
    }

    private static func cumulative(_ weights: [Double]) -> [Double] {
        var sums = [0.0]
        for weight in weights { sums.append(sums.last! + weight) }
        return sums
    }

    /// The share (0...1) of a day's expected traffic that has gone by `millisecondsIntoDay`.
    public func expectedTrafficShare(millisecondsIntoDay: Int64) -> Double {
        let clamped = max(0, millisecondsIntoDay)
        let hour = Int(min(23, clamped / 3_600_000))
        let intoHour = min(1, Double(clamped - Int64(hour) * 3_600_000) / 3_600_000)
        return min(1, (cumulativeWeights[hour] + hourlyTrafficWeights[hour] * intoHour) / cumulativeWeights[24])
    }
}

/// One campaign's pacing controller for the current day.
struct PacingState: Sendable {
    var passThrough: Double
    var lastUpdate: Instant?

    init(settings: PacingSettings) {
        passThrough = settings.initialPassThrough
    }

    /// Adjusts the probability when an update interval has gone by.
    mutating func update(spentShare: Double, expectedShare: Double, at now: Instant, settings: PacingSettings) {
        guard let last = lastUpdate else {
            lastUpdate = now
            return
        }
        guard now.millisecondsSinceEpoch - last.millisecondsSinceEpoch >= settings.updateIntervalSeconds * 1000 else { return }
        lastUpdate = now
        if spentShare > expectedShare {
            passThrough = max(settings.minimumPassThrough, passThrough * (1 - settings.adjustmentRate))
        } else {
            passThrough = min(1, passThrough * (1 + settings.adjustmentRate))
        }
    }
}

/// A reproducible draw in [0, 1) for one campaign in one request: the same request id
/// always gets the same pacing decision, so auctions stay replayable.
enum PacingDraw {
    static func value(requestID: String, campaignID: CampaignID) -> Double {
        var hash = FNV1a()
        hash.add(requestID)
        hash.add(0xff)  // a separator no UTF-8 text contains
        hash.add(campaignID.rawValue)
        // SplitMix64's output function spreads the FNV bits over the whole word.
        return SplitMix64.unit(SplitMix64.mix(hash.value &+ SplitMix64.increment))
    }
}
