import VickreyCore

/// How a fleet server sizes and keeps its budget leases (config keys `lease.*`).
///
/// A slice is a few seconds of the server's own recent draw on the campaign
/// (`horizonSeconds` of its smoothed rate), kept between `minimumSlice` and
/// `maximumSlice` and never below two of the campaign's largest charges. A lease is
/// topped up when less than half a slice is left unreserved, and its surplus handed back
/// when more than two slices are; the database further cuts a grant to a fair share of
/// what is left when a budget runs low.
public struct LeaseSettings: Hashable, Sendable {
    public var horizonSeconds: Double
    public var minimumSlice: Nanos
    public var maximumSlice: Nanos
    /// How long a lease outlives its server's last renewal.
    public var ttlSeconds: Int64
    /// How often the server settles its leases (tops up, hands back, renews).
    public var renewIntervalMilliseconds: Int64

    public init(
        horizonSeconds: Double = 5, minimumSlice: Nanos = Micros(10_000).nanos, maximumSlice: Nanos = Micros(100_000_000).nanos,
        ttlSeconds: Int64 = 30, renewIntervalMilliseconds: Int64 = 500
    ) {
        self.horizonSeconds = horizonSeconds
        self.minimumSlice = minimumSlice
        self.maximumSlice = max(minimumSlice, maximumSlice)
        self.ttlSeconds = ttlSeconds
        self.renewIntervalMilliseconds = renewIntervalMilliseconds
    }

    /// The slice for a draw of `ratePerSecond` nanos per second on a campaign whose
    /// largest charge is `largestCharge`.
    public func slice(ratePerSecond: Double, largestCharge: Nanos) -> Nanos {
        let wanted = Nanos(Int64(min(Double(Int64.max / 4), max(0, ratePerSecond * horizonSeconds))))
        return max(min(max(wanted, minimumSlice), maximumSlice), Nanos(largestCharge.value * 2))
    }
}
