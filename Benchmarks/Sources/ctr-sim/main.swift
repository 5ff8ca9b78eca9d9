import VickreyCore

// Two CPC campaigns through the real index and auction, one declaring twice its true
// CTR; learned CTRs are fed back every 100 impressions, as the server does every
// `ctr.refreshSeconds`. Prints each campaign's impressions, clicks, learned CTR, score
// and wins per checkpoint.
//
//   swift run --package-path Benchmarks ctr-sim [auctions] [prior-weight] [checkpoint-every]
let arguments = CommandLine.arguments.dropFirst()
var simulation = ClickThroughSimulation()
simulation.auctions = arguments.first.flatMap(Int.init) ?? simulation.auctions
simulation.priorWeight = arguments.dropFirst().first.flatMap(Int64.init) ?? simulation.priorWeight
let every = arguments.dropFirst(2).first.flatMap(Int.init) ?? 2_000
let result = simulation.run(checkpointEvery: every)
print(
    "\(simulation.auctions) auctions, prior weight \(simulation.priorWeight) impressions; true CTRs: overclaims 2% (declares 4%), honest 3% (declares 3%); both bid $1.00 per click\n"
)
print(result.table)
print("\nranked by learned score: \(result.rankingByLearnedScore.joined(separator: " > "))")
print("ranked by true value:    \(result.rankingByTrueValue.joined(separator: " > "))")
