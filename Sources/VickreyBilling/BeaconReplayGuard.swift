import Synchronization
import VickreyBudget
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
/// which a replay is refused as expired anyway, so a key is forgotten once its token has
/// expired (with a minute's grace for the clock). Keys taken before a restart are loaded
/// from the ledger, whose unique (kind, impression id, prefetch) is the final guard.
///
/// Compact and free of stalls at millions of keys: an impression id (24 hex digits) and
/// the rest of its key pack into 16 bytes, exactly, and keys live in generations, one per
/// minute of serving (the id's first digits) and class of token lifetime (the click's, or
/// the impression's that every other beacon shares). A key is looked up in its own
/// generation only; a generation is dropped whole once the last of its tokens has expired
/// (one deallocation, no scan), and a new one is sized like the last before it, so tables
/// do not grow by rehashing millions of keys while beacons wait. Ids of another spelling
/// (none are minted, but older ledgers may hold them) are kept apart, as before.
public final class BeaconReplayGuard: Sendable {
    /// How long each generation's span of serving time is.
    static let generationMilliseconds: Int64 = 60_000
    /// Kept past a token's expiry, for a clock that steps back.
    static let graceSeconds: Int64 = 60

    private struct Generation {
        var keys: Set<PackedBeaconKey>
        /// When the last token of a key in it expires (plus the grace).
        var forgetAt: Instant

        mutating func insert(_ key: PackedBeaconKey, forgetAt: Instant) -> Bool {
            guard keys.insert(key).inserted else { return false }
            if forgetAt > self.forgetAt { self.forgetAt = forgetAt }
            return true
        }
    }

    private struct State {
        var generations: [GenerationID: Generation] = [:]
        /// Per lifetime class, the newest generation: when a newer one begins, it reserves
        /// room for as many keys as this one holds.
        var newest: [Bool: GenerationID] = [:]
        /// Keys whose impression id is not of the minted spelling, with when to forget them.
        var unpacked: [BeaconKey: Instant] = [:]
    }

    private let state = Mutex(State())
    private let timeouts: ReservationTimeouts

    /// `timeouts` give how long a key loaded from the ledger (`remember`) is kept.
    public init(timeouts: ReservationTimeouts) { self.timeouts = timeouts }

    /// Takes `key`, whose token expires at `expiresAt`; false when it was already taken (a
    /// replay).
    public func take(_ key: BeaconKey, at now: Instant, expiringAt expiresAt: Instant) -> Bool {
        let forgetAt = max(expiresAt, now).adding(seconds: Self.graceSeconds)
        guard let packed = PackedBeaconKey(key) else {
            return state.withLock { state in
                guard state.unpacked[key] == nil else { return false }
                state.unpacked[key] = forgetAt
                return true
            }
        }
        let id = GenerationID(packed, longLived: !key.kind.expiresWithImpression)
        return state.withLock { state in
            if state.generations[id] == nil { Self.begin(id, in: &state) }
            return state.generations[id]!.insert(packed, forgetAt: forgetAt)
        }
    }

    /// Takes `key` as the ledger recorded it at `seenAt` (after a restart): kept for its
    /// kind's whole token lifetime from then, which covers the token it came with.
    @discardableResult
    public func remember(_ key: BeaconKey, seenAt: Instant) -> Bool {
        take(key, at: seenAt, expiringAt: seenAt.adding(seconds: timeouts.seconds(for: key.kind)))
    }

    /// Gives a key back (its beacon failed before it was recorded).
    public func giveBack(_ key: BeaconKey) {
        state.withLock { state in
            guard let packed = PackedBeaconKey(key) else {
                state.unpacked.removeValue(forKey: key)
                return
            }
            let id = GenerationID(packed, longLived: !key.kind.expiresWithImpression)
            state.generations[id]?.keys.remove(packed)
        }
    }

    /// Forgets the generations (and odd keys) whose tokens have all expired.
    public func prune(at now: Instant) {
        // Taken out under the lock, freed after it.
        let dropped: [Generation] = state.withLock { state in
            let expired = state.generations.filter { $0.value.forgetAt <= now }
            for id in expired.keys { state.generations.removeValue(forKey: id) }
            if !state.unpacked.isEmpty { state.unpacked = state.unpacked.filter { $0.value > now } }
            return Array(expired.values)
        }
        _ = dropped
    }

    /// How many keys it holds.
    public var count: Int {
        state.withLock { state in state.generations.values.reduce(state.unpacked.count) { $0 + $1.keys.count } }
    }

    /// How many generations it holds (for tests and the docs' bound).
    var generationCount: Int { state.withLock { $0.generations.count } }

    private static func begin(_ id: GenerationID, in state: inout State) {
        let reserve: Int
        if let newest = state.newest[id.longLived], newest.minute < id.minute {
            // The newest generation of the class is about done: the next is sized like it.
            reserve = state.generations[newest]?.keys.count ?? 0
            state.newest[id.longLived] = id
        } else {
            if state.newest[id.longLived] == nil { state.newest[id.longLived] = id }
            reserve = 0
        }
        var keys = Set<PackedBeaconKey>()
        if reserve > 0 { keys.reserveCapacity(reserve + reserve / 8) }
        state.generations[id] = Generation(keys: keys, forgetAt: .init(millisecondsSinceEpoch: 0))
    }
}

/// A generation: the minute of serving its keys' ids name, and whether they are clicks
/// (which live as long as the click token) or the rest (as long as the impression token).
private struct GenerationID: Hashable {
    var minute: Int64
    var longLived: Bool

    init(_ key: PackedBeaconKey, longLived: Bool) {
        minute = key.servedMilliseconds / BeaconReplayGuard.generationMilliseconds
        self.longLived = longLived
    }
}

/// A beacon key in 16 bytes: the impression id's 44 bits of serving time and 52 bits of
/// sequence, the kind and the prefetch flag. Exact: two keys pack equal only when they are
/// equal.
struct PackedBeaconKey: Hashable {
    /// Serving milliseconds (44 bits), then the kind's position (5 bits), then prefetch (1 bit).
    var high: UInt64
    /// The id's sequence (52 bits).
    var low: UInt64

    /// Nil when the impression id is not 24 lowercase hex digits.
    init?(_ key: BeaconKey) {
        var id = key.impressionID
        let parsed: (UInt64, UInt64)? = id.withUTF8 { bytes in
            guard bytes.count == 24 else { return nil }
            var high: UInt64 = 0
            var low: UInt64 = 0
            for index in 0..<24 {
                let byte = bytes[index]
                let digit: UInt64
                switch byte {
                case 0x30...0x39: digit = UInt64(byte - 0x30)
                case 0x61...0x66: digit = UInt64(byte - 0x61 + 10)
                default: return nil
                }
                if index < 11 { high = high << 4 | digit } else { low = low << 4 | digit }
            }
            return (high, low)
        }
        guard let (milliseconds, sequence) = parsed, let kind = BeaconKind.allCases.firstIndex(of: key.kind) else { return nil }
        high = milliseconds << 6 | UInt64(kind) << 1 | (key.prefetch ? 1 : 0)
        low = sequence
    }

    var servedMilliseconds: Int64 { Int64(high >> 6) }
}
