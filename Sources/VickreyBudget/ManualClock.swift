import Foundation
import Synchronization
import VickreyCore

/// A clock that moves only when told to. Safe to share between tasks.
public final class ManualClock: VickreyClock {
    private let current: Mutex<Instant>

    public init(_ start: Instant) { current = Mutex(start) }

    public func now() -> Instant { current.withLock { $0 } }

    public func set(_ instant: Instant) { current.withLock { $0 = instant } }

    public func advance(seconds: Int64) { current.withLock { $0 = $0.adding(seconds: seconds) } }

    public func advance(milliseconds: Int64) {
        current.withLock { $0 = Instant(millisecondsSinceEpoch: $0.millisecondsSinceEpoch + milliseconds) }
    }
}

extension CampaignTimeZone {
    /// The local day containing `instant`: its number (days since 1970-01-01 on this
    /// zone's calendar) and its first and last-plus-one instants, daylight saving included.
    public func dayBounds(containing instant: Instant) -> (day: Int64, start: Instant, end: Instant) {
        let offset = offsetSeconds(at: instant)
        let day = instant.dayNumber(offsetSeconds: offset)
        func utc(ofLocalMidnight day: Int64) -> Instant {
            let guess = Instant(millisecondsSinceEpoch: day * 86_400_000 - Int64(offset) * 1000)
            // The offset at midnight itself may differ (a transition during the day).
            return Instant(millisecondsSinceEpoch: day * 86_400_000 - Int64(offsetSeconds(at: guess)) * 1000)
        }
        return (day, utc(ofLocalMidnight: day), utc(ofLocalMidnight: day + 1))
    }
}
