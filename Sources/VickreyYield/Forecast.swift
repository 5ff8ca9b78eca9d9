import Foundation
import VickreyCore

/// An availability forecast for a proposed line item (see `docs/forecasting.md`).
///
/// **Traffic model.** The history is the last `weeks` whole weeks of the request sample
/// before the window (or before its last sampled request, if earlier). Each hour of the
/// window is projected from the same hour of the week in each history week: every sampled
/// request of that hour is replayed into the window, weighing `1,000,000 / (sample rate ×
/// history weeks)` real requests (the mean of the weeks, scaled by the rate).
///
/// **Contention.** The booked sponsorships and standard items, and then the proposed item,
/// are run over the projected requests in time order with the server's rules: targeting,
/// hours and flight through the campaign model; sponsorships behind their share first
/// (`SponsorshipTally`), then standard items whose goal curve needs the request
/// (`GoalCurve`), the most behind first. Booked standard items are taken to be on their
/// curves when the window opens; goals are scaled to the sample. The proposed item comes
/// last in its tier: it gets what the booked items leave (a standard item asks for every
/// request it matches; a sponsorship its share).
public struct ForecastQuestion: Sendable {
    public var proposed: Campaign
    public var booked: [Campaign]
    public var from: Instant
    public var to: Instant
    /// The request sample's rate, parts per million.
    public var sampleRatePPM: Int64
    /// Whole weeks of history to average (fewer when the sample holds fewer).
    public var weeks: Int

    public init(proposed: Campaign, booked: [Campaign], from: Instant, to: Instant, sampleRatePPM: Int64, weeks: Int = 4) {
        self.proposed = proposed
        self.booked = booked
        self.from = from
        self.to = to
        self.sampleRatePPM = sampleRatePPM
        self.weeks = weeks
    }
}

/// The answer: requests the proposed item matches, what it can have, who takes the rest.
public struct Forecast: Sendable, Equatable {
    /// Real requests over the window matching the proposed item's targeting.
    public var matched: Int64
    /// What the proposed item would get after the booked line items take theirs.
    public var available: Int64
    /// A 95% interval around `available` (sampling and week-to-week variation).
    public var low: Int64
    public var high: Int64
    /// Booked line items that take some of the requests the proposed item matches, and how many.
    public var contenders: [Contender]
    public var warnings: [String]
    /// Whole weeks of history the model used, and the sampled requests replayed.
    public var historyWeeks: Int
    public var projectedSamples: Int

    public struct Contender: Sendable, Equatable {
        public var campaignID: CampaignID
        public var type: String
        public var takes: Int64
    }
}

public enum Forecaster {
    static let week: Int64 = 7 * 86_400_000

    /// Answers `question` over `sample` (sorted by time).
    public static func forecast(_ question: ForecastQuestion, sample: [SampledRequest]) -> Forecast {
        forecast(question, sample: sample, apart: true)
    }

