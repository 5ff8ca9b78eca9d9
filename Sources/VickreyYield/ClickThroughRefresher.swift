import Synchronization
import VickreyCore
import VickreyStore

/// Feeds learned CTRs from the ledger: each `refresh()` reads the impressions and clicks
/// recorded in every chain since the last one (one aggregate query bounded by each
/// chain's tail), adds them to the index's `ClickThroughLearning` and re-scores the CPC
/// campaigns whose rate moved. The first refresh reads the whole ledger, so a restarted
/// server learns exactly what it knew. Auctions never wait on it: the index swaps snapshots.
public final class ClickThroughRefresher: Sendable {
    let ledger: any LedgerStore
    let index: CampaignIndex
    private let positions = Mutex<ChainPositions>([:])

    public init(ledger: any LedgerStore, index: CampaignIndex) {
        self.ledger = ledger
        self.index = index
    }

    /// Reads new ledger records; returns how many campaigns were re-scored.
    @discardableResult
    public func refresh() async throws(StoreError) -> Int {
        guard let learning = index.learning else { return 0 }
        let (evidence, reached) = try await ledger.clickEvidence(after: positions.withLock { $0 })
        positions.withLock { $0 = reached }
        let changed = learning.add(evidence)
        return changed.isEmpty ? 0 : index.relearn(changed)
    }
}
