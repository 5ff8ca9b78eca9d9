import Foundation
import Synchronization
import Testing
import VickreyCore
import VickreyStore
import VickreySynthetic
import VickreyTestSupport

@Suite("Live index updates, on SQLite and PostgreSQL")
struct CampaignIndexReloaderTests {
    /// Wednesday 02:30 in Paris: hour 50 of the week, which the sample campaigns serve.
    static let now = Instant(canonicalRFC3339: "2026-11-18T01:30:00Z")!

    static func request(_ id: String) -> AuctionRequest {
        AuctionRequest(
            requestID: id, device: .mobile, operatingSystem: .ios, country: CountryCode("US"), keywords: [Keyword("baking")!],
            placements: [PlacementRequest(id: PlacementID("home_feed")!)], time: now
        )
    }

    @Test(arguments: TestEngine.available)
    func aChangeThroughAnotherConnectionReachesTheIndexOnRefresh(engine: TestEngine) async throws {
        let database = try await TestDatabase(engine)
        let writer = try await database.open().campaigns
        try await writer.createAdvertiser(Advertiser(id: AdvertiserID("acme")!, name: "Acme"))
        try await writer.createCampaign(Sample.campaign("a", bid: 2_000_000))
        let reloader = CampaignIndexReloader(store: try await database.open().campaigns)
        try await reloader.loadAll()
        #expect(Auctioneer().run(Self.request("r1"), on: reloader.index.snapshot).wins.first?.campaignID.rawValue == "a")

        try await writer.createCampaign(Sample.campaign("b", advertiser: "acme", bid: 3_000_000))
        #expect(try await reloader.refresh().changed == 1)
        #expect(Auctioneer().run(Self.request("r2"), on: reloader.index.snapshot).wins.first?.campaignID.rawValue == "b")

        try await writer.setStatus(CampaignID("b")!, to: .paused)
        try await reloader.refresh()
        #expect(reloader.index.snapshot.campaign(CampaignID("b")!) == nil)
        #expect(Auctioneer().run(Self.request("r3"), on: reloader.index.snapshot).wins.first?.campaignID.rawValue == "a")

        try await writer.setStatus(CampaignID("a")!, to: .archived)
        try await reloader.refresh()
        #expect(reloader.index.snapshot.count == 0)
        #expect(try await reloader.refresh().changed == 0)  // nothing new: one integer read
    }

    /// A change to one campaign among thousands reaches the index without re-ranking or
    /// re-posting the others: the store hands over that campaign alone, the index re-posts it.
    @Test(arguments: TestEngine.available)
    func aChangeAmongThousandsIsAppliedWithoutARebuild(engine: TestEngine) async throws {
        let database = try await TestDatabase(engine)
        let writer = try await database.open().campaigns
        let world = SyntheticWorld(campaignCount: 3_000, seed: 21).campaigns.map { campaign in
            var active = campaign
            active.status = .active
            return active
        }
        _ = try await writer.importCampaigns(world)
        let reloader = CampaignIndexReloader(store: try await database.open().campaigns)
        try await reloader.loadAll()
        let loaded = reloader.index.snapshot
        #expect(loaded.count == world.filter { !$0.creatives.isEmpty }.count)
        #expect(loaded.rebuilds == 1)

        try await writer.setStatus(world[7].id, to: .paused)
        #expect(try await reloader.refresh().changed == 1)
        try await writer.modifyCampaign(world[8].id) { $0.bid = Micros($0.bid.value * 3) }
        #expect(try await reloader.refresh().changed == 1)
        let after = reloader.index.snapshot
        #expect(after.campaign(world[7].id) == nil)
        #expect(after.campaign(world[8].id)?.bid == Micros(world[8].bid.value * 3))
        #expect(after.count == loaded.count - 1)
        #expect(after.rebuilds == 1, "a one-campaign change rebuilt the index")
    }

    @Test(arguments: TestEngine.available)
    func aRunningReloaderSeesAPauseWithinASecond(engine: TestEngine) async throws {
        let database = try await TestDatabase(engine)
        let writer = try await database.open().campaigns
        try await writer.createAdvertiser(Advertiser(id: AdvertiserID("acme")!, name: "Acme"))
        try await writer.createCampaign(Sample.campaign("a"))
        let reloader = CampaignIndexReloader(store: try await database.open().campaigns)
        try await reloader.loadAll()
        let loop = Task { await reloader.run(every: .milliseconds(100)) }
        defer { loop.cancel() }

        let paused = ContinuousClock.now
        try await writer.setStatus(CampaignID("a")!, to: .paused)
        while reloader.index.snapshot.campaign(CampaignID("a")!) != nil, ContinuousClock.now - paused < .seconds(1) {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(reloader.index.snapshot.campaign(CampaignID("a")!) == nil, "the pause did not reach the index within a second")
    }

    /// Pairs of campaigns always change together in one transaction (same bid); a reader
    /// must never see the two members of a pair with different bids.
    @Test(arguments: TestEngine.available)
    func auctionsSeeConsistentSnapshotsWhileThousandsOfUpdatesLand(engine: TestEngine) async throws {
        let database = try await TestDatabase(engine)
        let writer = try await database.open().campaigns
        let pairs = 50
        func pair(_ n: Int, bid: Int64) -> [Campaign] {
            [
                Sample.campaign("p\(n)-left", advertiser: "adv\(n)", bid: bid),
                Sample.campaign("p\(n)-right", advertiser: "adv\(n)", bid: bid),
            ]
        }
        _ = try await writer.importCampaigns((0..<pairs).flatMap { pair($0, bid: 1_000_000) })
        let reloader = CampaignIndexReloader(store: try await database.open().campaigns)
        try await reloader.loadAll()

        let updates = 1_000
        let stop = ManagedAtomicFlag()
        let reader = Task.detached {
            var auctions = 0
            var torn = 0
            while !stop.isSet || auctions < 10 {
                let snapshot = reloader.index.snapshot
                _ = Auctioneer().run(CampaignIndexReloaderTests.request("a\(auctions)"), on: snapshot)
                for n in 0..<pairs {
                    let left = snapshot.campaign(CampaignID("p\(n)-left")!)?.bid
                    let right = snapshot.campaign(CampaignID("p\(n)-right")!)?.bid
                    if left != right { torn += 1 }
                }
                auctions += 1
            }
            return (auctions, torn)
        }
        let refresher = Task.detached { await reloader.run(every: .milliseconds(1)) }
        for update in 0..<updates {
            let n = update % pairs
            // Every fourth update pauses the pair, the next one revives it with a new bid.
            var members = pair(n, bid: Int64(1_000_000 + update))
            if update % 4 == 3 {
                members = members.map {
                    var c = $0
                    c.status = .paused
                    return c
                }
            }
            _ = try await writer.importCampaigns(members)
        }
        refresher.cancel()
        _ = await refresher.value
        try await reloader.refresh()
        stop.set()
        let (auctions, torn) = await reader.value
        #expect(torn == 0)
        #expect(auctions > 0)
        // No update lost: the index equals the database's servable campaigns.
        let servable = try await writer.loadAll().campaigns.filter { $0.status == .active && !$0.creatives.isEmpty }
        #expect(Set(reloader.index.snapshot.campaigns) == Set(servable))
        #expect(reloader.index.snapshot.count == servable.count)
    }
}

/// A one-way flag shared between tasks.
final class ManagedAtomicFlag: Sendable {
    private let value = Synchronization.Atomic<Bool>(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}
