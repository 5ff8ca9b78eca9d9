import VickreyBudget

// Charts three overlapping standard line items' cumulative delivery against their ideal
// curves over a simulated week of shaped traffic (a learning week first), through the
// real auction, policy, line-item book and budget book.
//
//   swift run --package-path Benchmarks goal-sim [requests-per-week] [every-hours]
let arguments = CommandLine.arguments.dropFirst()
let requests = arguments.first.flatMap(Int.init) ?? 200_000
let every = arguments.dropFirst().first.flatMap(Int.init) ?? 12
let result = GoalSimulation(requestsPerWeek: requests).run()
print("\(requests) requests per week, shaped by hour of day (weekends 1.25x); a learning week, then the flight week\n")
print(result.chart(everyHours: every))
