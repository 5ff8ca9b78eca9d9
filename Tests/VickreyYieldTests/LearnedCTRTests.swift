import Crypto
import Foundation
import Testing
import VickreyCore
import VickreyLedger
import VickreyStore
import VickreyTestSupport
import VickreyYield

@Suite("Learned CTR from the ledger, on SQLite and PostgreSQL")
struct LearnedCTRTests {
    let key = Curve25519.Signing.PrivateKey()

    static let campaign = Campaign(
        id: CampaignID("cpc-1")!, advertiserID: AdvertiserID("acme")!, pricing: .cpc, bid: Micros(2_000_000),
        predictedCTR: ClickThroughRate(partsPerMillion: 50_000), totalBudget: Micros(1_000_000_000),
        creatives: [Creative(id: CreativeID("cr-1")!, size: AdSize("300x250")!, imageURL: "", clickURL: "")])

    func events(_ kind: BeaconKind, count: Int, from first: Int) -> [LedgerEvent] {
        (first..<(first + count)).map { index in
            LedgerEvent(
                kind: kind, billed: true, reason: nil, impressionID: String(format: "%024x", index), requestID: "r-\(index)",
                campaignID: Self.campaign.id, advertiserID: Self.campaign.advertiserID, creativeID: CreativeID("cr-1")!,
                placementID: PlacementID("home_feed")!, pricing: .cpc, clearingECPM: Micros(100_000),
                charge: kind == .click ? Nanos(2_000_000) : .zero, eventTime: Instant(secondsSinceEpoch: 1_795_000_000))
        }
    }

    func score(_ index: CampaignIndex) -> (ppm: Int64?, score: Int64?, impressions: Int64?) {
        let campaign = index.snapshot.campaign(Self.campaign.id)
        return (
            campaign?.scoringCTR?.partsPerMillion,
            campaign.map { Scoring.effectiveCPM(pricing: .cpc, bid: $0.bid, rate: $0.scoringCTR).value },
            campaign?.learnedCTR?.impressions
        )
    }

    @Test(arguments: TestEngine.available)
    func theIndexLearnsFromRecordedEventsAndRebuildsExactlyAfterARestart(engine: TestEngine) async throws {
        let database = try await TestDatabase(engine)
        let store = try await database.open(serverID: "ads-1")
        defer { Task { await store.close() } }
        _ = try await store.campaigns.importCampaigns([Self.campaign])
        let signingKey = LedgerSigningKey(id: "k-1", rawPrivateKey: key.rawRepresentation)

        let index = CampaignIndex(learning: ClickThroughLearning(priorWeight: 100))
        let refresher = ClickThroughRefresher(ledger: store.ledger, index: index)
        try await refresher.refresh()
        index.apply(try await store.campaigns.loadAll().campaigns.map { .upsert($0) })
        // No recorded impressions: exactly the prior (2_000_000 × 50_000 / 1000).
        #expect(score(index).ppm == 50_000 && score(index).score == 100_000_000 && score(index).impressions == 0)

        _ = try await store.ledger.append(
            events(.impression, count: 100, from: 1) + events(.click, count: 10, from: 1), signingKey: signingKey)
        #expect(try await refresher.refresh() == 1)
        // (10 × 1e6 + 50_000 × 100) / (100 + 100) = 75_000 ppm.
        #expect(score(index).ppm == 75_000 && score(index).score == 150_000_000 && score(index).impressions == 100)

        _ = try await store.ledger.append(events(.impression, count: 100, from: 101), signingKey: signingKey)
        try await refresher.refresh()
        // Only the new records are read: (10e6 + 5e6) / 300 = 50_000.
        #expect(score(index).ppm == 50_000 && score(index).impressions == 200)
        #expect(try await refresher.refresh() == 0, "nothing new: nothing re-scored")

        // A restarted server reads the whole ledger and lands on the same rate.
        let restarted = CampaignIndex(learning: ClickThroughLearning(priorWeight: 100))
        try await ClickThroughRefresher(ledger: store.ledger, index: restarted).refresh()
        restarted.apply(try await store.campaigns.loadAll().campaigns.map { .upsert($0) })
        #expect(score(restarted).ppm == 50_000 && score(restarted).impressions == 200)
        #expect(try await store.ledger.clickEvidence(campaign: Self.campaign.id) == ClickEvidence(impressions: 200, clicks: 10))
    }

