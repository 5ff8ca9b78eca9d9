import Synchronization
import VickreyCore

/// Keeps a `CampaignIndex` equal to the store: one full load at start, then, on every
/// `refresh()`, only the campaigns whose revision is newer than the last one applied.
///
/// A refresh reads one integer when nothing changed, so polling every few hundred
/// milliseconds is cheap; changes made by `adctl` in another process are seen on the
/// next poll. The index is swapped atomically, so auctions never wait on the database.
public final class CampaignIndexReloader: Sendable {
    public let store: any CampaignStore
    public let index: CampaignIndex
    private let appliedRevision = Mutex<Int64>(-1)
    /// The error of the last load or refresh, nil when it succeeded.
    private let lastFailure = Mutex<StoreError?>(nil)

    public init(store: any CampaignStore, index: CampaignIndex = CampaignIndex()) {
        self.store = store
        self.index = index
    }

    /// The store revision the index reflects (-1 before the first load).
    public var revision: Int64 { appliedRevision.withLock { $0 } }

    /// Why the last load or refresh failed (the database unreachable, say), or nil when
    /// it succeeded: the index keeps serving what it has meanwhile, and the next refresh
    /// that succeeds applies every change made since.
    public var storeFailure: StoreError? { lastFailure.withLock { $0 } }

    /// Runs a load or refresh, remembering whether the store answered.
    private func recording(_ body: () async throws(StoreError) -> Refresh) async throws(StoreError) -> Refresh {
        do {
            let refresh = try await body()
            lastFailure.withLock { $0 = nil }
            return refresh
        } catch {
            lastFailure.withLock { $0 = error }
            throw error
        }
    }

    /// What one load or refresh did.
    public struct Refresh: Sendable {
        public var revision: Int64
        /// Campaigns read from the store (0 when nothing changed).
        public var changed: Int
        /// Campaigns the store holds but this version cannot read, skipped.
        public var unreadable: [(CampaignID, String)]
    }

    /// Loads every campaign into the index (servable ones enter it; the rest are ignored).
    @discardableResult
    public func loadAll() async throws(StoreError) -> Refresh {
        try await recording { () async throws(StoreError) in try await self.loadEverything() }
    }

    private func loadEverything() async throws(StoreError) -> Refresh {
        var loaded = try await store.loadAll()
        let (revision, count, unreadable) = (loaded.revision, loaded.campaigns.count, loaded.unreadable)
        let current = index.snapshot.campaigns.map(\.id)
        // In the store's id order (a first load into an empty index then needs no search for
        // repeated ids); a campaign's copy is one reference, and the loaded list is let go.
        var changes = current.map { CampaignChange.remove($0) }
        changes.reserveCapacity(current.count + count)
        changes.append(contentsOf: loaded.campaigns.lazy.map { .upsert($0) })
        loaded.campaigns = []
        index.apply(consume changes)
        appliedRevision.withLock { $0 = revision }
        return Refresh(revision: revision, changed: count, unreadable: unreadable)
    }

    /// A campaign as it stands: from the index when it serves, else from the store
    /// (paused or archived campaigns still have beacons to bill and budgets to report).
    public func campaign(_ id: CampaignID) async throws(StoreError) -> Campaign? {
        if let indexed = index.snapshot.campaign(id) { return indexed }
        return try await store.campaign(id)
    }

    /// Applies what changed since the last load or refresh.
    @discardableResult
    public func refresh() async throws(StoreError) -> Refresh {
        try await recording { () async throws(StoreError) in try await self.applyChanges() }
    }

    private func applyChanges() async throws(StoreError) -> Refresh {
        let since = revision
        if since < 0 { return try await loadEverything() }
        let latest = try await store.revision()
        guard latest != since else { return Refresh(revision: since, changed: 0, unreadable: []) }
        let loaded = try await store.changes(since: since)
        // Unreadable campaigns leave the index rather than keep serving a stale version.
        index.apply(loaded.campaigns.map { .upsert($0) } + loaded.unreadable.map { .remove($0.0) })
        appliedRevision.withLock { $0 = loaded.revision }
        return Refresh(revision: loaded.revision, changed: loaded.campaigns.count, unreadable: loaded.unreadable)
    }
}

extension CampaignIndexReloader {
    /// Refreshes every `interval` until the task is cancelled, handing each attempt's
    /// result to `tick`. A failed refresh (the database briefly locked, say) is retried
    /// next time; the index keeps serving what it has.
    public func run(every interval: Duration, tick: (Result<Refresh, StoreError>) -> Void = { _ in }) async {
        while !Task.isCancelled {
            let result: Result<Refresh, StoreError>
            do { result = .success(try await refresh()) } catch { result = .failure(error) }
            tick(result)
            try? await Task.sleep(for: interval)
        }
    }
}
