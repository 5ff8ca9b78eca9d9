import VickreyCore

/// A fleet's budget leases (PostgreSQL): how servers share a campaign's budgets without
/// asking the database on each ad request.
///
/// For each campaign and budget (its lifetime budget, and its daily budget on each budget
/// day) the database keeps a **pool** and one **lease** per server (what that server may
/// still spend, and has spent, of it). The pool's commitment is the spend before the
/// pool plus every lease's spend and unspent remainder, and every transaction keeps, for
/// every campaign and budget, `spent + Σ unspent leases = committed ≤ budget`:
/// - `settle` grants only what is left uncommitted, and never a lease that would break it;
/// - a ledger append moves a billed charge from the charging server's lease remainder to
///   its spend in the same transaction, and records the event unbilled
///   (`lease_exhausted`) when the lease cannot cover it (or, for a budget lowered below
///   its commitments, when the fleet's exact spend plus the charge would pass it);
/// - an expired lease (its server stopped renewing it) is set to zero under the pool's
///   lock, after which its server can bill nothing more from it, so its unspent part is
///   back in the pool.
/// Transactions that change a pool lock it before any lease of it, in (campaign, period)
/// order, so they queue rather than deadlock.
public protocol BudgetLeaseStore: Sendable {
    /// Tops up or hands back this server's leases (one transaction for the whole batch),
    /// renews every current lease it holds for `ttlSeconds`, and reaps other servers'
    /// expired leases on the campaigns it touches.
    /// Also returns the reservations other servers asked to release (recorded by them
    /// from `releasesSince`, database time in milliseconds, with some overlap).
    func settle(_ requests: [LeaseRequest], serverID: String, ttlSeconds: Int64, releasesSince: Int64?) async throws(StoreError)
        -> LeaseSettleResult
    /// Hands every lease this server holds back to the pool (clean shutdown); returns the amount.
    func release(serverID: String) async throws(StoreError) -> Nanos
    /// Sets every expired lease to zero (its unspent part returns to the pool); returns how
    /// many pools got money back.
    func reapExpired() async throws(StoreError) -> Int
    /// Every pool with its budget, spend and the leases outstanding on it, by campaign.
    func pools(campaign: CampaignID?) async throws(StoreError) -> [BudgetPoolState]
}

/// The database's answer to a settle.
public struct LeaseSettleResult: Sendable {
    public var grants: [LeaseGrant]
    /// Reservations of ads whose beacons other servers recorded: release them if held here.
    public var releases: [(campaign: CampaignID, reservation: UInt64)]
    /// The database's clock at the settle: where the next one reads releases from.
    public var databaseTime: Int64

    public init(grants: [LeaseGrant], releases: [(campaign: CampaignID, reservation: UInt64)], databaseTime: Int64) {
        self.grants = grants
        self.releases = releases
        self.databaseTime = databaseTime
    }
}

/// One pool as `adctl lease list` shows it: the bound on money in flight is `outstanding`.
public struct BudgetPoolState: Hashable, Sendable {
    public var campaignID: CampaignID
    public var period: BudgetPeriod
    public var budget: Nanos?
    /// The fleet's spend against this budget.
    public var spent: Nanos
    /// What the database holds committed against the budget: always `spent + outstanding`.
    public var committed: Nanos
    public var leases: [ServerLease]

    /// Every server's unspent lease.
    public var outstanding: Nanos { leases.reduce(.zero) { $0 + $1.remaining } }

    public init(
        campaignID: CampaignID, period: BudgetPeriod, budget: Nanos?, spent: Nanos, committed: Nanos, leases: [ServerLease]
    ) {
        self.campaignID = campaignID
        self.period = period
        self.budget = budget
        self.spent = spent
        self.committed = committed
        self.leases = leases
    }
}

/// One server's lease on one pool.
public struct ServerLease: Hashable, Sendable {
    public var serverID: String
    public var remaining: Nanos
    public var expiresAt: Instant
    public var expired: Bool

    public init(serverID: String, remaining: Nanos, expiresAt: Instant, expired: Bool) {
        self.serverID = serverID
        self.remaining = remaining
        self.expiresAt = expiresAt
        self.expired = expired
    }
}
