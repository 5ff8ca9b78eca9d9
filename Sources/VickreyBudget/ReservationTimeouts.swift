import VickreyCore

/// How long a reservation waits for its beacon before it gives its budget back.
public struct ReservationTimeouts: Hashable, Sendable {
    public var impressionSeconds: Int64
    public var clickSeconds: Int64

    /// 15 minutes for an impression (an app shows an ad within seconds of fetching it; a
    /// page may be left open longer), an hour for a click.
    public init(impressionSeconds: Int64 = 900, clickSeconds: Int64 = 3_600) {
        self.impressionSeconds = impressionSeconds
        self.clickSeconds = clickSeconds
    }

    /// The longer of the two: how long any beacon of an ad may still arrive.
    public var longestSeconds: Int64 { max(impressionSeconds, clickSeconds) }

    /// How long a reservation waiting for a beacon of `kind` stays open (a viewable
    /// event follows its impression within seconds: it waits as long).
    public func seconds(for kind: BeaconKind) -> Int64 { kind.expiresWithImpression ? impressionSeconds : clickSeconds }
}

/// How much of a campaign's budget wins that never see a beacon can hold (`budget.*`
/// settings): a campaign keeps at most `cap = max(minimumOpen, rate × windowSeconds)` open
/// reservations, `rate` being how many of its reservations beacons settled per second over
/// the last minute. A win past the cap is served without a reservation while more than
/// another `cap + 1` maximum charges are free: it holds no budget, and its beacon is
/// charged from the free budget when it arrives (recorded unbilled if the budget no longer
/// holds it). Nearer the end of the budget, wins reserve or are refused as before. So
/// requests that win and never fire a beacon (an attack on a competitor's budget) withhold
/// at most `cap` maximum charges, for at most the reservation's time to live after they
/// stop, and the campaign keeps winning real traffic meanwhile. `docs/budgets.md` states
/// the bound.
public struct ReservationLimits: Hashable, Sendable {
    /// `budget.reservationWindowSeconds`: how many seconds of the campaign's settled rate
    /// its open reservations may cover (far more than a beacon takes to arrive).
    public var windowSeconds: Int64 = 30
    /// `budget.minimumOpenReservations`: open reservations a campaign may always hold,
    /// whatever its rate (a new or quiet campaign).
    public var minimumOpen = 16

    public init() {}

    /// No cap: every win reserves while the budget holds it (for tests of reservations alone).
    public static let unlimited: ReservationLimits = {
        var limits = ReservationLimits()
        limits.minimumOpen = .max
        return limits
    }()

    /// The most open reservations for a campaign that beacons settled `settledPerMinute`
    /// of in the last minute.
    public func cap(settledPerMinute: Int) -> Int {
        guard minimumOpen != .max else { return .max }
        let (product, overflow) = settledPerMinute.multipliedReportingOverflow(by: Int(windowSeconds))
        return max(minimumOpen, overflow ? .max : (product + 59) / 60)
    }

    /// The reservation id of a win served without a reservation (ids are never 0).
    public static let unreserved: UInt64 = 0
}
