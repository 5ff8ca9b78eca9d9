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

    public init(campaigns: some Sequence<Campaign> = []) {
        var snapshot = IndexSnapshot()
        snapshot.apply(campaigns.lazy.map { CampaignChange.upsert($0) })
        current = Mutex(snapshot)
    }

    /// The current consistent state.
    public var snapshot: IndexSnapshot { current.withLock { $0 } }

    /// Applies a batch of changes and publishes the result as one new snapshot.
    public func apply(_ changes: some Sequence<CampaignChange>) {
        writer.withLock { _ in
            var next = snapshot
            next.apply(changes)
            current.withLock { $0 = next }
        }
    }
}
