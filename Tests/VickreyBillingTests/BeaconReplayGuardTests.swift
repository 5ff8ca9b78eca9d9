import Testing
import VickreyBudget
import VickreyCore
import VickreySigning

@testable import VickreyBilling

/// The replay guard alone: a beacon counted once, a key forgotten only once its token has
/// expired, clicks kept as long as the click token, and memory held in generations that are
/// dropped whole.
@Suite("Billing: the replay guard")
struct BeaconReplayGuardTests {
    static let start = Instant(millisecondsSinceEpoch: 1_795_737_600_000)
    static let timeouts = ReservationTimeouts(impressionSeconds: 900, clickSeconds: 3_600)

    /// An id minted at `time` (the server's spelling), or `spelling` as given.
    static func id(at time: Instant = start, sequence: UInt64) -> String {
        ImpressionID.spelling(milliseconds: UInt64(time.millisecondsSinceEpoch), sequence: sequence)
    }

    static func take(_ guardian: BeaconReplayGuard, _ key: BeaconKey, at now: Instant = start) -> Bool {
        guardian.take(key, at: now, expiringAt: now.adding(seconds: timeouts.seconds(for: key.kind)))
    }

    /// Keys that differ from `first` by one thing each are different beacons; the same key
    /// again is a replay.
    @Test(
        "a beacon is taken once; a key differing in kind, prefetch or one digit is another beacon",
        arguments: [
            (BeaconKey(.click, id(sequence: 7)), true),
            (BeaconKey(.impression, id(sequence: 7), prefetch: true), true),
            (BeaconKey(.impression, id(sequence: 8)), true),
            (BeaconKey(.impression, id(at: start.adding(seconds: 1), sequence: 7)), true),
            (BeaconKey(.viewable, id(sequence: 7)), true),
            (BeaconKey(.impression, id(sequence: 7)), false),
            (BeaconKey(.impression, "not-a-minted-id"), true),
        ])
    func takenOnce(second: BeaconKey, taken: Bool) {
        let guardian = BeaconReplayGuard(timeouts: Self.timeouts)
        #expect(Self.take(guardian, BeaconKey(.impression, Self.id(sequence: 7))))
        #expect(Self.take(guardian, second) == taken)
        #expect(Self.take(guardian, second) == false)
        #expect(guardian.count == (taken ? 2 : 1))
    }

    @Test("a key is kept until its token has expired and the grace has passed, then forgotten", arguments: [false, true])
    func forgottenAfterExpiry(mintedSpelling: Bool) {
        let guardian = BeaconReplayGuard(timeouts: Self.timeouts)
        let key = BeaconKey(.impression, mintedSpelling ? Self.id(sequence: 1) : "imp-1")
        #expect(Self.take(guardian, key))
        let lastKept = Self.start.adding(seconds: 900 + BeaconReplayGuard.graceSeconds - 1)
        guardian.prune(at: lastKept)
        #expect(!Self.take(guardian, key, at: lastKept))
        guardian.prune(at: lastKept.adding(seconds: 1))
        #expect(guardian.count == 0)
        #expect(Self.take(guardian, key, at: lastKept.adding(seconds: 1)))
    }

    @Test("a click outlives the impressions served in its minute")
    func clicksLiveLonger() {
        let guardian = BeaconReplayGuard(timeouts: Self.timeouts)
        let id = Self.id(sequence: 3)
        #expect(Self.take(guardian, BeaconKey(.impression, id)))
        #expect(Self.take(guardian, BeaconKey(.click, id)))
        let afterImpressions = Self.start.adding(seconds: 900 + BeaconReplayGuard.graceSeconds)
        guardian.prune(at: afterImpressions)
        #expect(guardian.count == 1)
        #expect(!Self.take(guardian, BeaconKey(.click, id), at: afterImpressions))
        guardian.prune(at: Self.start.adding(seconds: 3_600 + BeaconReplayGuard.graceSeconds))
        #expect(guardian.count == 0)
    }

    @Test("a key given back can be taken again")
    func givenBack() {
        let guardian = BeaconReplayGuard(timeouts: Self.timeouts)
        for key in [BeaconKey(.impression, Self.id(sequence: 9)), BeaconKey(.impression, "odd")] {
            #expect(Self.take(guardian, key))
            guardian.giveBack(key)
            #expect(Self.take(guardian, key))
            #expect(!Self.take(guardian, key))
        }
    }

    @Test("a key loaded from the ledger is kept for its kind's whole token lifetime from when it was recorded")
    func remembered() {
        let guardian = BeaconReplayGuard(timeouts: Self.timeouts)
        let click = BeaconKey(.click, Self.id(sequence: 4))
        let seenAt = Self.start.adding(seconds: 10)
        guardian.remember(click, seenAt: seenAt)
        guardian.prune(at: seenAt.adding(seconds: 3_600 + BeaconReplayGuard.graceSeconds - 1))
        #expect(!Self.take(guardian, click, at: seenAt.adding(seconds: 3_000)))
        guardian.prune(at: seenAt.adding(seconds: 3_600 + BeaconReplayGuard.graceSeconds))
        #expect(guardian.count == 0)
    }

    @Test("keys live in one generation per minute of serving, each dropped whole when its tokens have expired")
    func generations() {
        let guardian = BeaconReplayGuard(timeouts: Self.timeouts)
        // Ten minutes of serving, 1,000 ads a minute, each beacon taken a second after its ad.
        for minute in 0..<10 {
            for index in 0..<1_000 {
                let served = Self.start.adding(seconds: Int64(minute * 60 + index % 60))
                #expect(
                    Self.take(guardian, BeaconKey(.impression, Self.id(at: served, sequence: UInt64(index))), at: served.adding(seconds: 1))
                )
            }
        }
        #expect(guardian.count == 10_000)
        #expect(guardian.generationCount == 10)
        // The first three minutes' tokens have expired (and their grace passed); the rest hold.
        guardian.prune(at: Self.start.adding(seconds: 3 * 60 + 900 + BeaconReplayGuard.graceSeconds))
        #expect(guardian.count == 7_000)
        #expect(guardian.generationCount == 7)
        #expect(!Self.take(guardian, BeaconKey(.impression, Self.id(at: Self.start.adding(seconds: 180), sequence: 0))))
    }

    @Test("of identical beacons racing on every core, exactly one is taken")
    func racing() async {
        let guardian = BeaconReplayGuard(timeouts: Self.timeouts)
        let keys = (0..<2_000).map { BeaconKey(.impression, Self.id(sequence: UInt64($0))) }
        let wins = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<4 { group.addTask { keys.reduce(0) { $0 + (Self.take(guardian, $1) ? 1 : 0) } } }
            return await group.reduce(0, +)
        }
        #expect(wins == 2_000)
    }
}
