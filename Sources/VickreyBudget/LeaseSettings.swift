import VickreyCore

/// How a fleet server sizes and keeps its budget leases (config keys `lease.*`).
///
/// A slice is a few seconds of the server's own recent draw on the campaign
/// (`horizonMilliseconds` of its smoothed rate, in nanos per second: integers, as all money), kept between `minimumSlice` and
/// `maximumSlice` and never below two of the campaign's largest charges. A lease is
/// topped up when less than half a slice is left unreserved, and its surplus handed back
/// when more than two slices are; the database further cuts a grant to a fair share of
/// what is left when a budget runs low.
public struct LeaseSettings: Hashable, Sendable {
    public var horizonMilliseconds: Int64
    public var minimumSlice: Nanos
    public var maximumSlice: Nanos
    /// How long a lease outlives its server's last renewal.
    public var ttlSeconds: Int64
    /// How often the server settles its leases (tops up, hands back, renews).
    public var renewIntervalMilliseconds: Int64

    public init(
        horizonMilliseconds: Int64 = 5_000, minimumSlice: Nanos = Micros(10_000).nanos,
        maximumSlice: Nanos = Micros(100_000_000).nanos, ttlSeconds: Int64 = 30, renewIntervalMilliseconds: Int64 = 500
    ) {
        self.horizonMilliseconds = max(1, horizonMilliseconds)
        self.minimumSlice = minimumSlice
        self.maximumSlice = max(minimumSlice, maximumSlice)
        self.ttlSeconds = ttlSeconds
        self.renewIntervalMilliseconds = renewIntervalMilliseconds
    }

    /// What a draw of `ratePerSecond` (nanos per second) takes over the horizon (saturating).
    public func demand(ratePerSecond: Nanos) -> Nanos {
        let (product, overflow) = max(0, ratePerSecond.value).multipliedReportingOverflow(by: horizonMilliseconds)
        return Nanos(overflow ? Int64.max / 1000 : product / 1000)
    }

    /// The slice for a draw of `ratePerSecond` on a campaign whose largest charge is `largestCharge`.
    public func slice(ratePerSecond: Nanos, largestCharge: Nanos) -> Nanos {
        max(min(max(demand(ratePerSecond: ratePerSecond), minimumSlice), maximumSlice), Nanos(largestCharge.value * 2))
    }
}
