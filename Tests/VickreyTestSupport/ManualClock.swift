import Synchronization
import VickreyBudget
import VickreyCore

/// A clock that moves only when told to, for tests: every time-dependent decision of a
/// server built with it happens when the test says. Safe to share between tasks.
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
