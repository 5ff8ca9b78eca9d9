import VickreyBudget

// Charts one even-paced campaign's cumulative spend against the ideal line over a
// simulated day, through the real auction, policy and budget book.
//
//   swift run --package-path Benchmarks pacing-sim [requests] [budget-impressions] [peaked]
//
// `peaked` replaces flat traffic with an evening peak (and tells the pacer about it).
let arguments = CommandLine.arguments.dropFirst()
let requests = arguments.first.flatMap(Int.init) ?? 10_000
let budget = arguments.dropFirst().first.flatMap(Int64.init) ?? 1_000
var settings = PacingSettings()
if arguments.contains("peaked") {
    settings = PacingSettings(hourlyTrafficWeights: (0..<24).map { hour in hour >= 18 && hour < 23 ? 3 : (hour < 6 ? 0.3 : 1) })
    print("note: the simulation's own traffic stays flat; only the pacer's expectation is peaked")
}
let result = PacingSimulation(requests: requests, budgetImpressions: budget, settings: settings).run()
print("\(requests) eligible requests evenly over one UTC day, daily budget = \(budget) impressions\n")
print(result.chart())
let fair = Double(result.impressions) / 24
let worst = result.impressionsByHour.max() ?? 0
print("largest hour: \(worst) impressions = \(Double(Int(Double(worst) / fair * 100)) / 100)× the fair share")
