import Synchronization
import VickreyCore

/// Every campaign's budget account: exact spend and reservations in nanos, daily resets
/// in the campaign's zone, and even pacing.
///
/// Guarantees: checking a budget and reserving against it happen under the campaign's
/// own lock, so no number of concurrent auctions can reserve more than a budget holds,
/// and a charge is billed only when it fits. Campaigns never wait for each other: the
/// book is split into shards (a lookup holds a shard's lock for one dictionary access)
/// and each account has its own lock, held for arithmetic only, never across I/O.
public final class BudgetBook: Sendable {
    public let timeouts: ReservationTimeouts
    public let reservationLimits: ReservationLimits
    public let pacing: PacingSettings
    /// A fleet server's book: every account spends only from its leases.
    public let isLeased: Bool
    private let shards: [LockedBox<[CampaignID: Account]>]
    /// Reservation ids count up from a random start, so ids from before a restart (still
    /// carried by outstanding beacon tokens) are not reused.
    private let nextReservationID: Atomic<UInt64>
    /// Signalled when a campaign is refused for want of a lease, so the next settle comes sooner.
    public let leaseWanted = WakeUpSignal()

    /// `leased`: a fleet server's book, whose accounts spend only what `apply` has
    /// granted them from the database's leases (they start with nothing).
    public init(
        timeouts: ReservationTimeouts = ReservationTimeouts(), reservationLimits: ReservationLimits = ReservationLimits(),
        pacing: PacingSettings = PacingSettings(), leased: Bool = false, shardCount: Int = 64
    ) {
        self.timeouts = timeouts
        self.reservationLimits = reservationLimits
        self.pacing = pacing
        self.isLeased = leased
        shards = (0..<max(1, shardCount)).map { _ in LockedBox([:]) }
        var generator = SystemRandomNumberGenerator()
        nextReservationID = Atomic(generator.next() >> 1)
    }

    /// Whether the campaign's pacing and budgets let it bid `maximumCharge` now.
    /// `explain`: spell out why (for debug explanations); otherwise reasons are terse.
    /// `hint`: blocked, under the account's lock, until the budget could free up when the
    /// campaign is refused for budget; cleared by whatever frees it.
    public func screen(
        _ campaignID: CampaignID, limits: BudgetLimits, maximumCharge: Nanos, requestID: String, at now: Instant, explain: Bool = true,
        hint: EligibilityHint? = nil
    ) -> Screening {
        let draw = limits.pacing == .even ? PacingDraw.value(requestID: requestID, campaignID: campaignID) : 0
        return account(campaignID, limits: limits).withState(limits: limits, now: now, pacing: pacing) { state in
            state.noteCharge(maximumCharge)
            if let refusal = state.pacingRefusal(draw: draw, at: now, settings: pacing, explain: explain) {
                return .refused(.pacing, reason: refusal)
            }
            if let shortfall = state.shortfall(adding: maximumCharge) {
                if shortfall == .leaseExhausted {
                    state.lease?.draw(maximumCharge)  // demand the lease could not meet still sizes the next one
                    leaseWanted.signal()
                }
                if let hint { state.block(hint, shortfall: shortfall) }
                return .refused(.budget, reason: explain ? describe(shortfall, state: state, needed: maximumCharge) : shortfall.rawValue)
            }
            return .eligible
        }
    }

    /// Reserves `amount` if both budgets still hold it, until a beacon of `kind` settles
    /// it or its time is up; returns the reservation's id, or `ReservationLimits.unreserved`
    /// for a win served without a reservation (the campaign is at its cap on open
    /// reservations), or nil when a budget is short.
    /// `everyWin`: every win reserves, past the cap on open reservations too (a standard
    /// line item: an ad served without a reservation could outrun its goal).
    public func reserve(
        _ campaignID: CampaignID, limits: BudgetLimits, amount: Nanos, kind: BeaconKind, everyWin: Bool = false, at now: Instant
    ) -> UInt64? {
        var id = nextReservationID.wrappingAdd(1, ordering: .relaxed).newValue
        if id == ReservationLimits.unreserved { id = nextReservationID.wrappingAdd(1, ordering: .relaxed).newValue }
        let expiresAt = now.adding(seconds: timeouts.seconds(for: kind))
        return account(campaignID, limits: limits).withState(limits: limits, now: now, pacing: pacing) {
            $0.reserve(amount, id: id, kind: kind, expiresAt: expiresAt, limits: reservationLimits, everyWin: everyWin, at: now)
        }
    }

    /// Charges `amount` to a campaign: from its reservation when that is still open
    /// (releasing any difference), else from free budget. Billed only if it fits.
    public func charge(
        _ campaignID: CampaignID, limits: BudgetLimits, amount: Nanos, reservationID: UInt64?, at now: Instant
    ) -> ChargeOutcome {
        account(campaignID, limits: limits).withState(limits: limits, now: now, pacing: pacing) {
            $0.charge(amount, reservationID: reservationID)
        }
    }

