import VickreyCore

/// A simulated week of standard line items with overlapping targeting, run through the
/// real auction, eligibility policy, line-item book and budget book with a simulated
/// clock: traffic with a daily shape (a quiet night, an evening peak, busier weekends),
/// a learning week the traffic shape is counted from, then the flight week. Used by the
/// tests and by `goal-sim` (Benchmarks) to chart delivery against each item's ideal curve.
public struct GoalSimulation: Sendable {
    /// Requests in each simulated week.
    public var requestsPerWeek: Int
    /// The line items and their goals in thousandths of a week's requests.
    public var items: [Item]
    /// Monday 00:00 UTC of the learning week; the flight is the week after.
    public var learningWeekStart: Instant

    /// A standard line item of the simulation.
    public struct Item: Sendable {
        public var id: String
        public var countries: [String]
        public var mobileOnly: Bool
        /// The goal in thousandths of the flight week's requests.
        public var goalPerMille: Int64
        public var pace: GoalPace

        public init(id: String, countries: [String], mobileOnly: Bool, goalPerMille: Int64, pace: GoalPace = .even) {
            self.id = id
            self.countries = countries
            self.mobileOnly = mobileOnly
            self.goalPerMille = goalPerMille
            self.pace = pace
        }
    }

    /// Three items over DE and FR traffic that overlap (DE mobile matches all three), with
    /// 28% of the week's requests booked out of the 42% they can match together.
    public static let overlappingItems = [
        Item(id: "de-mobile", countries: ["DE"], mobileOnly: true, goalPerMille: 80),
        Item(id: "de-all", countries: ["DE"], mobileOnly: false, goalPerMille: 100),
        Item(id: "eu-mobile", countries: ["DE", "FR"], mobileOnly: true, goalPerMille: 100),
    ]

    /// Relative traffic per hour of the day (UTC); weekends carry 1.25× weekday traffic.
    public static let hourlyShape: [Int64] = [3, 2, 1, 1, 1, 2, 4, 6, 8, 9, 9, 9, 10, 9, 9, 9, 10, 11, 13, 14, 13, 10, 7, 4]

    public init(
        requestsPerWeek: Int = 200_000, items: [Item] = GoalSimulation.overlappingItems,
        learningWeekStart: Instant = Instant(secondsSinceEpoch: 1_794_182_400)  // Monday 2026-11-09 00:00 UTC
    ) {
        self.requestsPerWeek = requestsPerWeek
        self.items = items
        self.learningWeekStart = learningWeekStart
    }

    /// What each item delivered, hour by hour of the flight week, against its ideal curve.
    public struct Result: Sendable {
        public var items: [ItemResult]
        /// Impressions the auction (a price-priority campaign bidding above every rate) won.
        public var auctionImpressions: Int64
    }

    public struct ItemResult: Sendable {
        public var id: String
        public var goal: Int64
        /// Impressions billed in each of the flight's 168 hours.
        public var deliveredByHour: [Int64]
        /// Impressions due by the end of each hour on the item's curve.
        public var idealByHour: [Int64]
        public var delivered: Int64 { deliveredByHour.reduce(0, +) }
    }

