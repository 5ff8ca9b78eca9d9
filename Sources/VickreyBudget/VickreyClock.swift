import Foundation
import Synchronization
import VickreyCore

/// Where the server reads the time: auctions, beacons, expiry sweeps and daily resets
/// all ask one clock, so a test that owns the clock owns every time-dependent decision.
public protocol VickreyClock: Sendable {
    func now() -> Instant
}

/// The wall clock, to the millisecond.
public struct SystemClock: VickreyClock {
    public init() {}
    public func now() -> Instant { Instant(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000)) }
}