    /// Whether this book holds the open reservation `reservationID` of the campaign.
    public func holdsReservation(_ campaignID: CampaignID, _ reservationID: UInt64) -> Bool {
        existingAccount(campaignID)?.state.withLock { $0.holds(reservationID) } ?? false
    }

    /// Gives back a reservation that will never be charged. False when it is already gone.
    @discardableResult
    public func release(_ campaignID: CampaignID, reservationID: UInt64, at now: Instant) -> Bool {
        guard let account = existingAccount(campaignID) else { return false }
        return account.state.withLock { state in
            state.advance(to: now, pacing: pacing)
            return state.release(reservationID)
        }
    }

    /// Takes back a billed charge that was not recorded as billed. `toLease`: the
    /// database did not take it from this server's lease either (nothing was written, or
    /// the event was a duplicate), so the lease holds it again.
    public func refund(_ campaignID: CampaignID, amount: Nanos, toLease: Bool = true, at now: Instant) {
        guard let account = existingAccount(campaignID) else { return }
        account.state.withLock { state in
            state.advance(to: now, pacing: pacing)
            state.refund(amount, toLease: toLease)
        }
    }

    /// A charge this book billed has its answer from the ledger (recorded as billed or
    /// not, or not written); after `refund`, which says it, there is nothing to call.
    public func chargeRecorded(_ campaignID: CampaignID, amount: Nanos) {
        existingAccount(campaignID)?.state.withLock { $0.settle(amount) }
    }

    /// The budget day a charge made now counts against (nil: the campaign has no daily budget).
    public func budgetDay(_ limits: BudgetLimits, at now: Instant) -> Int64? {
        limits.daily == nil ? nil : limits.timeZone.dayBounds(containing: now).day
    }

    /// Opens a leased account for a campaign before it first bids, so the first settle
    /// leases for it (a server does this for every active campaign before it serves).
    public func prepareLease(_ campaignID: CampaignID, limits: BudgetLimits, largestCharge: Nanos, at now: Instant) {
        guard isLeased else { return }
        account(campaignID, limits: limits).withState(limits: limits, now: now, pacing: pacing) { $0.noteCharge(largestCharge) }
    }

    /// Every account's wishes for the next settle of its leases (see `LeasePolicy`), or,
    /// given a `limit`, those of the accounts reached before that many requests are made (the
    /// accounts not reached keep theirs for the next settle).
    public func leaseRequests(at now: Instant, policy: LeasePolicy, limit: Int? = nil) -> [LeaseRequest] {
        guard isLeased else { return [] }
        let limit = limit ?? .max
        var requests: [LeaseRequest] = []
        var refreshes = LeasePolicy.figureRefreshesPerSettle
        // Shards in turn from a rotating start, so a capped refresh reaches every account.
        let start = Int(UInt64(bitPattern: now.millisecondsSinceEpoch / policy.settleIntervalMilliseconds) % UInt64(shards.count))
        for offset in shards.indices {
            for (id, account) in shards[(start + offset) % shards.count].withLock({ Array($0) }) {
                guard requests.count < limit else { return requests }
                requests += account.state.withLock { state in
                    state.advance(to: now, pacing: pacing)
                    return state.leaseRequests(id, at: now, policy: policy, figureRefreshes: &refreshes)
                }
            }
        }
        return requests
    }

    /// Takes in the database's answer to a settle.
    public func apply(_ grants: [LeaseGrant], at now: Instant) {
        for grant in grants {
            existingAccount(grant.campaignID)?.state.withLock { state in
                state.advance(to: now, pacing: pacing)
                state.apply(grant, at: now)
            }
        }
    }

    /// A settle that failed: puts back what its requests had handed back.
    public func settleFailed(_ requests: [LeaseRequest]) {
        for request in requests where request.change < .zero {
            existingAccount(request.campaignID)?.state.withLock { $0.takeBack(request) }
        }
    }

    /// Every leased account's state at `now`, by campaign id (for `/metrics`).
    public func leaseSnapshots(at now: Instant) -> [(CampaignID, BudgetSnapshot)] {
        guard isLeased else { return [] }
        var snapshots: [(CampaignID, BudgetSnapshot)] = []
        for shard in shards {
            for (id, account) in shard.withLock({ Array($0) }) {
                let snapshot = account.state.withLock { state in
                    state.advance(to: now, pacing: pacing)
                    return state.snapshot
                }
                if let lease = snapshot.lease, lease.fleetLifetime != nil || lease.lifetime > .zero { snapshots.append((id, snapshot)) }
            }
        }
        return snapshots.sorted { $0.0.rawValue.utf8.lexicographicallyPrecedes($1.0.rawValue.utf8) }
    }

    /// Forgets every lease (the database has taken them back: clean shutdown).
    public func dropLeases() {
        for shard in shards {
            for account in shard.withLock({ Array($0.values) }) {
                account.state.withLock { state in
                    if state.lease != nil { state.lease = LeaseAllowance() }
                }
            }
        }
    }