    public func run() -> Result {
        let flightStart = learningWeekStart.adding(seconds: 7 * 86_400)
        let flightEnd = flightStart.adding(seconds: 7 * 86_400)
        let campaigns = items.map { item in
            var campaign = Self.campaign(item.id, bid: 2_000_000, start: flightStart, end: flightEnd)
            campaign.targeting.countries = Set(item.countries.compactMap(CountryCode.init))
            if item.mobileOnly { campaign.targeting.devices = [.mobile] }
            campaign.lineItem = LineItemTerms(
                delivery: .standard(goal: Int64(requestsPerWeek) * item.goalPerMille / 1000, pace: item.pace), rate: Micros(2_000_000))
            return campaign
        }
        // A price-priority campaign that outbids every line item: it only gets what the goals do not need.
        let rival = Self.campaign("open-auction", bid: 9_000_000, start: nil, end: nil)
        let book = BudgetBook()
        let lineItems = LineItemBook()
        let policy = ServingPolicy(budgets: book, caps: FrequencyCapper(maximumUsers: 16), lineItems: lineItems)
        let snapshot = CampaignIndex(campaigns: campaigns + [rival]).snapshot
        let auctioneer = Auctioneer()
        var random = TieBreakGenerator(requestID: "goal-sim")
        var delivered = items.map { _ in [Int64](repeating: 0, count: 168) }
        var auctionImpressions: Int64 = 0
        for week in 0..<2 {
            let weekStart = learningWeekStart.adding(seconds: Int64(week) * 7 * 86_400)
            for (hour, count) in Self.requestsPerHour(total: requestsPerWeek).enumerated() {
                let hourStart = weekStart.millisecondsSinceEpoch + Int64(hour) * 3_600_000
                for index in 0..<count {
                    let time = Instant(millisecondsSinceEpoch: hourStart + Int64(index) * 3_600_000 / Int64(count))
                    lineItems.countRequest(at: time)
                    guard week == 1 else { continue }
                    let draw = random.index(below: 100)
                    let country = draw < 50 ? "US" : (draw < 80 ? "DE" : "FR")
                    let request = AuctionRequest(
                        requestID: "sim-\(hour)-\(index)", device: random.index(below: 10) < 6 ? .mobile : .desktop,
                        country: CountryCode(country), placements: [PlacementRequest(id: PlacementID(unchecked: "feed"))], time: time)
                    for win in auctioneer.run(request, on: snapshot, policy: policy).wins {
                        // The impression beacon arrives at once and settles the reservation.
                        let outcome = book.charge(
                            win.campaignID, limits: BudgetLimits(win.campaign), amount: Nanos.impression(atCPM: win.price),
                            reservationID: win.reservationID, at: time)
                        guard case .billed = outcome else { continue }
                        if let item = items.firstIndex(where: { $0.id == win.campaignID.rawValue }) {
                            delivered[item][hour] += 1
                        } else {
                            auctionImpressions += 1
                        }
                    }
                }
            }
        }
        let shape = lineItems.trafficShape
        let results = items.enumerated().map { index, item in
            let goal = Int64(requestsPerWeek) * item.goalPerMille / 1000
            let ideal = (0..<168).map { hour in
                let ppm = GoalCurve.duePPM(
                    pace: item.pace, start: flightStart, end: flightEnd, at: flightStart.adding(seconds: Int64(hour + 1) * 3_600),
                    shape: shape)
                return GoalCurve.units(goal, ppm: ppm)
            }
            return ItemResult(id: item.id, goal: goal, deliveredByHour: delivered[index], idealByHour: ideal)
        }
        return Result(items: results, auctionImpressions: auctionImpressions)
    }

    /// The week's requests spread over its 168 hours by the daily shape (weekends 1.25×).
    static func requestsPerHour(total: Int) -> [Int] {
        let weights = (0..<168).map { hour in hourlyShape[hour % 24] * (hour >= 120 ? 5 : 4) }
        let sum = weights.reduce(0, +)
        return weights.map { Int(Int64(total) * $0 / sum) }
    }

    private static func campaign(_ id: String, bid: Int64, start: Instant?, end: Instant?) -> Campaign {
        Campaign(
            id: CampaignID(unchecked: id), advertiserID: AdvertiserID(unchecked: "adv-\(id)"), bid: Micros(bid),
            totalBudget: Micros(1_000_000_000_000), start: start, end: end,
            creatives: [
                Creative(
                    id: CreativeID(unchecked: "cr-\(id)"), size: AdSize(width: 300, height: 250)!, imageURL: "https://i",
                    clickURL: "https://c")
            ])
    }
}

extension GoalSimulation.Result {
    /// Each item's cumulative delivery against its ideal curve every `everyHours` hours, as text.
    public func chart(everyHours: Int = 6, width: Int = 40) -> String {
        var lines: [String] = []
        for item in items {
            lines.append("\(item.id): goal \(item.goal), delivered \(item.delivered) (\(percent(item.delivered, of: item.goal)))")
            lines.append("  hour  delivered      ideal   |delivered (#) vs ideal (|), 0 to 100% of the goal")
            var cumulative: Int64 = 0
            for hour in 0..<168 {
                cumulative += item.deliveredByHour[hour]
                guard (hour + 1) % everyHours == 0 else { continue }
                let bar = Int(cumulative * Int64(width) / max(1, item.goal))
                let mark = Int(item.idealByHour[hour] * Int64(width) / max(1, item.goal))
                var row = Array(repeating: Character(" "), count: width + 1)
                for i in 0..<min(bar, width + 1) { row[i] = "#" }
                if mark <= width { row[mark] = "|" }
                lines.append("  \(pad(Int64(hour + 1), 4))  \(pad(cumulative, 9))  \(pad(item.idealByHour[hour], 9))   \(String(row))")
            }
        }
        lines.append("open auction won \(auctionImpressions) impressions")
        return lines.joined(separator: "\n")
    }

    private func percent(_ part: Int64, of whole: Int64) -> String {
        let basisPoints = part * 10_000 / max(1, whole)
        let fraction = basisPoints % 100
        return "\(basisPoints / 100).\(fraction < 10 ? "0" : "")\(fraction)%"
    }

    private func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: " ", count: max(0, width - text.count)) + text
    }
}
