/// Every rule of a fleet's budget leases, in one place: how big a slice is, when a server
/// asks for more or hands some back, how the database shares the last of a budget, how
/// long a lease outlives its server and how often the keeper settles and reaps. The
/// server's book (`AccountState.leaseRequests`), the database (`PostgresBudgetLeases`)
/// and the keeper's service all ask this type; none of them holds a lease constant of
/// its own. `docs/fleet.md` states the same rules in prose.
///
/// **Slices.** A slice is `horizonMilliseconds` of the server's own smoothed draw on the
/// campaign (in nanos per second: integers, as all money), kept between `minimumSlice`
/// and `maximumSlice` and never below two of the campaign's largest charges.
///
/// **Asks.** A lease is topped up to a slice when less than half a slice is left
/// unreserved, and the surplus above one slice is handed back when more than two slices
/// are. When the fleet's pool runs low (less than a slice left uncommitted), a server
/// holds only what its own demand over the horizon needs, and nothing when idle; over a
/// lowered budget it hands back everything unreserved.
///
/// **Grants** (inside the database's transaction): what was asked, cut to what is left
/// and, when the pool runs low, to a fair share of it among the servers leasing it.
///
/// **Time.** A lease expires `ttlSeconds` after its server's last settle; settles run
/// every `settleIntervalMilliseconds` (at most a third of the TTL, so one slow settle
/// never lets a live lease expire), sooner (but not within
/// `earliestEarlySettleMilliseconds` of the last) when a campaign was refused for want of
/// a lease; expired leases are reaped every `reapEverySettles` settles (about four times
/// per TTL).
public struct LeasePolicy: Hashable, Sendable {
    /// `lease.horizonSeconds` (in milliseconds here): how much of its recent draw a slice holds.
    public var horizonMilliseconds: Int64 = 5_000
    /// `lease.minimumSliceMicros`, `lease.maximumSliceMicros`: the bounds of a slice.
    public var minimumSlice = Micros(10_000).nanos
    public var maximumSlice = Micros(100_000_000).nanos
    /// `lease.ttlSeconds`: how long a lease outlives its server's last settle.
    public var ttlSeconds: Int64 = 30
    /// `lease.renewIntervalMilliseconds`: how often the server settles its leases, as configured
    /// (`settleIntervalMilliseconds` is what is used).
    public var renewIntervalMilliseconds: Int64 = 500

    /// The shortest TTL and settle interval that make sense (a settle is one transaction).
    public static let minimumTTLSeconds: Int64 = 2
    public static let minimumRenewIntervalMilliseconds: Int64 = 50
    /// A settle asked for early (a campaign refused for want of a lease) waits at least
    /// this long after the last one, so a burst of refusals costs one settle.
    public static let earliestEarlySettleMilliseconds: Int64 = 50
    /// The fleet's figures for a lease are asked for again after this long even when the
    /// lease needs no change, so even an idle server sees a pool running low.
    public static let figuresMaximumAgeMilliseconds: Int64 = 5_000
    /// At most this many figures-only requests in one settle: a large book refreshes over
    /// several rounds rather than in one long transaction.
    public static let figureRefreshesPerSettle = 2_000

    public init() {}

    /// How often the keeper settles: the configured interval, at most a third of the TTL.
    public var settleIntervalMilliseconds: Int64 {
        max(Self.minimumRenewIntervalMilliseconds, min(renewIntervalMilliseconds, ttlSeconds * 1000 / 3))
    }

    /// Expired leases (other servers') are returned to their pools every this many settles.
    public var reapEverySettles: Int {
        max(1, Int(ttlSeconds * 1000 / settleIntervalMilliseconds) / 4)
    }

    /// What a draw of `ratePerSecond` (nanos per second) takes over the horizon (saturating).
    public func demand(ratePerSecond: Nanos) -> Nanos {
        let (product, overflow) = max(0, ratePerSecond.value).multipliedReportingOverflow(by: max(1, horizonMilliseconds))
        return Nanos(overflow ? Int64.max / 1000 : product / 1000)
    }

    /// The slice for a draw of `ratePerSecond` on a campaign whose largest charge is `largestCharge`.
    public func slice(ratePerSecond: Nanos, largestCharge: Nanos) -> Nanos {
        let bounded = min(max(demand(ratePerSecond: ratePerSecond), minimumSlice), max(minimumSlice, maximumSlice))
        return max(bounded, Nanos(largestCharge.value * 2))
    }

    /// The draw rate after a settle: the mean of the previous rate and the rate of what was
    /// drawn since (the first measurement taken as it is), in nanos per second.
    public static func smoothedRate(previous: Nanos, drawn: Nanos, overMilliseconds milliseconds: Int64) -> Nanos {
        let (scaled, overflow) = drawn.value.multipliedReportingOverflow(by: 1000)
        let instant = Nanos(overflow ? Int64.max / 2 : scaled / max(1, milliseconds))
        return previous == .zero ? instant : Nanos((previous.value / 2) + (instant.value / 2))
    }

    /// The change a server asks of one lease it holds `held` of, with `reserved` of it
    /// reserved: positive to top up, negative to hand back, nil to leave it. `pool`: the
    /// fleet's figures for the budget from the last settle.
    public func change(held: Nanos, reserved: Nanos, pool: LeaseGrant?, ratePerSecond: Nanos, largestCharge: Nanos) -> Nanos? {
        let slice = slice(ratePerSecond: ratePerSecond, largestCharge: largestCharge)
        let unreserved = held - reserved
        if let pool, let budget = pool.budget {
            let uncommitted = budget - pool.fleetSpent - pool.outstanding
            // Over the budget (it was lowered): everything unreserved goes back.
            if uncommitted < .zero { return unreserved > .zero ? Nanos.zero - unreserved : nil }
            // The pool runs low: hold only what this server's own demand needs over the
            // horizon (nothing when idle), so the last of a budget serves wherever the
            // traffic is instead of waiting on an idle server.
            if uncommitted < slice {
                // Less than half a charge over the horizon is idle (the smoothed rate
                // halves each idle round: it takes dozens of rounds to reach zero).
                let horizon = demand(ratePerSecond: ratePerSecond)
                let need = horizon.value * 2 < largestCharge.value ? .zero : max(largestCharge, horizon)
                if unreserved > need { return Nanos.zero - (unreserved - need) }
                return unreserved < need ? need - max(unreserved, .zero) : nil
            }
        }
        if unreserved.value < slice.value / 2 { return slice - max(unreserved, .zero) }
        if unreserved.value > slice.value * 2 { return Nanos.zero - (unreserved - slice) }
        return nil
    }

    /// How much of what is left in a pool one server may take: what it asked for, cut to
    /// what is left and, when the pool runs low, to a fair share of it among the servers
    /// leasing that budget (`otherHolders` besides this one), so the last of a budget is
    /// not stranded on one server; nothing when that is less than one charge (`minimum`).
    public static func grant(wanted: Nanos, minimum: Nanos, available: Nanos, otherHolders: Int) -> Nanos {
        guard wanted > .zero, available > .zero else { return .zero }
        let share = Nanos(available.value / Int64(max(1, otherHolders + 1)))
        let granted = min(wanted, available, max(minimum, share))
        return granted >= minimum ? granted : .zero
    }
}
