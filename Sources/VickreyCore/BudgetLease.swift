// The values a fleet server and the database exchange about budget leases (the rules
// both sides follow are `LeasePolicy`'s).

/// Which of a campaign's budgets a pool or a lease belongs to.
public enum BudgetPeriod: Hashable, Sendable, Comparable, CustomStringConvertible {
    case lifetime
    /// A budget day: days since 1970-01-01 in the campaign's time zone.
    case day(Int64)

    /// The database's code for it: -1 for the lifetime budget, else the day.
    public var code: Int64 {
        switch self {
        case .lifetime: -1
        case .day(let day): day
        }
    }

    public init(code: Int64) { self = code < 0 ? .lifetime : .day(code) }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.code < rhs.code }

    public var description: String {
        switch self {
        case .lifetime: "lifetime"
        case .day(let day): String(Instant(millisecondsSinceEpoch: day * 86_400_000).rfc3339.prefix(10))
        }
    }
}

/// One server's wish for one lease.
public struct LeaseRequest: Hashable, Sendable {
    public var campaignID: CampaignID
    public var period: BudgetPeriod
    /// Positive: how much more this server would like; negative: how much of its lease it
    /// hands back (never more than it holds unreserved); zero: keep it as it is.
    public var change: Nanos
    /// The smallest top-up worth having (the campaign's largest single charge): the
    /// database grants nothing rather than less than this.
    public var minimum: Nanos
    /// The budget day's bounds in UTC milliseconds, so a day's pool can be started from
    /// the ledger (ignored for the lifetime budget).
    public var dayStart: Int64
    public var dayEnd: Int64

    public init(campaignID: CampaignID, period: BudgetPeriod, change: Nanos, minimum: Nanos, dayStart: Int64 = 0, dayEnd: Int64 = 0) {
        self.campaignID = campaignID
        self.period = period
        self.change = change
        self.minimum = minimum
        self.dayStart = dayStart
        self.dayEnd = dayEnd
    }
}

/// What the database did with one lease, and the fleet's figures for its budget.
public struct LeaseGrant: Hashable, Sendable {
    public var campaignID: CampaignID
    public var period: BudgetPeriod
    /// Added to (positive) or taken from (negative) this server's lease.
    public var change: Nanos
    /// This server's unspent lease in the database after the change.
    public var held: Nanos
    /// The budget now (nil: the campaign has no daily budget, or no longer exists).
    public var budget: Nanos?
    /// The fleet's billed spend against this budget.
    public var fleetSpent: Nanos
    /// Every server's unspent lease on it, this one's included.
    public var outstanding: Nanos

    public init(
        campaignID: CampaignID, period: BudgetPeriod, change: Nanos, held: Nanos, budget: Nanos?, fleetSpent: Nanos, outstanding: Nanos
    ) {
        self.campaignID = campaignID
        self.period = period
        self.change = change
        self.held = held
        self.budget = budget
        self.fleetSpent = fleetSpent
        self.outstanding = outstanding
    }
}

/// What a fleet server's ledger append does besides writing the record: a billed
/// charge is drawn from the server's lifetime lease and, when the campaign has a daily
/// budget, its lease for `leaseDay`; and when the server does not hold the ad's
/// reservation (the ad was won on another server), `foreignReservation` tells the fleet
/// to release it wherever it is held.
public struct FleetSettlement: Hashable, Sendable {
    /// The budget day the charge counts against (nil: no daily budget).
    public var leaseDay: Int64?
    public var foreignReservation: UInt64?

    public init(leaseDay: Int64?, foreignReservation: UInt64? = nil) {
        self.leaseDay = leaseDay
        self.foreignReservation = foreignReservation
    }
}