    /// `apart`: simulate the groups of items that never compete separately and in parallel
    /// (false runs every item in one simulation: the reference the tests compare with).
    static func forecast(_ question: ForecastQuestion, sample: [SampledRequest], apart: Bool) -> Forecast {
        let (history, weeks) = historyWeeks(sample, before: question.from, wanted: max(1, question.weeks))
        let projected = project(history, weeks: max(weeks, 1), into: question.from, question.to)
        // One sample stands for `scaleNumerator / scaleDenominator` real requests.
        let scaleNumerator: Int64 = 1_000_000
        let scaleDenominator = max(1, question.sampleRatePPM) * Int64(max(weeks, 1))
        func real(_ samples: Int64) -> Int64 { Int64(Int128(samples) * Int128(scaleNumerator) / Int128(scaleDenominator)) }
        func units(_ impressions: Int64) -> Int64 {
            Int64((Int128(impressions) * Int128(scaleDenominator) + Int128(scaleNumerator) / 2) / Int128(scaleNumerator))
        }

        var simulation = Simulation(question: question, shape: shape(of: history), units: units)
        let batches = batches(projected)
        let groups = simulation.contentionGroups(queries: Set(batches.map(\.request.query)), apart: apart)
        // Groups that never compete for a request are simulated apart, on every core.
        let template = simulation
        let outcomes = ParallelMap.map(groups, chunk: 1) { group in
            var run = template
            run.matchingByQuery = group.matching
            var matchedPerWeek = [Int64](repeating: 0, count: max(weeks, 1))
            for batch in batches where group.matching[batch.request.query] != nil {
                if run.offer(batch.request, count: batch.count) { matchedPerWeek[batch.week] += Int64(batch.count) }
            }
            return (matchedPerWeek: matchedPerWeek, taken: run.proposedTaken, contention: run.contention)
        }
        var matchedPerWeek = [Int64](repeating: 0, count: max(weeks, 1))
        var takenSamples: Int64 = 0
        for outcome in outcomes {
            for week in matchedPerWeek.indices { matchedPerWeek[week] += outcome.matchedPerWeek[week] }
            takenSamples += outcome.taken
            simulation.contention.merge(outcome.contention) { $0 + $1 }
        }
        for group in groups { simulation.matchingByQuery.merge(group.matching) { first, _ in first } }
        let matchedSamples = matchedPerWeek.reduce(0, +)
        var warnings: [String] = []
        if matchedSamples == 0 { warnings.append("targeting: the proposed item matches no sampled request in the window's hours") }
        if weeks < 2 {
            warnings.append(
                weeks == 0
                    ? "history: less than a week of sampled requests; hours of the week not yet seen forecast none"
                    : "history: only 1 week of sampled requests; 2 or more make a steadier model")
        }
        let available = real(takenSamples)
        if let goal = question.proposed.lineItem.goal, goal > available {
            warnings.append("overbooked: the goal of \(goal) impressions exceeds the \(available) available")
        }
        if case .sponsorship(let share) = question.proposed.lineItem.delivery {
            let booked = simulation.sponsorshipShares(overlapping: question.proposed)
            if booked + share > 100 {
                warnings.append(
                    "overbooked: sponsorships of overlapping targeting already hold \(booked)%; with \(share)% more they exceed 100%")
            }
        }
        // 95% interval: Poisson error of the samples taken, and the weeks' spread of matches.
        let relativeSampling = takenSamples > 0 ? 1 / Double(takenSamples).squareRoot() : 1
        let meanWeek = Double(matchedSamples) / Double(matchedPerWeek.count)
        let spread =
            matchedPerWeek.count > 1 && meanWeek > 0
            ? (matchedPerWeek.map { pow(Double($0) - meanWeek, 2) }.reduce(0, +) / Double(matchedPerWeek.count - 1)).squareRoot() / meanWeek
            : 0
        let margin = 1.96 * (relativeSampling * relativeSampling + spread * spread).squareRoot()
        let contenders = simulation.contention.map { index, samples in
            Forecast.Contender(
                campaignID: question.booked[index].id, type: question.booked[index].lineItem.delivery.name, takes: real(samples))
        }.sorted { ($0.takes, $1.campaignID) > ($1.takes, $0.campaignID) }
        return Forecast(
            matched: real(matchedSamples), available: available, low: max(0, Int64(Double(available) * (1 - margin))),
            high: Int64(Double(available) * (1 + margin)), contenders: contenders, warnings: warnings, historyWeeks: weeks,
            projectedSamples: projected.count)
    }

    /// The samples of the last `wanted` whole weeks before `end` (or before the sample's end),
    /// and how many whole weeks that is.
    static func historyWeeks(_ sample: [SampledRequest], before end: Instant, wanted: Int) -> ([SampledRequest], Int) {
        guard let first = sample.first, let last = sample.last else { return ([], 0) }
        let close = min(end.millisecondsSinceEpoch, last.time.millisecondsSinceEpoch + 1)
        // Whole weeks, allowing the hour a sample's first or last request may sit inside.
        let whole = Int((close - first.time.millisecondsSinceEpoch + 3_600_000) / week)
        let weeks = min(wanted, whole)
        let open = close - Int64(max(weeks, 1)) * week
        return (sample.filter { $0.time.millisecondsSinceEpoch >= open && $0.time.millisecondsSinceEpoch < close }, weeks)
    }

    /// A sampled request replayed into the window, and the history week it came from.
    struct Projected {
        var request: SampledRequest
        var week: Int
    }

