import Foundation
import GRDB
import Testing
import VickreyCore
import VickreyStore
import VickreySynthetic

@Suite("Campaign store on SQLite")
struct CampaignStoreTests {
    /// Lives as long as one test: Swift Testing makes a suite instance per test.
    let database = TemporaryDatabase()

    @Test func anEmptyFileIsMigratedToWALWithForeignKeys() throws {
        let store = try database.open()
        #expect(
            try store.appliedMigrations() == [
                "v1: advertisers, campaigns, creatives, targeting", "v2: frequency caps may refuse anonymous requests",
                "v3: signed ledger",
            ])
        #expect(try store.revision() == 0)
        let queue = try DatabaseQueue(path: database.path)
        try queue.read { db in
            #expect(try String.fetchOne(db, sql: "PRAGMA journal_mode") == "wal")
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            #expect(Set(tables).isSuperset(of: ["advertiser", "campaign", "campaign_targeting", "creative", "store_revision"]))
        }
        // Reopening applies nothing twice.
        #expect(try database.open().appliedMigrations() == store.appliedMigrations())
    }

    @Test func aCampaignReadsBackExactly() throws {
        let store = try database.open()
        try store.createAdvertiser(Advertiser(id: AdvertiserID("acme")!, name: "Acme"))
        let campaign = Sample.campaign("summer")
        try store.createCampaign(campaign)
        #expect(try store.campaign(CampaignID("summer")!) == campaign)
        var cpc = Sample.campaign("clicks")
        cpc.pricing = .cpc
        cpc.predictedCTR = ClickThroughRate(partsPerMillion: 12_345)
        cpc.dailyBudget = nil
        cpc.frequencyCap = nil
        cpc.end = Instant(canonicalRFC3339: "2026-12-31T23:59:59Z")
        try store.createCampaign(cpc)
        #expect(try store.campaign(CampaignID("clicks")!) == cpc)
        #expect(try store.campaigns().map(\.id.rawValue) == ["clicks", "summer"])
    }

    @Test func targetingIsOneQueryableRowPerValue() throws {
        let store = try database.open()
        try store.createAdvertiser(Advertiser(id: AdvertiserID("acme")!, name: "Acme"))
        try store.createCampaign(Sample.campaign("summer"))
        let queue = try DatabaseQueue(path: database.path)
        let usCampaigns = try queue.read { db in
            try String.fetchAll(
                db, sql: "SELECT campaign_id FROM campaign_targeting WHERE dimension = 'country' AND mode = 'include' AND value = 'US'")
        }
        #expect(usCampaigns == ["summer"])
    }

    @Test func writesAreRefusedWithAReason() throws {
        let store = try database.open()
        #expect(throws: StoreError.self) { try store.createCampaign(Sample.campaign("x", advertiser: "ghost")) }
        do { try store.createCampaign(Sample.campaign("x", advertiser: "ghost")) } catch { #expect(error.code == .unknownAdvertiser) }
        try store.createAdvertiser(Advertiser(id: AdvertiserID("acme")!, name: "Acme"))
        do { try store.createAdvertiser(Advertiser(id: AdvertiserID("acme")!, name: "Again")) } catch {
            #expect(error.code == .alreadyExists)
        }
        try store.createCampaign(Sample.campaign("x"))
        do {
            try store.createCampaign(Sample.campaign("x"))
            Issue.record("duplicate accepted")
        } catch { #expect(error.code == .alreadyExists) }
        do {
            try store.modifyCampaign(CampaignID("y")!) { _ in }
            Issue.record("update of unknown accepted")
        } catch { #expect(error.code == .notFound) }
        var clash = Sample.campaign("z")
        clash.creatives = Sample.campaign("x").creatives
        do {
            try store.createCampaign(clash)
            Issue.record("creative clash accepted")
        } catch { #expect(error.code == .conflict) }
        #expect(try store.campaign(CampaignID("z")!) == nil)
    }

    @Test(arguments: [
        // (from, to, allowed)
        (CampaignStatus.active, CampaignStatus.paused, true), (.paused, .active, true), (.active, .archived, true),
        (.paused, .archived, true), (.archived, .active, false), (.archived, .paused, false), (.active, .active, false),
    ])
    func statusTransitions(from: CampaignStatus, to: CampaignStatus, allowed: Bool) throws {
        let store = try database.open()
        try store.createAdvertiser(Advertiser(id: AdvertiserID("acme")!, name: "Acme"))
        try store.createCampaign(Sample.campaign("c", status: from))
        do {
            try store.setStatus(CampaignID("c")!, to: to)
            #expect(allowed)
        } catch {
            #expect(!allowed)
            #expect(error.code == .invalidState)
        }
        #expect(try store.campaign(CampaignID("c")!)?.status == (allowed ? to : from))
    }

    @Test func anImportIsAllOrNothing() throws {
        let store = try database.open()
        try store.createAdvertiser(Advertiser(id: AdvertiserID("acme")!, name: "Acme"))
        try store.createCampaign(Sample.campaign("existing"))
        var clash = Sample.campaign("new-2", advertiser: "newcomer")
        clash.creatives = Sample.campaign("existing").creatives
        let before = try store.revision()
        do {
            _ = try store.importCampaigns([Sample.campaign("new-1", advertiser: "newcomer"), clash])
            Issue.record("import with a creative clash accepted")
        } catch {
            #expect(error.code == .rejected)
            #expect(error.failures.map(\.position) == [1])
        }
        #expect(try store.campaigns().map(\.id.rawValue) == ["existing"])
        #expect(try store.advertiser(AdvertiserID("newcomer")!) == nil)
        #expect(try store.revision() == before)
        let summary = try store.importCampaigns([Sample.campaign("new-1", advertiser: "newcomer"), Sample.campaign("existing", bid: 7)])
        #expect(summary.created == 1 && summary.updated == 1 && summary.advertisersCreated == 1)
        #expect(try store.campaign(CampaignID("existing")!)?.bid == Micros(7))
    }

    @Test func changesSinceARevisionAreExactlyTheChangedCampaigns() throws {
        let store = try database.open()
        try store.createAdvertiser(Advertiser(id: AdvertiserID("acme")!, name: "Acme"))
        for id in ["a", "b", "c"] { try store.createCampaign(Sample.campaign(id)) }
        let revision = try store.revision()
        #expect(try store.changes(since: revision).campaigns.isEmpty)
        try store.setStatus(CampaignID("b")!, to: .paused)
        let changed = try store.changes(since: revision)
        #expect(changed.campaigns.map(\.id.rawValue) == ["b"])
        #expect(changed.campaigns.first?.status == .paused)
        #expect(changed.revision == revision + 1)
    }
}
