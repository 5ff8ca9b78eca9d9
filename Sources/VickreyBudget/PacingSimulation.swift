import VickreyCore

/// A simulated day of one even-paced campaign under steady traffic, run through the real
/// auction, eligibility policy and budget book with a simulated clock. Used by the tests
/// and by `pacing-sim` (Benchmarks) to chart spend against the ideal line.
public struct PacingSimulation: Sendable {
    /// Eligible requests over the day, evenly spaced.
    public var requests: Int
    /// The daily budget, in impressions at the clearing price.
    public var budgetImpressions: Int64
    public var settings: PacingSettings
    /// UTC midnight of the simulated day.
    public var dayStart: Instant

    public init(
        requests: Int = 10_000, budgetImpressions: Int64 = 1_000, settings: PacingSettings = PacingSettings(),
        dayStart: Instant = Instant(secondsSinceEpoch: 1_795_651_200)
    ) {
        self.requests = requests
        self.budgetImpressions = budgetImpressions
        self.settings = settings
        self.dayStart = dayStart
    }

    /// What happened, hour by hour.
    public struct Result: Sendable {
        public var impressionsByHour: [Int64]
        public var spent: Nanos
        public var budget: Nanos
        public var impressions: Int64 { impressionsByHour.reduce(0, +) }
    }

    /// Every impression clears at this CPM (the request floor, which a lone bidder pays),
    /// so it costs exactly 1_000_000 nanos (1000 micros).
    static let clearingCPM = Micros(1_000_000)

    public func run() -> Result {
        let budget = Nanos.impression(atCPM: Self.clearingCPM).value * budgetImpressions
        let campaign = Campaign(
            id: CampaignID(unchecked: "paced"), advertiserID: AdvertiserID(unchecked: "sim"), bid: Self.clearingCPM,
            dailyBudget: Micros(budget / 1000), totalBudget: Micros(budget), pacing: .even,
            creatives: [
                Creative(
                    id: CreativeID(unchecked: "c"), size: AdSize(width: 300, height: 250)!, imageURL: "https://i", clickURL: "https://c")
            ]
        )
        let book = BudgetBook(pacing: settings)
        let policy = ServingPolicy(budgets: book, caps: FrequencyCapper(maximumUsers: 16))
        let snapshot = CampaignIndex(campaigns: [campaign]).snapshot
        let auctioneer = Auctioneer()
        var byHour = [Int64](repeating: 0, count: 24)
        let step = 86_400_000 / Int64(requests)
        for index in 0..<requests {
            let time = Instant(millisecondsSinceEpoch: dayStart.millisecondsSinceEpoch + Int64(index) * step + step / 2)
            let request = AuctionRequest(
                requestID: "sim-\(index)", placements: [PlacementRequest(id: PlacementID(unchecked: "feed"), floor: Self.clearingCPM)],
                time: time
            )
            for win in auctioneer.run(request, on: snapshot, policy: policy).wins {
                // The impression beacon arrives at once and settles the reservation.
                let outcome = book.charge(
                    win.campaignID, limits: BudgetLimits(campaign), amount: .impression(atCPM: win.clearingECPM),
                    reservationID: win.reservationID, at: time
                )
                if case .billed = outcome { byHour[Int((time.millisecondsSinceEpoch - dayStart.millisecondsSinceEpoch) / 3_600_000)] += 1 }
            }
        }
        let spent = book.snapshot(campaign.id, at: dayStart.adding(seconds: 86_399))?.spentToday ?? .zero
        return Result(impressionsByHour: byHour, spent: spent, budget: Nanos(budget))
    }
}

extension PacingSimulation.Result {
    /// Cumulative spend against the ideal straight line, one row per hour, as text.
    public func chart(width: Int = 50) -> String {
        var lines = ["hour  impressions  cumulative  ideal   |spend (#) vs ideal (|), 0 to 100% of the daily budget"]
        let perImpression = Nanos.impression(atCPM: PacingSimulation.clearingCPM).value
        let total = Double(budget.value / perImpression)
        var cumulative: Int64 = 0
        for (hour, count) in impressionsByHour.enumerated() {
            cumulative += count
            let ideal = Double(hour + 1) / 24 * total
            let bar = Int((Double(cumulative) / total * Double(width)).rounded())
            let mark = Int((ideal / total * Double(width)).rounded())
            var row = Array(repeating: Character(" "), count: width + 1)
            for i in 0..<min(bar, width + 1) { row[i] = "#" }
            if mark <= width { row[mark] = "|" }
            let hourText = hour < 10 ? "0\(hour)" : "\(hour)"
            lines.append("\(hourText)    \(pad(count, 11))  \(pad(cumulative, 10))  \(pad(Int64(ideal.rounded()), 5))   \(String(row))")
        }
        lines.append("spent \(spent.value) of \(budget.value) nanos (\(impressions) impressions)")
        return lines.joined(separator: "\n")
    }

    private func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: " ", count: max(0, width - text.count)) + text
    }
}