    /// Each history sample moved by whole weeks into every week of `[from, to)` it falls in, by time.
    static func project(_ history: [SampledRequest], weeks: Int, into from: Instant, _ to: Instant) -> [Projected] {
        guard let last = history.last else { return [] }
        let close = last.time.millisecondsSinceEpoch + 1
        var projected: [Projected] = []
        for request in history {
            let time = request.time.millisecondsSinceEpoch
            let weekIndex = Int((close - 1 - time) / week) % weeks
            // The first copy at or after `from`.
            var shifted = time + ((from.millisecondsSinceEpoch - time + week - 1) / week) * week
            if shifted < from.millisecondsSinceEpoch { shifted += week }
            while shifted < to.millisecondsSinceEpoch {
                projected.append(
                    Projected(
                        request: SampledRequest(time: Instant(millisecondsSinceEpoch: shifted), query: request.query), week: weekIndex))
                shifted += week
            }
        }
        projected.sort { $0.request.time < $1.request.time }
        return projected
    }

    /// Projected requests of one hour with the same targeting dimensions and history week,
    /// simulated together at the time of the first of them.
    struct Batch {
        var request: SampledRequest
        var week: Int
        var count: Int
    }

    /// `projected` (in time order) as batches, in the order of their first request.
    static func batches(_ projected: [Projected]) -> [Batch] {
        var batches: [Batch] = []
        var open: [BatchKey: Int] = [:]
        var hour = Int64.min
        for request in projected {
            let requestHour = request.request.time.millisecondsSinceEpoch / 3_600_000
            if requestHour != hour {
                open.removeAll(keepingCapacity: true)
                hour = requestHour
            }
            let key = BatchKey(query: request.request.query, week: request.week)
            if let position = open[key] {
                batches[position].count += 1
            } else {
                open[key] = batches.count
                batches.append(Batch(request: request.request, week: request.week, count: 1))
            }
        }
        return batches
    }

    struct BatchKey: Hashable {
        var query: TargetingQuery
        var week: Int
    }

    /// The traffic shape of the history (its requests per UTC hour of the week).
    static func shape(of history: [SampledRequest]) -> TrafficShape {
        var counts = [Int64](repeating: 0, count: TrafficShape.hoursPerWeek)
        for request in history { counts[request.time.hourOfWeek(offsetSeconds: 0)] += 1 }
        return TrafficShape(counts: counts)
    }
}

/// Line items that compete for requests only among themselves: each query any of them
/// matches, with the items (by index, in order) it matches.
struct ContentionGroup: Sendable {
    var matching: [TargetingQuery: [Int]] = [:]

    /// A rough measure of the group's simulation: its items summed over its queries.
    var work: Int { matching.values.reduce(0) { $0 + $1.count } }
}

/// The booked line items and the proposed one, run request by request in sample units.
struct Simulation: Sendable {
    let question: ForecastQuestion
    let shape: TrafficShape
    /// Every item: the booked ones, then the proposed one (last, so it ranks after them on ties).
    let items: [Campaign]
    let index: IndexSnapshot
    let slotOfItem: [CampaignID: Int]
    /// Standard items' goals and progress in samples; sponsorships' tallies.
    var goals: [Int64]
    var progress: [Int64]
    var tallies: [SponsorshipTally]
    /// Each sponsorship's share, percent (0 for every other item).
    let shares: [Int]
    /// The first instant each standard item can need a request (`GoalCurve.nextDue`).
    var nextDue: [Instant]
    var matchingByQuery: [TargetingQuery: [Int]] = [:]
    /// Per item: its flight and whether it limits hours of the week (read per request
    /// without touching the campaign value or its time zone).
    let flights: [(start: Int64, end: Int64)]
    let limitsHours: [Bool]
    /// Each standard item's goal curve, prepared once.
    let curves: [GoalCurve.Prepared?]
    var proposedTaken: Int64 = 0
    /// Samples the proposed item matched that a booked item took, by booked item.
    var contention: [Int: Int64] = [:]
    /// Samples each item matched, and took.
    var matchedCount: [Int64]
    var takenCount: [Int64]

