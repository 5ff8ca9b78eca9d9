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

    public init(store: any BudgetLeaseStore, budgets: BudgetBook, serverID: String, policy: LeasePolicy, clock: any VickreyClock) {
        self.store = store
        self.budgets = budgets
        self.serverID = serverID
        self.policy = policy
        self.clock = clock
        releasesSince = ReleaseCursor()
    }

    /// Returns a previous process's leases to the pool; returns the amount.
    public func start() async throws(StoreError) -> Nanos {
        try await store.release(serverID: serverID)
    }

    /// One settle; returns how many leases it changed. On failure nothing changed in the
    /// database and the book is as it was. Reservations other servers asked to release
    /// (their beacons recorded elsewhere) are released here.
    @discardableResult
    public func settle() async throws(StoreError) -> Int {
        let requests = budgets.leaseRequests(at: clock.now(), policy: policy)
        do {
            let result = try await store.settle(
                requests, serverID: serverID, ttlSeconds: policy.ttlSeconds, releasesSince: releasesSince.load())
            let now = clock.now()
            budgets.apply(result.grants, at: now)
            for (campaign, reservation) in result.releases { budgets.release(campaign, reservationID: reservation, at: now) }
            releasesSince.store(result.databaseTime)
            return result.grants.count { $0.change != .zero }
        } catch {
            budgets.settleFailed(requests)
            throw error
        }
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

/// The database time the last settle ran at (nil before the first: nothing to release yet).
final class ReleaseCursor: Sendable {
    private let time = Mutex<Int64?>(nil)
    func load() -> Int64? { time.withLock { $0 } }
    func store(_ value: Int64) { time.withLock { $0 = value } }
}
