import VickreyCore

/// One campaign's leases inside a fleet server: what it may still spend, per budget.
/// Kept equal to or below the database's figure (the database holds what pending
/// charges will take, and grants are added only once committed).
struct LeaseAllowance {
    var lifetime = Nanos.zero
    /// By budget day: only the current day's is spent from; others are handed back.
    var daily: [Int64: Nanos] = [:]
    var fleetLifetime: LeaseGrant?
    var fleetDaily: LeaseGrant?
    /// When the fleet's lifetime figures were last read (they are asked for again after
    /// `LeasePolicy.figuresMaximumAgeMilliseconds` even when the lease needs no change).
    var figuresAt: Instant?
    /// The largest charge a reservation has asked for: no smaller lease is worth having.
    var largestCharge = Nanos.zero
    /// Demand since the last settle (reservations, unreserved charges, and bids refused
    /// for want of a lease) and its smoothed rate.
    var drawnSinceSettle = Nanos.zero
    var lastSettle: Instant?
    var ratePerSecond = Nanos.zero

    /// Charges billed here whose ledger append has not answered yet, and the figures the
    /// last settle's requests were made with: what lets a settle raise the allowance back
    /// to what the database holds (`AccountState.apply(_:at:)`).
    var pending = Nanos.zero
    var pendingAtRequests = Nanos.zero
    var billedSinceRequests = Nanos.zero

    mutating func draw(_ amount: Nanos) { drawnSinceSettle += amount }
}
