import Synchronization
import VickreyCore
import VickreyStore

/// Counts placement auctions and fills per experiment arm and bucket as they happen,
/// in memory (one short lock per auction under an experiment, no I/O), until a flush
/// adds them to the store's durable tallies. A failed flush puts its counts back.
public final class ExperimentCounter: Sendable {
    private struct Key: Hashable {
        var experiment: ExperimentID
        var arm: ArmName
        var bucket: Int
    }

    private let pending = Mutex<[Key: (auctions: Int64, fills: Int64)]>([:])

    public init() {}

    /// Experiment, arm and bucket tallies waiting for the next flush (bounded by experiments
    /// × arms × buckets; emptied by every flush).
    public var pendingCount: Int { pending.withLock { $0.count } }

    /// Counts every placement of `outcome` auctioned under an experiment.
    public func count(_ outcome: AuctionOutcome) {
        guard outcome.placements.contains(where: { $0.experiment != nil }) else { return }
        pending.withLock { table in
            for placement in outcome.placements {
                guard let tag = placement.experiment else { continue }
                let key = Key(experiment: tag.experimentID, arm: tag.arm, bucket: tag.bucket)
                var counts = table[key] ?? (0, 0)
                counts.auctions += 1
                if case .filled = placement.result { counts.fills += 1 }
                table[key] = counts
            }
        }
    }

    /// Takes what was counted since the last take.
    public func take() -> [ArmTally] {
        pending.withLock { table in
            defer { table.removeAll(keepingCapacity: true) }
            return table.map { key, counts in
                ArmTally(experimentID: key.experiment, arm: key.arm, bucket: key.bucket, auctions: counts.auctions, fills: counts.fills)
            }
        }
    }

    /// Puts counts back (their flush failed), to go with the next one.
    public func restore(_ tallies: [ArmTally]) {
        pending.withLock { table in
            for tally in tallies {
                let key = Key(experiment: tally.experimentID, arm: tally.arm, bucket: tally.bucket)
                var counts = table[key] ?? (0, 0)
                counts.auctions += tally.auctions
                counts.fills += tally.fills
                table[key] = counts
            }
        }
    }

    /// Adds what was counted to the store; on failure keeps it for the next flush.
    public func flush(to store: any ExperimentStore) async throws(StoreError) {
        let tallies = take()
        do { try await store.addTallies(tallies) } catch {
            restore(tallies)
            throw error
        }
    }
}