    /// The README's simulation: the campaign declaring twice its true CTR wins at first,
    /// then its learned score falls below the honest campaign's, which is truly worth more.
    @Test func learnedScoresRankCampaignsByTrueValue() {
        let result = ClickThroughSimulation().run(checkpointEvery: 500)
        #expect(result.rankingByTrueValue == ["honest", "overclaims"])
        #expect(result.rankingByLearnedScore == result.rankingByTrueValue)
        let first = result.checkpoints[0].rows
        #expect(first[0].recentWins == 500, "the over-declared CTR should win the first auctions")
        let last = result.checkpoints.last!.rows
        #expect(last[1].recentWins == 500, "the honest campaign should win every auction at the end")
        // Its rate fell from the declared 4% below the honest 3% (and stops there: a loser gathers no evidence).
        #expect(last[0].learned.partsPerMillion < last[1].learned.partsPerMillion)
        #expect(last[0].learned.partsPerMillion < 30_000 && last[0].impressions > 1_000)
    }
}

@Suite("Experiments in the store, on SQLite and PostgreSQL")
struct ExperimentStoreTests {
    static func experiment(_ id: String, placements: [String]) -> Experiment {
        Experiment(
            id: ExperimentID(id)!, placements: placements.map { PlacementID($0)! },
            arms: [
                ExperimentArm(name: ArmName("control")!, weight: 50),
                ExperimentArm(
                    name: ArmName("high")!, weight: 50, minimumFloor: Micros(500_000), increment: Micros(20_000),
                    floorMultiplierPPM: 1_200_000),
            ])
    }

    @Test(arguments: TestEngine.available)
    func oneRunningExperimentPerPlacementStopAndDurableTallies(engine: TestEngine) async throws {
        let database = try await TestDatabase(engine)
        try await database.with { store in
            let experiments = store.experiments
            let now = Instant(secondsSinceEpoch: 1_795_000_000)
            let revision = try await store.campaigns.revision()
            try await experiments.create(Self.experiment("floors", placements: ["home_feed"]), at: now)
            #expect(try await store.campaigns.revision() > revision, "running servers must notice")
            #expect(
                try await experiments.experiment(ExperimentID("floors")!)?.experiment
                    == Self.experiment("floors", placements: ["home_feed"]))

            for (id, placements, code) in [
                ("floors", ["sidebar"], StoreError.Code.alreadyExists), ("other", ["home_feed", "x"], .conflict), ("all", [], .conflict),
            ] {
                do {
                    try await experiments.create(Self.experiment(id, placements: placements), at: now)
                    Issue.record("\(id) on \(placements) was accepted")
                } catch { #expect((error as? StoreError)?.code == code, "\(id): \(error)") }
            }
            try await experiments.create(Self.experiment("sidebar-test", placements: ["sidebar"]), at: now.adding(seconds: 1))

            try await experiments.stop(ExperimentID("floors")!, at: now.adding(seconds: 60))
            do {
                try await experiments.stop(ExperimentID("floors")!, at: now)
                Issue.record("stopped twice")
            } catch { #expect((error as? StoreError)?.code == .invalidState) }
            // Stopped, the placement is free again.
            try await experiments.create(Self.experiment("floors-2", placements: ["home_feed"]), at: now.adding(seconds: 2))
            #expect(try await experiments.experiments().map(\.experiment.id.rawValue) == ["floors", "sidebar-test", "floors-2"])
            #expect(try await experiments.experiment(ExperimentID("floors")!)?.stoppedAt == now.adding(seconds: 60))

            let id = ExperimentID("floors-2")!
            try await experiments.addTallies([ArmTally(experimentID: id, arm: ArmName("high")!, bucket: 3, auctions: 5, fills: 2)])
            try await experiments.addTallies([ArmTally(experimentID: id, arm: ArmName("high")!, bucket: 3, auctions: 7, fills: 1)])
            #expect(
                try await experiments.tallies(id) == [ArmTally(experimentID: id, arm: ArmName("high")!, bucket: 3, auctions: 12, fills: 3)])
        }
    }
}
