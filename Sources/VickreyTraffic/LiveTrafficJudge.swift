import Synchronization

/// The judge a running server uses, replaced whole when its list files change (the
/// replacement is compiled before it is swapped in, so a beacon never waits for it).
public final class LiveTrafficJudge: Sendable {
    private let judge: Mutex<TrafficJudge>

    public init(_ judge: TrafficJudge = TrafficJudge()) { self.judge = Mutex(judge) }

    public var current: TrafficJudge { judge.withLock { $0 } }

    public func replace(_ new: TrafficJudge) { judge.withLock { $0 = new } }
}
