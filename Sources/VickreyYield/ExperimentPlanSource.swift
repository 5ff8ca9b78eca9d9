import Synchronization
import VickreyCore
import VickreyStore

/// The running experiments auctions consult, swapped whole when the store's revision
/// moves (an experiment was created or stopped).
public final class ExperimentPlanSource: Sendable {
    private let current = Mutex(ExperimentPlan())
    private let loadedRevision = Mutex<Int64>(-1)
    let store: any ExperimentStore

    public init(store: any ExperimentStore) { self.store = store }

    public var plan: ExperimentPlan { current.withLock { $0 } }

    /// Reloads the running experiments when `revision` differs from the last load's;
    /// returns whether it reloaded.
    @discardableResult
    public func refresh(revision: Int64) async throws(StoreError) -> Bool {
        guard loadedRevision.withLock({ $0 }) != revision else { return false }
        let running = try await store.experiments().map(\.experiment).filter { $0.status == .running }
        current.withLock { $0 = ExperimentPlan(running) }
        loadedRevision.withLock { $0 = revision }
        return true
    }
}