    /// Sets a campaign's spend from durable records (start-up recovery): the lifetime
    /// total, and what was spent on the budget day that contains `now`.
    public func restore(_ campaignID: CampaignID, limits: BudgetLimits, spentTotal: Nanos, spentToday: Nanos, at now: Instant) {
        let day = now.dayNumber(offsetSeconds: limits.timeZone.offsetSeconds(at: now))
        account(campaignID, limits: limits).withState(limits: limits, now: now, pacing: pacing) {
            $0.restore(spentTotal: spentTotal, spentToday: spentToday, day: day)
        }
    }

    /// Expires every reservation whose time is up and rolls every account to `now`.
    public func sweep(at now: Instant) {
        for shard in shards {
            let accounts = shard.withLock { Array($0.values) }
            for account in accounts { account.state.withLock { $0.advance(to: now, pacing: pacing) } }
        }
    }

    /// The account's state at `now`, or nil when the campaign never bid or spent.
    public func snapshot(_ campaignID: CampaignID, at now: Instant) -> BudgetSnapshot? {
        existingAccount(campaignID)?.state.withLock { state in
            state.advance(to: now, pacing: pacing)
            return state.snapshot
        }
    }

    /// Blocks `hint` until `instant` under the campaign's lock, cleared like its budget hint
    /// by anything that frees budget: a standard line item ahead of its curve, which needs
    /// no request before then unless a reservation of it is given back. Only while its spend
    /// and reservations still come to `committed` (read under the same lock, so a release
    /// between the caller's reading and this call is never missed).
    public func block(
        _ campaignID: CampaignID, hint: EligibilityHint, until instant: Instant, whileCommitted committed: Nanos, limits: BudgetLimits,
        at now: Instant
    ) {
        account(campaignID, limits: limits).withState(limits: limits, now: now, pacing: pacing) { state in
            if state.spentTotal + state.reserved >= committed { state.block(hint, until: instant) }
        }
    }

    /// The campaign's lifetime spend plus what it holds reserved at `now` (zero when it
    /// never bid): a standard line item's goal progress, in nanos.
    public func committed(_ campaignID: CampaignID, at now: Instant) -> Nanos {
        existingAccount(campaignID)?.state.withLock { state in
            state.advance(to: now, pacing: pacing)
            return state.spentTotal + state.reserved
        } ?? .zero
    }

    /// The accounts held: one per campaign that has bid or been charged since the server
    /// started, never dropped while it runs, so bounded by the catalogue. Each shard's lock
    /// is held for its count only.
    public var accountCount: Int { shards.reduce(0) { $0 + $1.withLock { $0.count } } }

    /// Open reservations over every account (each expires by the reservation timeouts;
    /// `reservationLimits` caps them per account). For the memory gauges: a walk of every
    /// account, each shard's lock held to copy its accounts' references, then each account's
    /// for its count, never one across another.
    public var openReservations: Int {
        var reservations = 0
        for shard in shards {
            for account in shard.withLock({ Array($0.values) }) {
                reservations += account.state.withLock { $0.openReservations }
            }
        }
        return reservations
    }

    private func shard(_ id: CampaignID) -> LockedBox<[CampaignID: Account]> {
        shards[Int(UInt(bitPattern: id.hashValue) % UInt(shards.count))]
    }

    private func existingAccount(_ id: CampaignID) -> Account? {
        shard(id).withLock { $0[id] }
    }

    private func account(_ id: CampaignID, limits: @autoclosure () -> BudgetLimits) -> Account {
        shard(id).withLock { accounts in
            if let existing = accounts[id] { return existing }
            let created = Account(AccountState(limits: limits(), pacing: pacing, leased: isLeased))
            accounts[id] = created
            return created
        }
    }

    private func describe(_ shortfall: UnbilledReason, state: AccountState, needed: Nanos) -> String {
        switch shortfall {
        case .totalBudgetExhausted:
            "lifetime budget: \(state.spentTotal) spent + \(state.reserved) reserved + \(needed) needed > \(state.limits.total)"
        case .dailyBudgetExhausted:
            "daily budget: \(state.spentToday) spent + \(state.reserved) reserved + \(needed) needed > \(state.limits.daily ?? .zero)"
        case .leaseExhausted:
            "this server's lease: \(state.reserved) reserved + \(needed) needed > \(state.leaseHeld) leased (the fleet's budget may hold more; "
                + "leases are topped up in the background)"
        default: shortfall.rawValue  // not budget shortfalls (test, unknown campaign, invalid traffic): never asked
        }
    }
}

/// One campaign's account behind its own lock.
final class Account: Sendable {
    let state: Mutex<AccountState>

    init(_ state: AccountState) { self.state = Mutex(state) }

    /// Runs `body` on the state moved to `now`, with the campaign's current limits.
    func withState<T: Sendable>(limits: BudgetLimits, now: Instant, pacing: PacingSettings, _ body: (inout AccountState) -> T) -> T {
        state.withLock { state in
            if state.limits != limits { state.limits = limits }
            state.advance(to: now, pacing: pacing)
            return body(&state)
        }
    }
}
