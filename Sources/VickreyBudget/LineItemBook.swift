import Synchronization
import VickreyCore

/// The server's line-item state beside the budget book: each sponsorship's matching and
/// taken requests, and the requests seen per UTC hour of the week that shape `even` goals.
///
/// The traffic shape comes from completed weeks only (Monday 00:00 UTC to Monday): the
/// week in progress is counted apart and added to the history when it ends, so the hours
/// a flight has just lived through never weigh more than those still ahead. Until every
/// hour of the week has traffic in the history (a whole week seen), the shape is uniform.
///
/// Sponsorship tallies sit behind one lock held for a dictionary update only; the counts
/// of the week in progress are lock-free; the first request of a new week moves them into
/// the history and rebuilds the shape.
public final class LineItemBook: Sendable {
    private let tallies = Mutex<[CampaignID: SponsorshipTally]>([:])
    private let thisWeek: [HourCounter] = (0..<TrafficShape.hoursPerWeek).map { _ in HourCounter() }
    private let week = Atomic<Int64>(.min)
    /// Requests per hour of the week over the completed weeks, and the shape built from them.
    private let history = Mutex((counts: [Int64](repeating: 0, count: TrafficShape.hoursPerWeek), shape: TrafficShape.uniform))

    /// Sponsorships with a tally (bounded by the sponsorships in the catalogue).
    public var tallyCount: Int { tallies.withLock { $0.count } }

    public init() {}

    /// Counts one ad request at `now` toward its hour of the week.
    public func countRequest(at now: Instant) {
        let weekNumber = TrafficShape.week(of: now)
        let current = week.load(ordering: .relaxed)
        if weekNumber > current, week.compareExchange(expected: current, desired: weekNumber, ordering: .relaxed).exchanged,
            current != .min
        {
            let finished = thisWeek.map { $0.value.exchange(0, ordering: .relaxed) }
            history.withLock { history in
                for hour in 0..<TrafficShape.hoursPerWeek { history.counts[hour] += finished[hour] }
                history.shape = TrafficShape(counts: history.counts)
            }
        }
        thisWeek[now.hourOfWeek(offsetSeconds: 0)].value.add(1, ordering: .relaxed)
    }

    /// The shape `even` goals follow now.
    public var trafficShape: TrafficShape { history.withLock { $0.shape } }

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
