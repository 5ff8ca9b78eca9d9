import Foundation
import Synchronization
import VickreyCore
import VickreyLedger

/// Appends ledger events with group commit: callers hand in one event each and wait;
/// one writer task takes everything waiting (up to `maximumBatch`), chains, signs and
/// commits it in one transaction, then answers every caller. Durability costs one disk
/// sync per batch, not per event, and a caller is answered only after its commit.
///
/// `maximumBatch = 1` gives one transaction per event (the baseline it is measured against).
public final class LedgerWriter: Sendable {
    /// The key new records are signed with, asked once per batch (a rotation takes effect at the next batch).
    public typealias SigningKeyProvider = @Sendable () -> LedgerSigningKey

    /// The writer was closed (shutdown) before the event could be taken.
    public struct Closed: Error, CustomStringConvertible {
        public var description: String { "the ledger writer has stopped" }
    }

    private struct Pending {
        var event: LedgerEvent
        var settlement: FleetSettlement?
        var continuation: CheckedContinuation<LedgerAppendOutcome, any Error>
    }

    private struct Queue {
        var pending: [Pending] = []
        var closed = false
    }

    private let store: any LedgerStore
    private let signingKey: SigningKeyProvider
    public let maximumBatch: Int
    private let queue = Mutex(Queue())
    private let wakeUp: AsyncStream<Void>.Continuation
    private let wakeUps: AsyncStream<Void>
    private let batches = Atomic<Int>(0)

    /// The most records one group commit writes when nothing configures otherwise (`ledger.maximumBatch`).
    public static let defaultMaximumBatch = 512

    public init(store: any LedgerStore, maximumBatch: Int = defaultMaximumBatch, signingKey: @escaping SigningKeyProvider) {
        self.store = store
        self.signingKey = signingKey
        self.maximumBatch = max(1, maximumBatch)
        (wakeUps, wakeUp) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// How many transactions the writer has committed.
    public var committedBatches: Int { batches.load(ordering: .relaxed) }

    /// How many events are waiting for the next batch.
    public var waiting: Int { queue.withLock { $0.pending.count } }

    /// Appends one event and returns once it is durable (or known to be a duplicate).
    /// `settlement`: what a fleet server's append does besides the record (nil on SQLite).
    public func append(_ event: LedgerEvent, settlement: FleetSettlement? = nil) async throws -> LedgerAppendOutcome {
        try await withCheckedThrowingContinuation { continuation in
            let accepted = queue.withLock { queue in
                guard !queue.closed else { return false }
                queue.pending.append(Pending(event: event, settlement: settlement, continuation: continuation))
                return true
            }
            if accepted { wakeUp.yield() } else { continuation.resume(throwing: Closed()) }
        }
    }

    /// Writes batches until `close()` is called, then writes what is still waiting and returns.
    public func run() async {
        for await _ in wakeUps {
            while await writeNextBatch() {}
        }
        while await writeNextBatch() {}
    }

    /// Refuses new events; `run()` returns after writing the ones already waiting.
    public func close() {
        queue.withLock { $0.closed = true }
        wakeUp.finish()
    }

    /// Writes one batch; false when nothing was waiting.
    private func writeNextBatch() async -> Bool {
        let batch: [Pending] = queue.withLock { queue in
            let count = min(maximumBatch, queue.pending.count)
            let taken = Array(queue.pending.prefix(count))
            queue.pending.removeFirst(count)
            return taken
        }
        guard !batch.isEmpty else { return false }
        do {
            let outcomes = try await store.append(batch.map(\.event), settlements: batch.map(\.settlement), signingKey: signingKey())
            batches.add(1, ordering: .relaxed)
            for (pending, outcome) in zip(batch, outcomes) { pending.continuation.resume(returning: outcome) }
        } catch {
            for pending in batch { pending.continuation.resume(throwing: error) }
        }
        return true
    }
}
