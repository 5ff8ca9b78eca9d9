import Synchronization

/// The live campaign index shared by concurrent auctions and one updater.
///
/// Readers take the current `IndexSnapshot` (a brief lock to copy a few references)
/// and auction against it without further locking; an update builds the next snapshot
/// outside the reader lock and publishes it atomically, so a reader sees either all of
/// a batch of changes or none of it. Writers are serialised among themselves.
public final class CampaignIndex: Sendable {
    private let current: Mutex<IndexSnapshot>
    private let writer = Mutex(())
    /// When set, every CPC campaign enters the index with its learned CTR attached
    /// (scored and priced with it); nil: campaigns bid with their declared prior.
    public let learning: ClickThroughLearning?

    public init(campaigns: some Sequence<Campaign> = [], learning: ClickThroughLearning? = nil) {
        self.learning = learning
        var snapshot = IndexSnapshot()
        snapshot.apply(campaigns.lazy.map { CampaignChange.upsert(learning?.learned($0) ?? $0) })
        current = Mutex(snapshot)
    }

    /// The current consistent state.
    public var snapshot: IndexSnapshot { current.withLock { $0 } }

    /// Applies a batch of changes and publishes the result as one new snapshot.
    ///
    /// The list is the caller's to hand over (`index.apply(consume changes)`): learned rates
    /// are attached in place, so a reload of a million campaigns is not copied beside itself.
    public func apply(_ changes: consuming [CampaignChange]) {
        writer.withLock { _ in
            // Learned rates are attached under the writer lock, so whichever of a reload
            // and a relearn publishes last carries the latest evidence. The list lets go of
            // each campaign while its rate is attached, so fields no other copy shares are
            // changed in place rather than copied (a million at a reload).
            if let learning {
                for position in changes.indices {
                    guard case .upsert(var campaign) = changes[position] else { continue }
                    changes[position] = .remove(campaign.id)
                    learning.learn(&campaign)
                    changes[position] = .upsert(campaign)
                }
            }
            publish(snapshot, applying: changes)
        }
    }

    private func publish(_ snapshot: IndexSnapshot, applying changes: some Sequence<CampaignChange>) {
        var next = snapshot
        next.apply(changes)
        current.withLock { $0 = next }
    }

    /// Re-scores the indexed CPC campaigns among `ids` whose learned CTR (in ppm) moved
    /// since they were indexed; returns how many moved. A campaign whose evidence grew
    /// without moving its rate keeps its slot, and the counts it shows are those its
    /// current rate was computed from.
    @discardableResult
    public func relearn(_ ids: some Sequence<CampaignID>) -> Int {
        guard let learning else { return 0 }
        return writer.withLock { _ in
            let snapshot = snapshot
            var changes: [CampaignChange] = []
            for id in ids {
                guard let campaign = snapshot.campaign(id), campaign.pricing != .cpm else { continue }
                let learned = learning.learned(campaign)
                if learned.scoringRate != campaign.scoringRate { changes.append(.upsert(learned)) }
            }
            guard !changes.isEmpty else { return 0 }
            publish(snapshot, applying: changes)
            return changes.count
        }
    }
}
