import Synchronization
import VickreyCore

/// How long a reservation waits for its beacon before it gives its budget back.
public struct ReservationTimeouts: Hashable, Sendable {
    public var impressionSeconds: Int64
    public var clickSeconds: Int64

    public init(impressionSeconds: Int64 = 300, clickSeconds: Int64 = 3_600) {
        self.impressionSeconds = impressionSeconds
        self.clickSeconds = clickSeconds
    }

    /// How long a reservation waiting for a beacon of `kind` stays open.
    public func seconds(for kind: BeaconKind) -> Int64 {
        switch kind {
        case .impression: impressionSeconds
        case .click: clickSeconds
        }
    }
}

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
    public let pacing: PacingSettings
    private let shards: [LockedBox<[CampaignID: Account]>]
    /// Reservation ids count up from a random start, so ids from before a restart (still
    /// carried by outstanding beacon tokens) are not reused.
    private let nextReservationID: Atomic<UInt64>

    public init(timeouts: ReservationTimeouts = ReservationTimeouts(), pacing: PacingSettings = PacingSettings(), shardCount: Int = 64) {
        self.timeouts = timeouts
        self.pacing = pacing
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
            if let refusal = state.pacingRefusal(draw: draw, at: now, settings: pacing, explain: explain) {
                return .refused(.pacing, reason: refusal)
            }
            if let shortfall = state.shortfall(adding: maximumCharge) {
                if let hint { state.block(hint, shortfall: shortfall) }
                return .refused(.budget, reason: explain ? describe(shortfall, state: state, needed: maximumCharge) : shortfall.rawValue)
            }
            return .eligible
        }
    }

    /// Reserves `amount` if both budgets still hold it, until a beacon of `kind` settles
    /// it or its time is up; returns the reservation's id.
    public func reserve(_ campaignID: CampaignID, limits: BudgetLimits, amount: Nanos, kind: BeaconKind, at now: Instant) -> UInt64? {
        let id = nextReservationID.wrappingAdd(1, ordering: .relaxed).newValue
        let expiresAt = now.adding(seconds: timeouts.seconds(for: kind))
        let taken = account(campaignID, limits: limits).withState(limits: limits, now: now, pacing: pacing) {
            $0.reserve(amount, id: id, kind: kind, expiresAt: expiresAt)
        }
        return taken ? id : nil
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

    /// Gives back a reservation that will never be charged. False when it is already gone.
    @discardableResult
    public func release(_ campaignID: CampaignID, reservationID: UInt64, at now: Instant) -> Bool {
        guard let account = existingAccount(campaignID) else { return false }
        return account.state.withLock { state in
            state.advance(to: now, pacing: pacing)
            return state.release(reservationID)
        }
    }

    /// Takes back a billed charge that could not be recorded durably.
    public func refund(_ campaignID: CampaignID, amount: Nanos, at now: Instant) {
        guard let account = existingAccount(campaignID) else { return }
        account.state.withLock { state in
            state.advance(to: now, pacing: pacing)
            state.refund(amount)
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

    private func shard(_ id: CampaignID) -> LockedBox<[CampaignID: Account]> {
        shards[Int(UInt(bitPattern: id.hashValue) % UInt(shards.count))]
    }

    private func existingAccount(_ id: CampaignID) -> Account? {
        shard(id).withLock { $0[id] }
    }

    private func account(_ id: CampaignID, limits: @autoclosure () -> BudgetLimits) -> Account {
        shard(id).withLock { accounts in
            if let existing = accounts[id] { return existing }
            let created = Account(AccountState(limits: limits(), pacing: pacing))
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