    init(question: ForecastQuestion, shape: TrafficShape, units: (Int64) -> Int64) {
        self.question = question
        self.shape = shape
        var proposed = question.proposed
        // The proposed standard item asks for every request it matches: what it gets is what is available.
        if case .standard = proposed.lineItem.delivery {
            proposed.lineItem.delivery = .standard(goal: LineItemTerms.maximumGoal, pace: .asap)
            proposed.start = proposed.start.map { max($0, question.from) } ?? question.from
            proposed.end = proposed.end.map { min($0, question.to) } ?? question.to
        }
        proposed.id = CampaignID(unchecked: "proposed")
        items = question.booked + [proposed]
        index =
            CampaignIndex(
                campaigns: items.map { item in
                    var indexed = item
                    indexed.status = .active
                    return indexed
                }
            ).snapshot
        slotOfItem = Dictionary(uniqueKeysWithValues: items.enumerated().map { ($1.id, $0) })
        flights = items.map { ($0.start?.millisecondsSinceEpoch ?? .min, $0.end?.millisecondsSinceEpoch ?? .max) }
        limitsHours = items.map { !$0.targeting.hoursOfWeek.isEmpty || !$0.targeting.exclude.hoursOfWeek.isEmpty }
        curves = items.map { item in
            guard case .standard(_, let pace) = item.lineItem.delivery, let start = item.start, let end = item.end else { return nil }
            return GoalCurve.Prepared(pace: pace, start: start, end: end, shape: shape)
        }
        goals = items.map { item in item.lineItem.goal.map { $0 == LineItemTerms.maximumGoal ? $0 : units($0) } ?? 0 }
        progress = items.map { _ in 0 }
        tallies = items.map { _ in SponsorshipTally(matched: 0, taken: 0) }
        shares = items.map { item in
            if case .sponsorship(let share) = item.lineItem.delivery { share } else { 0 }
        }
        nextDue = items.map { _ in question.from }
        matchedCount = items.map { _ in 0 }
        takenCount = items.map { _ in 0 }
        for (position, item) in items.enumerated() {
            // Booked standard items start the window on their curves.
            guard position < items.count - 1, case .standard(_, let pace) = item.lineItem.delivery, let start = item.start,
                let end = item.end
            else { continue }
            progress[position] = GoalCurve.units(
                goals[position], ppm: GoalCurve.duePPM(pace: pace, start: start, end: end, at: question.from, shape: shape))
        }
    }

    /// Offers `count` projected requests alike (one hour, one set of targeting dimensions) at
    /// the time of `request`; returns whether the proposed item matched them. Each request is
    /// decided in turn; the standard items' due impressions are worked out once for the batch.
    mutating func offer(_ request: SampledRequest, count: Int) -> Bool {
        let matching = matches(request)
        let proposedIndex = items.count - 1
        let proposedMatches = matching.contains(proposedIndex)
        let now = request.time
        for index in matching { matchedCount[index] += Int64(count) }
        // The batch's sponsorships (in index order, so the proposed one, if any, is last) with
        // their shares and tallies in plain local arrays; the tallies are written back at the end.
        let sponsors = matching.filter { shares[$0] > 0 }
        let shareOf = sponsors.map { shares[$0] }
        let matchedBefore = sponsors.map { tallies[$0].matched }
        var takenOf = sponsors.map { tallies[$0].taken }
        let lastBooked = sponsors.last == proposedIndex ? sponsors.count - 1 : sponsors.count
        defer {
            for position in sponsors.indices {
                tallies[sponsors[position]] = SponsorshipTally(matched: matchedBefore[position] + Int64(count), taken: takenOf[position])
            }
        }
        var standards: StandardQueue?
        for step in 0..<count {
            // Sponsorships: every matching one counts the request; the largest deficit behind
            // its share takes it (ties: the lower index); the proposed one only when no booked one is behind.
            var best = -1
            var bestDeficit = Int64.min
            for position in 0..<lastBooked {
                let tally = SponsorshipTally(matched: matchedBefore[position] + Int64(step) + 1, taken: takenOf[position])
                let deficit = tally.deficit(sharePercent: shareOf[position])
                if tally.isBehind(sharePercent: shareOf[position]), deficit > bestDeficit {
                    best = position
                    bestDeficit = deficit
                }
            }
            if best < 0, lastBooked < sponsors.count,
                SponsorshipTally(matched: matchedBefore[lastBooked] + Int64(step) + 1, taken: takenOf[lastBooked])
                    .isBehind(sharePercent: shareOf[lastBooked])
            {
                best = lastBooked
            }
            var taker: Int?
            if best >= 0 {
                takenOf[best] += 1
                taker = sponsors[best]
            } else {
                // Standard items whose curve needs the request, the most behind relative to its goal.
                if standards == nil { standards = standardQueue(matching, at: now) }
                if let index = standards?.take(progress: &progress, goals: goals) { taker = index }
            }
            guard let taker else { continue }
            takenCount[taker] += 1
            if taker == proposedIndex {
                proposedTaken += 1
            } else if proposedMatches {
                contention[taker] = (contention[taker] ?? 0) + 1
            }
        }
        return proposedMatches
    }

