/// Two CPC campaigns of different advertisers through the real index and auction, one
/// declaring twice its true CTR: each auction's winner gets an impression, which is
/// clicked with the winner's true CTR (a seeded draw), and the evidence is fed back into
/// the index's learned CTRs every `refreshEvery` impressions, as the server's refresher
/// does. The over-declaring campaign wins first, its learned rate falls toward its true
/// one, and the honest campaign, truly worth more, takes over.
public struct ClickThroughSimulation: Sendable {
    public var auctions = 20_000
    public var priorWeight = ClickThroughLearning.defaultPriorWeight
    public var refreshEvery = 100
    public var seed: UInt64 = 7
    /// (id, CPC bid micros, declared ppm, true ppm)
    public var campaigns: [(id: String, bid: Int64, declared: Int64, truth: Int64)] = [
        ("overclaims", 1_000_000, 40_000, 20_000),
        ("honest", 1_000_000, 30_000, 30_000),
    ]

    public init() {}

    /// One checkpoint: per campaign, impressions and clicks so far, learned CTR and
    /// score, and wins since the last checkpoint.
    public struct Checkpoint: Sendable {
        public var auctions: Int
        public var rows: [(id: String, impressions: Int64, clicks: Int64, learned: ClickThroughRate, score: Micros, recentWins: Int)]
    }

    public struct Result: Sendable {
        public var checkpoints: [Checkpoint]
        /// Campaign ids by final learned score, best first.
        public var rankingByLearnedScore: [String]
        /// Campaign ids by true value (bid × true CTR), best first.
        public var rankingByTrueValue: [String]
    }

    public func run(checkpointEvery: Int = 2_000) -> Result {
        let learning = ClickThroughLearning(priorWeight: priorWeight)
        let index = CampaignIndex(
            campaigns: campaigns.map { spec in
                Campaign(
                    id: CampaignID(unchecked: spec.id), advertiserID: AdvertiserID(unchecked: "adv-\(spec.id)"), pricing: .cpc,
                    bid: Micros(spec.bid), predictedCTR: ClickThroughRate(partsPerMillion: spec.declared), totalBudget: Micros(1 << 40),
                    creatives: [
                        Creative(
                            id: CreativeID(unchecked: "cr-\(spec.id)"), size: AdSize(width: 300, height: 250)!, imageURL: "", clickURL: "")
                    ])
            }, learning: learning)
        let truth = Dictionary(uniqueKeysWithValues: campaigns.map { ($0.id, $0.truth) })
        var random = SplitMix64(state: seed)
        var pending: [CampaignID: ClickEvidence] = [:]
        var recentWins: [String: Int] = [:]
        var checkpoints: [Checkpoint] = []
        let auctioneer = Auctioneer()
        for step in 1...auctions {
            let request = AuctionRequest(
                requestID: "sim-\(step)", placements: [PlacementRequest(id: PlacementID(unchecked: "feed"))],
                time: Instant(secondsSinceEpoch: 0))
            if let win = auctioneer.run(request, on: index.snapshot).wins.first {
                let id = win.campaignID
                let clicked = Int64(random.next() % 1_000_000) < truth[id.rawValue, default: 0]
                pending[id, default: ClickEvidence()] =
                    pending[id, default: ClickEvidence()] + ClickEvidence(impressions: 1, clicks: clicked ? 1 : 0)
                recentWins[id.rawValue, default: 0] += 1
            }
            if step % refreshEvery == 0 {
                index.relearn(learning.add(pending))
                pending = [:]
            }
            if step % checkpointEvery == 0 {
                let snapshot = index.snapshot
                checkpoints.append(
                    Checkpoint(
                        auctions: step,
                        rows: campaigns.map { spec in
                            let campaign = snapshot.campaign(CampaignID(unchecked: spec.id))!
                            let evidence = learning.evidence(for: campaign.id)
                            let rate = campaign.scoringCTR!
                            return (
                                spec.id, evidence.impressions, evidence.clicks, rate,
                                Scoring.effectiveCPM(pricing: .cpc, bid: campaign.bid, rate: rate), recentWins[spec.id, default: 0]
                            )
                        }))
                recentWins = [:]
            }
        }
        let final = checkpoints.last?.rows ?? []
        return Result(
            checkpoints: checkpoints,
            rankingByLearnedScore: final.sorted { $0.score > $1.score }.map(\.id),
            rankingByTrueValue: campaigns.sorted { $0.bid * $0.truth > $1.bid * $1.truth }.map(\.id))
    }
}

extension ClickThroughSimulation.Result {
    /// The checkpoints as a text table.
    public var table: String {
        var lines: [String] = []
        let ids = checkpoints.first?.rows.map(\.id) ?? []
        lines.append(
            "auctions  " + ids.map { "\($0.rightPadded(11)) impr  clicks  learned CTR  score (eCPM)  wins" }.joined(separator: " | "))
        for checkpoint in checkpoints {
            var line = String(checkpoint.auctions).leftPadded(8) + "  "
            line += checkpoint.rows.map { row in
                String(repeating: " ", count: 11) + String(row.impressions).leftPadded(5) + String(row.clicks).leftPadded(8)
                    + row.learned.description.leftPadded(13) + String(row.score.value).leftPadded(14) + String(row.recentWins).leftPadded(6)
            }.joined(separator: " | ")
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}

extension String {
    func rightPadded(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
