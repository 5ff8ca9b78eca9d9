import VickreyCore

/// A read-only view of one campaign's account, for reports, explanations and tests.
public struct BudgetSnapshot: Hashable, Sendable {
    public var limits: BudgetLimits
    /// The budget day (days since 1970-01-01 in the campaign's zone) `spentToday` counts.
    public var day: Int64
    public var spentToday: Nanos
    public var spentTotal: Nanos
    /// Held by reservations not yet settled, released or expired.
    public var reserved: Nanos
    public var openReservations: Int
    /// Wins served without a reservation, the campaign having reached its cap on open
    /// reservations (`ReservationLimits`).
    public var unreservedWins: Int
    /// Everything ever reserved, settled from reservations, and given back.
    public var reservedCumulative: Nanos
    public var settledFromReservations: Nanos
    public var releasedCumulative: Nanos
    /// Charges billed without a reservation (after a restart or expiry).
    public var chargedWithoutReservation: Nanos
    /// Even pacing's current pass-through probability (1 for `asap`).
    public var passThrough: Double
    /// A fleet server's leases on this campaign (nil on a single server).
    public var lease: LeaseSnapshot?
}

/// What a fleet server holds of one campaign's budgets, and the fleet's figures as of
/// its last exchange with the database.
public struct LeaseSnapshot: Hashable, Sendable {
    /// Unspent lifetime lease (reservations draw on it; charges spend it).
    public var lifetime: Nanos
    /// Unspent lease on the current budget day's budget (nil: no daily budget).
    public var daily: Nanos?
    /// The fleet's lifetime and daily figures from the last settle.
    public var fleetLifetime: LeaseGrant?
    public var fleetDaily: LeaseGrant?
    /// This server's recent draw on the campaign (reservations and unreserved charges), nanos per second.
    public var ratePerSecond: Nanos
}