    /// The matching standard items that need requests at `now`, with what is due of each; an
    /// item at or past its due is noted with the instant it next needs one (`GoalCurve.nextDue`).
    private mutating func standardQueue(_ matching: [Int], at now: Instant) -> StandardQueue {
        let proposedIndex = items.count - 1
        var queue = StandardQueue(proposedIndex: proposedIndex)
        // The shape's weight at this instant, shared by every item's curve.
        var cumulative: Int128?
        for index in matching where now >= nextDue[index] {
            guard let curve = curves[index] else { continue }
            let goal = goals[index]
            guard progress[index] < goal else { continue }
            let weight = cumulative ?? shape.cumulative(at: now)
            cumulative = weight
            let due = GoalCurve.units(goal, ppm: curve.duePPM(at: now, cumulative: weight))
            if progress[index] >= due, let start = items[index].start, let end = items[index].end {
                nextDue[index] = GoalCurve.nextDue(
                    after: progress[index], goal: goal, pace: curve.pace, start: start, end: end, at: now, shape: shape)
                continue
            }
            queue.insert(index, due: due, progress: progress[index], goal: goal)
        }
        return queue
    }

    /// The items that can change what the proposed item gets, in groups that never compete
    /// for the same request, each with the `queries` its items match (the items in index
    /// order). Two items compete when some query matches both; a group is every item reached
    /// that way (a connected component, found by union–find). A proposed standard item ranks
    /// after every booked one and asks for every request (`asap`, an unbounded goal), so it
    /// changes nothing for them and its own choices do not depend on its past: it joins each
    /// group it meets and links none. Any other proposed item links its group. An item outside
    /// every group returned never shares a request with the proposed item, or with anything
    /// that does, so leaving it out changes nothing the forecast reports; a forecast for one
    /// country skips the others' traffic. Flights and hours are left to `matches`: grouping
    /// by targeting alone errs towards larger groups.
    func contentionGroups(queries: Set<TargetingQuery>, apart: Bool = true) -> [ContentionGroup] {
        let proposed = items.count - 1
        var proposedLinks = true
        if case .standard = items[proposed].lineItem.delivery { proposedLinks = false }
        var parent = Array(items.indices)
        func root(_ item: Int) -> Int {
            var item = item
            while parent[item] != item {
                parent[item] = parent[parent[item]]
                item = parent[item]
            }
            return item
        }
        var candidatesByQuery: [TargetingQuery: [Int]] = [:]
        for query in queries {
            let candidates = index.matchingCampaigns(query).compactMap { slotOfItem[$0.id] }.sorted()
            guard let first = candidates.first else { continue }
            candidatesByQuery[query] = candidates
            let firstRoot = root(first)
            for other in candidates.dropFirst() where proposedLinks || other != proposed { parent[root(other)] = firstRoot }
        }
        guard apart else { return [ContentionGroup(matching: candidatesByQuery)] }
        // The proposed item is the last index: it is in a query's candidates when it is the last.
        let meetingProposed = Set(candidatesByQuery.values.filter { $0.last == proposed }.map { root($0[0]) })
        var groups: [Int: ContentionGroup] = [:]
        for (query, candidates) in candidatesByQuery {
            let group = root(candidates[0])
            if meetingProposed.contains(group) { groups[group, default: ContentionGroup()].matching[query] = candidates }
        }
        // The largest first, so the cores finish together.
        return groups.values.sorted { $0.work > $1.work }
    }

