import DequeModule
import Synchronization
import VickreyCore

/// One beacon's identity: its kind, its ad's impression id, and whether it was a
/// prefetch (recorded apart, so that it does not use up the render that follows). At
/// most one ledger record exists per key.
public struct BeaconKey: Hashable, Sendable {
    public var kind: BeaconKind
    public var impressionID: String
    public var prefetch: Bool

    public init(_ kind: BeaconKind, _ impressionID: String, prefetch: Bool = false) {
        self.kind = kind
        self.impressionID = impressionID
        self.prefetch = prefetch
    }
}

/// Remembers which beacons (kind and impression id) were taken, so a replay is counted
/// once. Taking is atomic: of two identical beacons racing, exactly one wins.
///
/// Bounded by time, not count: a beacon's token is valid only until its expiry, after
/// which a replay is refused as expired anyway, so a key is forgotten once the longest
/// token lifetime has passed since it was taken. Keys taken before a restart are loaded
/// from the ledger, whose unique (kind, impression id, prefetch) is the final guard.
public final class BeaconReplayGuard: Sendable {
    private struct State {
        var taken: [BeaconKey: Instant] = [:]
        /// Keys in the order they were taken, with when they may be forgotten.
        var expiry = Deque<(key: BeaconKey, forgetAt: Instant)>()
    }

    private let state = Mutex(State())
    private let retentionSeconds: Int64

    public init(retentionSeconds: Int64) { self.retentionSeconds = retentionSeconds }

    /// Takes `key`; false when it was already taken (a replay).
    public func take(_ key: BeaconKey, at now: Instant) -> Bool {
        state.withLock { state in
            guard state.taken[key] == nil else { return false }
            let forgetAt = now.adding(seconds: retentionSeconds)
            state.taken[key] = forgetAt
            state.expiry.append((key, forgetAt))
            return true
        }
    }

    /// Gives a key back (its beacon failed before it was recorded).
    public func giveBack(_ key: BeaconKey) {
        _ = state.withLock { $0.taken.removeValue(forKey: key) }
    }

    /// Forgets keys whose retention has passed.
    public func prune(at now: Instant) {
        state.withLock { state in
            while let entry = state.expiry.first, entry.forgetAt <= now {
                state.expiry.removeFirst()
                if state.taken[entry.key] == entry.forgetAt { state.taken.removeValue(forKey: entry.key) }
            }
        }
    }

    public var count: Int { state.withLock { $0.taken.count } }
}
