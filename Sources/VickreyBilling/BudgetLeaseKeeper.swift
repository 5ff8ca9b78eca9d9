import Synchronization
import VickreyBudget
import VickreyCore
import VickreyStore

/// Keeps a fleet server's budget leases: at start it hands back whatever a previous
/// process with the same server id still held (every durable charge of that process has
/// already been moved to the pool, so what is left is exactly unspent), then settles
/// (one database transaction that tops up, hands back and renews all of this server's
/// leases, by `LeasePolicy`'s rules) whenever its service says, and hands everything
/// back at shutdown.
/// It runs beside the request path and is the only part of the server that asks the
/// database for budget: ad requests only read the book.
public struct BudgetLeaseKeeper: Sendable {
    let store: any BudgetLeaseStore
    let budgets: BudgetBook
    public let serverID: String
    public let policy: LeasePolicy
    let clock: any VickreyClock
    /// Where the next settle reads released reservations from (the database's time at the
    /// last settle); reservations from before this process started are not its own.
    private let releasesSince: ReleaseCursor
    /// Where the next whole settle reads the campaigns that are to ask for leases (see
    /// `prepareLeases(from:)`); nil once they have.
    private let pendingCampaigns = PendingCampaigns()

    public init(store: any BudgetLeaseStore, budgets: BudgetBook, serverID: String, policy: LeasePolicy, clock: any VickreyClock) {
        self.store = store
        self.budgets = budgets
        self.serverID = serverID
        self.policy = policy
        self.clock = clock
        releasesSince = ReleaseCursor()
    }

    /// Makes every active campaign of `campaigns()` ask for its lease: the first page's worth
    /// now (for a start's first settle, before serving), all of them at the beginning of the
    /// next whole settle, read again then (so a campaign changed in between asks with its
    /// limits as they stand), so a start with a million campaigns does not wait for a million
    /// accounts. A campaign that has not asked yet does not bid (a request for it asks, and
    /// wakes the keeper), so nothing can overspend meanwhile.
    public func prepareLeases(from campaigns: @escaping @Sendable () -> [Campaign]) {
        let now = clock.now()
        for campaign in campaigns().lazy.filter({ $0.status == .active }).prefix(Self.settlePageSize) { prepare(campaign, at: now) }
        pendingCampaigns.set(campaigns)
    }

    private func prepare(_ campaign: Campaign, at now: Instant) {
        budgets.prepareLease(campaign.id, limits: BudgetLimits(campaign), largestCharge: campaign.maximumCharge, at: now)
    }

    /// Returns a previous process's leases to the pool; returns the amount.
    public func start() async throws(StoreError) -> Nanos {
        try await store.release(serverID: serverID)
    }

    /// How many lease requests one settle transaction carries (a campaign with a daily
    /// budget makes two: its lifetime and its day): a settle of more runs
    /// as several transactions, each page's grants usable as soon as it commits (a fleet
    /// server with a million campaigns serves the first pages' campaigns within a second of
    /// starting instead of after one transaction over them all).
    public static let settlePageSize = 5_000

    /// One settle, in pages of `settlePageSize` requests (the last page renews this
    /// server's leases and reads the releases other servers asked for); returns how many
    /// leases it changed. `maximumPages` stops after that many pages: accounts beyond them are
    /// not asked (a start with a million campaigns makes only its first page's requests), and
    /// any requests made but not sent are handled as a failed settle's, so the next settle asks
    /// for them again; such a settle reads no releases (the next whole one does). On failure
    /// nothing of the failed page changed in the database and the book is as it was for
    /// every request not granted (pages before it stand, each its own transaction).
    /// Reservations other servers asked to release (their beacons recorded elsewhere) are
    /// released here.
    @discardableResult
    public func settle(maximumPages: Int? = nil) async throws(StoreError) -> Int {
        if maximumPages == nil, let campaigns = pendingCampaigns.take() {
            let now = clock.now()
            for campaign in campaigns() where campaign.status == .active { prepare(campaign, at: now) }
        }
        let limit = maximumPages.map { $0 * Self.settlePageSize }
        let requests = budgets.leaseRequests(at: clock.now(), policy: policy, limit: limit)
        let whole = limit.map { requests.count < $0 } ?? true
        var changed = 0
        var start = 0
        var pages = 0
        repeat {
            let end = min(start + Self.settlePageSize, requests.count)
            let isLast = end == requests.count && whole
            if let maximumPages, pages == maximumPages {
                budgets.settleFailed(Array(requests[start...]))
                return changed
            }
            do {
                let result = try await store.settle(
                    Array(requests[start..<end]), serverID: serverID, ttlSeconds: policy.ttlSeconds,
                    releasesSince: isLast ? releasesSince.load() : nil)
                let now = clock.now()
                budgets.apply(result.grants, at: now)
                changed += result.grants.count { $0.change != .zero }
                if isLast {
                    for (campaign, reservation) in result.releases { budgets.release(campaign, reservationID: reservation, at: now) }
                    releasesSince.store(result.databaseTime)
                }
            } catch {
                budgets.settleFailed(Array(requests[start...]))
                throw error
            }
            start = end
            pages += 1
        } while start < requests.count
        return changed
    }

    /// Signalled when a campaign is refused for want of a lease (a settle is wanted early).
    public var leaseWanted: WakeUpSignal { budgets.leaseWanted }

    /// Sets expired leases to zero; returns how many pools got money back.
    public func reapExpired() async throws(StoreError) -> Int { try await store.reapExpired() }

    /// Hands every lease back (after the ledger writer has drained, so no charge is pending).
    public func finish() async throws(StoreError) -> Nanos {
        let returned = try await store.release(serverID: serverID)
        budgets.dropLeases()
        return returned
    }
}

/// Where the campaigns waiting to ask for their first lease are read from, until they have.
final class PendingCampaigns: Sendable {
    private let source = Mutex<(@Sendable () -> [Campaign])?>(nil)
    func set(_ campaigns: @escaping @Sendable () -> [Campaign]) { source.withLock { $0 = campaigns } }
    func take() -> (@Sendable () -> [Campaign])? {
        source.withLock { source in
            defer { source = nil }
            return source
        }
    }
}

/// The database time the last settle ran at (nil before the first: nothing to release yet).
final class ReleaseCursor: Sendable {
    private let time = Mutex<Int64?>(nil)
    func load() -> Int64? { time.withLock { $0 } }
    func store(_ value: Int64) { time.withLock { $0 = value } }
}