    /// The items whose targeting (hours of the week included), flight and creatives admit `request`.
    mutating func matches(_ request: SampledRequest) -> [Int] {
        let candidates: [Int]
        if let cached = matchingByQuery[request.query] {
            candidates = cached
        } else {
            candidates = index.matchingCampaigns(request.query).compactMap { slotOfItem[$0.id] }.sorted()
            matchingByQuery[request.query] = candidates
        }
        let now = request.time.millisecondsSinceEpoch
        return candidates.filter { index in
            guard now >= flights[index].start, now < flights[index].end else { return false }
            guard limitsHours[index] else { return true }
            let item = items[index]
            return item.hoursMismatch(request.time.hourOfWeek(offsetSeconds: item.timeZone.offsetSeconds(at: request.time))) == nil
        }
    }

    /// The shares of the booked sponsorships whose targeting overlaps the proposed item's
    /// (any sampled request matched both).
    func sponsorshipShares(overlapping proposed: Campaign) -> Int {
        let proposedIndex = items.count - 1
        var overlapping = Set<Int>()
        for matching in matchingByQuery.values where matching.contains(proposedIndex) {
            for index in matching where index != proposedIndex { overlapping.insert(index) }
        }
        return overlapping.reduce(0) { total, index in
            if case .sponsorship(let share) = items[index].lineItem.delivery { total + share } else { total }
        }
    }
}

/// A forecast of a past week from the weeks before it, against what the week's sampled
/// requests matched and what the booked items delivered over them (`adctl forecast --backtest`).
public struct Backtest: Sendable {
    public var weekStart: Instant
    public var weekEnd: Instant
    public var historyWeeks: Int
    /// Every request of the week.
    public var overall: Comparison
    /// Requests by country and device, for each pair holding at least 1% of the week.
    public var segments: [Segment]
    /// Each booked line item: the requests it matched and the impressions it took.
    public var lineItems: [Item]

    /// A forecast and the actual figure, in real requests, and the error relative to the actual.
    public struct Comparison: Sendable, Equatable {
        public var forecast: Int64
        public var actual: Int64
        /// `|forecast − actual| / actual`, parts per million.
        public var errorPPM: Int64 { actual > 0 ? abs(forecast - actual) * 1_000_000 / actual : (forecast == 0 ? 0 : 1_000_000) }
    }

    public struct Segment: Sendable {
        public var name: String
        /// The segment's share of the week's actual requests, ppm.
        public var sharePPM: Int64
        public var requests: Comparison
    }

    public struct Item: Sendable {
        public var campaignID: CampaignID
        public var matched: Comparison
        public var delivered: Comparison
    }

    /// The largest error among the segments.
    public var worstSegmentErrorPPM: Int64 { segments.map(\.requests.errorPPM).max() ?? 0 }
}

