import Synchronization
import VickreyCore

/// The server's line-item state beside the budget book: each sponsorship's matching and
/// taken requests, and the requests seen per UTC hour of the week that shape `even` goals.
///
/// Sponsorship tallies sit behind one lock held for a dictionary update only; the hourly
/// counts are lock-free; the traffic shape is rebuilt from them at most once a minute,
/// by whichever request first sees the new minute.
public final class LineItemBook: Sendable {
    private let tallies = Mutex<[CampaignID: SponsorshipTally]>([:])
    private let hourCounts: [HourCounter] = (0..<TrafficShape.hoursPerWeek).map { _ in HourCounter() }
    private let shape = Mutex(TrafficShape.uniform)
    private let shapeMinute = Atomic<Int64>(.min)

    public init() {}

    /// Counts one ad request at `now` toward its hour of the week.
    public func countRequest(at now: Instant) {
        hourCounts[now.hourOfWeek(offsetSeconds: 0)].value.add(1, ordering: .relaxed)
        let minute = now.millisecondsSinceEpoch / 60_000
        let last = shapeMinute.load(ordering: .relaxed)
        if minute > last, shapeMinute.compareExchange(expected: last, desired: minute, ordering: .relaxed).exchanged {
            let rebuilt = TrafficShape(counts: hourCounts.map { $0.value.load(ordering: .relaxed) })
            shape.withLock { $0 = rebuilt }
        }
    }

    /// The shape `even` goals follow now: uniform until every hour of the week has traffic.
    public var trafficShape: TrafficShape { shape.withLock { $0 } }

    /// Requests counted per UTC hour of the week since start.
    public var hourlyRequests: [Int64] { hourCounts.map { $0.value.load(ordering: .relaxed) } }

    public func countMatches(_ sponsorships: [CampaignID]) -> [SponsorshipTally] {
        tallies.withLock { tallies in
            sponsorships.map { id in
                var tally = tallies[id] ?? SponsorshipTally(matched: 0, taken: 0)
                tally.matched += 1
                tallies[id] = tally
                return tally
            }
        }
    }

    public func countTake(_ sponsorship: CampaignID) {
        tallies.withLock { $0[sponsorship]?.taken += 1 }
    }

    /// A sponsorship's tally so far (zero when it never matched).
    public func tally(_ sponsorship: CampaignID) -> SponsorshipTally {
        tallies.withLock { $0[sponsorship] } ?? SponsorshipTally(matched: 0, taken: 0)
    }
}

private final class HourCounter: Sendable {
    let value = Atomic<Int64>(0)
}
