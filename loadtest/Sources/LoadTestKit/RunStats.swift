import Foundation
import Histogram
import Synchronization

/// Monotonic nanoseconds (the run's clock).
public enum Monotonic {
    public static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}

/// Latencies in HDR histograms (microseconds, 3 significant digits, up to 60 s) per
/// request kind and per second of the run, with counts, fills and errors.
///
/// Each latency is measured from the request's *intended* send time (open loop: its
/// slot in the rate schedule; closed loop: when it was sent), so time a request spent
/// waiting behind a slow answer is counted, not omitted.
public final class RunStats: Sendable {
    public static let highestMicroseconds: UInt64 = 60_000_000

    struct State {
        var histograms: [PlannedRequest.Kind: Histogram<UInt64>] = [:]
        /// Ad requests only (native and OpenRTB), per second since the start.
        var perSecond: [Histogram<UInt64>] = []
        var completed: [PlannedRequest.Kind: Int] = [:]
        var errors: [String: Int] = [:]
        var adRequests = 0
        var filledPlacements = 0
        var beaconsAnswered = 0
        /// Beacons that got no HTTP answer (a server killed mid-run) or a 5xx: each may or may
        /// not have been recorded (before the kill, or by its replay at another server).
        var beaconsUnanswered = 0
        var beaconsAnsweredByKind: [PlannedRequest.Kind: Int] = [:]
    }

    private let state = Mutex(State())
    public let startNanoseconds: UInt64

    public init(startNanoseconds: UInt64) { self.startNanoseconds = startNanoseconds }

    static func makeHistogram() -> Histogram<UInt64> {
        Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: highestMicroseconds, numberOfSignificantValueDigits: .three)
    }

    /// Records one answered request. `filled`: ads in an ad response; `beaconAccepted`:
    /// a beacon answered 2xx (it must be in the ledger).
    public func record(
        _ kind: PlannedRequest.Kind, intended: UInt64, completed: UInt64, status: Int, filled: Int = 0, beaconAccepted: Bool = false
    ) {
        let micros = min(Self.highestMicroseconds, max(1, (completed &- intended) / 1_000))
        let second = Int((completed &- startNanoseconds) / 1_000_000_000)
        state.withLock { state in
            state.histograms[kind, default: Self.makeHistogram()].record(micros)
            state.completed[kind, default: 0] += 1
            if kind == .native || kind == .openrtb {
                state.adRequests += 1
                state.filledPlacements += filled
                if second >= 0, second < 86_400 {
                    while state.perSecond.count <= second { state.perSecond.append(Self.makeHistogram()) }
                    state.perSecond[second].record(micros)
                }
            }
            if beaconAccepted {
                state.beaconsAnswered += 1
                state.beaconsAnsweredByKind[kind, default: 0] += 1
            } else if (kind == .impression || kind == .click) && status >= 500 {
                // Not recorded by this request; its replay at another server may record it.
                state.beaconsUnanswered += 1
            }
            if status >= 400 || (status >= 300 && kind != .click) { state.errors["http_\(status)", default: 0] += 1 }
        }
    }

    /// Records a request that got no HTTP answer.
    public func recordFailure(_ kind: PlannedRequest.Kind, _ error: TransportError) {
        state.withLock { state in
            state.errors[error == .timeout ? "timeout" : "connection", default: 0] += 1
            if kind == .native || kind == .openrtb { state.adRequests += 1 }
            if kind == .impression || kind == .click { state.beaconsUnanswered += 1 }
        }
    }

    /// A copy of everything recorded so far.
    public var snapshot: Snapshot {
        state.withLock { state in
            Snapshot(
                histograms: state.histograms, perSecond: state.perSecond, completed: state.completed, errors: state.errors,
                adRequests: state.adRequests, filledPlacements: state.filledPlacements, beaconsAnswered: state.beaconsAnswered,
                beaconsUnanswered: state.beaconsUnanswered, beaconsAnsweredByKind: state.beaconsAnsweredByKind
            )
        }
    }

    /// Everything recorded up to one moment (a copy: the run goes on).
    public struct Snapshot: Sendable {
        public var histograms: [PlannedRequest.Kind: Histogram<UInt64>]
        public var perSecond: [Histogram<UInt64>]
        public var completed: [PlannedRequest.Kind: Int]
        public var errors: [String: Int]
        public var adRequests: Int
        public var filledPlacements: Int
        public var beaconsAnswered: Int
        public var beaconsUnanswered: Int
        public var beaconsAnsweredByKind: [PlannedRequest.Kind: Int]

        /// Ad requests (native and OpenRTB) in one histogram.
        public var adLatency: Histogram<UInt64> {
            var merged = RunStats.makeHistogram()
            for kind in [PlannedRequest.Kind.native, .openrtb] { if let histogram = histograms[kind] { merged.add(histogram) } }
            return merged
        }

        public var errorCount: Int { errors.values.reduce(0, +) }
    }
}