extension Forecaster {
    /// Forecasts the last full UTC week of `sample` (Monday to Monday, before the week of its
    /// last request) from up to `weeks` weeks before it; nil when the sample holds no full
    /// week before that one.
    public static func backtest(booked: [Campaign], sample: [SampledRequest], sampleRatePPM: Int64, weeks: Int = 4) -> Backtest? {
        guard let last = sample.last else { return nil }
        // The week boundary at or before an hour after the last request: a sample that ends late
        // on a Sunday holds that whole week.
        let weekEnd = Instant(
            millisecondsSinceEpoch: TrafficShape.week(of: last.time.adding(seconds: 3_600)) * week - TrafficShape.epochHourOfWeek
                * 3_600_000)
        let weekStart = Instant(millisecondsSinceEpoch: weekEnd.millisecondsSinceEpoch - week)
        let before = sample.filter { $0.time < weekStart }
        let actual = sample.filter { $0.time >= weekStart && $0.time < weekEnd }
        let (history, historyWeeks) = self.historyWeeks(before, before: weekStart, wanted: max(1, weeks))
        guard historyWeeks > 0, !actual.isEmpty else { return nil }
        let projected = project(history, weeks: historyWeeks, into: weekStart, weekEnd).map(\.request)
        let rate = max(1, sampleRatePPM)
        func real(_ samples: Int64, weeks: Int) -> Int64 { Int64(Int128(samples) * 1_000_000 / Int128(rate * Int64(weeks))) }
        func compare(_ forecast: Int64, _ actual: Int64) -> Backtest.Comparison {
            Backtest.Comparison(forecast: real(forecast, weeks: historyWeeks), actual: real(actual, weeks: 1))
        }
        // Segments: country × device.
        func segment(_ request: SampledRequest) -> String {
            "\(request.query.country?.rawValue ?? "-")/\(request.query.device?.rawValue ?? "-")"
        }
        var forecastBySegment: [String: Int64] = [:]
        var actualBySegment: [String: Int64] = [:]
        for request in projected { forecastBySegment[segment(request), default: 0] += 1 }
        for request in actual { actualBySegment[segment(request), default: 0] += 1 }
        let segments = actualBySegment.filter { $0.value * 100 >= Int64(actual.count) }.map { name, count in
            Backtest.Segment(
                name: name, sharePPM: count * 1_000_000 / Int64(actual.count), requests: compare(forecastBySegment[name] ?? 0, count))
        }.sorted { $0.sharePPM > $1.sharePPM }
        // The booked items over the projected week and over the actual one.
        var nothing = Campaign(
            id: CampaignID(unchecked: "none"), advertiserID: AdvertiserID(unchecked: "none"), bid: Micros(1), totalBudget: .zero,
            creatives: [])
        nothing.lineItem = .pricePriority
        let question = ForecastQuestion(proposed: nothing, booked: booked, from: weekStart, to: weekEnd, sampleRatePPM: rate, weeks: weeks)
        var forecastRun = Simulation(
            question: question, shape: shape(of: history),
            units: { Int64((Int128($0) * Int128(rate * Int64(historyWeeks)) + 500_000) / 1_000_000) })
        for batch in batches(projected.map { Projected(request: $0, week: 0) }) { _ = forecastRun.offer(batch.request, count: batch.count) }
        var actualRun = Simulation(
            question: question, shape: shape(of: history), units: { Int64((Int128($0) * Int128(rate) + 500_000) / 1_000_000) })
        for batch in batches(actual.map { Projected(request: $0, week: 0) }) { _ = actualRun.offer(batch.request, count: batch.count) }
        let items = booked.indices.map { index in
            Backtest.Item(
                campaignID: booked[index].id, matched: compare(forecastRun.matchedCount[index], actualRun.matchedCount[index]),
                delivered: compare(forecastRun.takenCount[index], actualRun.takenCount[index]))
        }
        return Backtest(
            weekStart: weekStart, weekEnd: weekEnd, historyWeeks: historyWeeks,
            overall: compare(Int64(projected.count), Int64(actual.count)), segments: segments, lineItems: items)
    }
}

/// The standard items needing requests in a batch, most behind first (ties: the lower
/// index, as the server's id order): a binary max-heap keyed by `GoalCurve.behindPPM`, the
/// proposed item after every booked one.
struct StandardQueue {
    let proposedIndex: Int
    private var heap: [(key: Int64, index: Int, due: Int64)] = []

    init(proposedIndex: Int) { self.proposedIndex = proposedIndex }

    func key(_ index: Int, due: Int64, progress: Int64, goal: Int64) -> Int64 {
        GoalCurve.behindPPM(due: due, progress: progress, goal: goal) - (index == proposedIndex ? Int64.max / 2 : 0)
    }

    mutating func insert(_ index: Int, due: Int64, progress: Int64, goal: Int64) {
        heap.append((key(index, due: due, progress: progress, goal: goal), index, due))
        var child = heap.count - 1
        while child > 0, Self.before(heap[child], heap[(child - 1) / 2]) {
            heap.swapAt(child, (child - 1) / 2)
            child = (child - 1) / 2
        }
    }

    /// The most behind item takes a request: its progress moves on and it goes back in the
    /// queue while it is still behind.
    mutating func take(progress: inout [Int64], goals: [Int64]) -> Int? {
        guard let top = heap.first else { return nil }
        progress[top.index] += 1
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            siftDown(0)
        }
        if progress[top.index] < top.due, progress[top.index] < goals[top.index] {
            insert(top.index, due: top.due, progress: progress[top.index], goal: goals[top.index])
        }
        return top.index
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var first = parent
            if left < heap.count, Self.before(heap[left], heap[first]) { first = left }
            if right < heap.count, Self.before(heap[right], heap[first]) { first = right }
            if first == parent { return }
            heap.swapAt(parent, first)
            parent = first
        }
    }

    private static func before(_ a: (key: Int64, index: Int, due: Int64), _ b: (key: Int64, index: Int, due: Int64)) -> Bool {
        a.key != b.key ? a.key > b.key : a.index < b.index
    }
}
