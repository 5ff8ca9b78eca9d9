import Foundation
import GRDB
import Testing
import VickreyCore
import VickreyWire
@testable import VickreyStore
import VickreySynthetic
import VickreyTestSupport

/// The same assertions on both engines: each test takes the engine as its argument and
/// works on a fresh database of it.
@Suite("Campaign store on SQLite and PostgreSQL")
struct CampaignStoreTests {
    @Test(arguments: TestEngine.available)
    func aNewDatabaseIsMigratedOnceOnFirstUse(engine: TestEngine) async throws {
        let database = try await TestDatabase(engine)
        let applied = try await database.with { try await $0.campaigns.appliedMigrations() }
        #expect(
            applied
                == (engine == .sqlite
                    ? [
                        "v1: advertisers, campaigns, creatives, targeting", "v2: frequency caps may refuse anonymous requests",
                        "v3: signed ledger", "v4: ledger records may name their chain", "v5: experiments", "v6: API keys",
                        "v7: campaign deals", "v8: vCPM, viewable and video event kinds, prefetches recorded apart",
                        "v9: video and native creatives, CPCV", "v10: line items", "v11: audit log",
                    ]
                    : [
                        "v1: advertisers, campaigns, creatives, targeting, ledger chains",
                        "v2: fleet token secrets and the public keys of every chain", "v3: budget pools and leases", "v4: experiments",
                        "v5: API keys", "v6: campaign deals", "v7: vCPM, viewable and video event kinds, prefetches recorded apart",
                        "v8: video and native creatives, CPCV", "v9: line items", "v10: audit log",
                    ]))
        // Reopening applies nothing twice.
        #expect(try await database.with { try await $0.campaigns.appliedMigrations() } == applied)
        #expect(try await database.with { try await $0.campaigns.revision() } == 0)
    }

    @Test func aSQLiteFileIsInWALModeWithForeignKeys() async throws {
        let database = try await TestDatabase(.sqlite)
        _ = try await database.with { try await $0.campaigns.revision() }
        let queue = try DatabaseQueue(path: database.path)
        try await queue.read { db in
            #expect(try String.fetchOne(db, sql: "PRAGMA journal_mode") == "wal")
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            #expect(Set(tables).isSuperset(of: ["advertiser", "campaign", "campaign_targeting", "creative", "store_revision"]))
        }
    }

    @Test(arguments: TestEngine.available)
    func aCampaignReadsBackExactly(engine: TestEngine) async throws {
        let database = try await TestDatabase(engine)
        let store = try await database.open().campaigns
        try await store.createAdvertiser(Advertiser(id: AdvertiserID("acme")!, name: "Acme"))
        let campaign = Sample.campaign("summer")
        try await store.createCampaign(campaign)
        #expect(try await store.campaign(CampaignID("summer")!) == campaign)
        var cpc = Sample.campaign("clicks")
        cpc.pricing = .cpc
        cpc.predictedCTR = ClickThroughRate(partsPerMillion: 12_345)
        cpc.dailyBudget = nil
        cpc.frequencyCap = nil
        cpc.end = Instant(canonicalRFC3339: "2026-12-31T23:59:59Z")
        try await store.createCampaign(cpc)
        #expect(try await store.campaign(CampaignID("clicks")!) == cpc)
        #expect(try await store.campaigns().map(\.id.rawValue) == ["clicks", "summer"])
    }

    /// A campaign with a banner, a video and a native creative, and a CPCV video campaign,
    /// read back exactly, and again through the campaign JSON.
    @Test(arguments: TestEngine.available)
    func creativesOfEveryFormatReadBackExactly(engine: TestEngine) async throws {
        let database = try await TestDatabase(engine)
        let store = try await database.open().campaigns
        try await store.createAdvertiser(Advertiser(id: AdvertiserID("acme")!, name: "Acme"))
        let video = VideoCreative(
            durationSeconds: 30,
            mediaFiles: [
                MediaFile(url: "https://cdn.example/a.mp4", mime: "video/mp4", width: 1280, height: 720, bitrateKbps: 2_500),
                MediaFile(url: "https://cdn.example/a.webm", mime: "video/webm", width: 640, height: 360, bitrateKbps: 800),
            ], skipAfterSeconds: 5)
        var mixed = Sample.campaign("mixed")
        mixed.creatives += [
            .video(id: CreativeID("mixed-v")!, video, clickURL: "https://acme.example/v", advertiserDomains: ["acme.example"]),
            .native(
                id: CreativeID("mixed-n")!,
                NativeCreative(
                    title: "Crème brûlée, \u{201C}quoted\u{201D}", description: nil, imageURL: "https://cdn.example/n.jpg",
                    imageWidth: 1200, imageHeight: 627, iconURL: nil, callToAction: "Buy", sponsoredBy: "Acme"),
                clickURL: "https://acme.example/n"),
        ]
        var completed = Sample.campaign("completed")
        completed.pricing = .cpcv
        completed.predictedCompletionRate = ClickThroughRate(partsPerMillion: 700_000)
        completed.creatives = [.video(id: CreativeID("completed-v")!, video, clickURL: "https://acme.example/c")]
        for campaign in [mixed, completed] {
            #expect(campaign.validate() == nil)
            try await store.createCampaign(campaign)
            #expect(try await store.campaign(campaign.id) == campaign)
            let line = try CampaignDocument.jsonLines([campaign])
            let document = try CampaignDocument.decode(line.dropLast()).get()
            #expect(try document.campaign().get() == campaign)
        }
        #expect(try await store.campaigns().map(\.creatives.count) == [1, 4])
    }

    @Test func targetingIsOneQueryableRowPerValue() async throws {
        let database = try await TestDatabase(.sqlite)
        let store = try await database.open().campaigns
        try await store.createAdvertiser(Advertiser(id: AdvertiserID("acme")!, name: "Acme"))
        try await store.createCampaign(Sample.campaign("summer"))
        let queue = try DatabaseQueue(path: database.path)
        let usCampaigns = try await queue.read { db in
            try String.fetchAll(
                db, sql: "SELECT campaign_id FROM campaign_targeting WHERE dimension = 'country' AND mode = 'include' AND value = 'US'")
        }
        #expect(usCampaigns == ["summer"])
    }

    /// A large catalogue is read in id ranges, in parallel: together the ranges hold exactly
    /// what one read holds, in the same order, unreadable campaigns included.
    @Test(arguments: [1, 7, 100, 10_000])
    func aLoadInRangesEqualsOneRead(campaignsPerRange: Int) async throws {
        let database = try await TestDatabase(.sqlite)
        let store = try await database.open().campaigns
        _ = try await store.importCampaigns(SyntheticWorld(campaignCount: 300, seed: 5).campaigns)
        let queue = try DatabaseQueue(path: database.path)
        try await queue.write { db in
            try db.execute(sql: "UPDATE campaign SET time_zone = 'Mars/Olympus' WHERE id IN ('cmp-17', 'cmp-250')")
        }
        let sqlite = try SQLiteCampaignStore(path: database.path)
        let whole = try sqlite.read { db in try sqlite.loadCampaigns(.all, db) }
        let ranged = try sqlite.loadAll(campaignsPerRange: campaignsPerRange)
        #expect(whole.campaigns.count == 298)
        #expect(ranged.campaigns == whole.campaigns)
        #expect(ranged.unreadable.map(\.0) == [CampaignID("cmp-17")!, CampaignID("cmp-250")!])
        #expect(ranged.revision == whole.revision)
    }

    /// On PostgreSQL a large catalogue is read in id ranges on connections of their own, each
    /// a page at a time, its targeting values one array per campaign, dimension and mode:
    /// whatever the sizes, every campaign reads back exactly as saved, once, in id order.
    @Test(
        .enabled(if: TestEngine.available.contains(.postgres), "PostgreSQL is not installed"),
        arguments: [(1, 1), (7, 3), (100, 10_000), (10_000, 7), (10_000, 10_000)])
    func aLoadInRangesAndPagesOnPostgreSQLReadsEveryCampaignBack(campaignsPerRange: Int, campaignsPerPage: Int) async throws {
        let database = try await TestDatabase(.postgres)
        let store = try await database.open()
        let saved = SyntheticWorld(campaignCount: 120, seed: 11).campaigns
        _ = try await store.campaigns.importCampaigns(saved)
        let postgres = try #require(store.campaigns as? PostgresCampaignStore)
        let loaded = try await postgres.loadAll(campaignsPerRange: campaignsPerRange, campaignsPerPage: campaignsPerPage)
        #expect(loaded.unreadable.isEmpty)
        #expect(loaded.campaigns == saved.sorted { $0.id.rawValue.utf8.lexicographicallyPrecedes($1.id.rawValue.utf8) })
        #expect(loaded.revision == (try await store.campaigns.revision()))
        await store.close()
    }

    /// A load reads campaigns and their targeting side by side in id order: targeting rows
    /// whose campaign is gone (written with foreign keys off) before the first campaign,
    /// between two, and after the last are skipped without shifting any campaign's rows,
    /// in one read and in ranges.
    @Test(arguments: [1, 7, 10_000])
    func targetingRowsWithoutACampaignAreSkippedInTheMerge(campaignsPerRange: Int) async throws {
        let database = try await TestDatabase(.sqlite)
        let store = try await database.open().campaigns
        let saved = SyntheticWorld(campaignCount: 40, seed: 9).campaigns
        _ = try await store.importCampaigns(saved)
        let queue = try DatabaseQueue(path: database.path)
        try await queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            for orphan in ["a-gone", "cmp-1x", "cmp-20a", "zz-gone"] {
                try db.execute(
                    sql: "INSERT INTO campaign_targeting VALUES (?, 'country', 'include', 'FR'), (?, 'keyword', 'include', 'gone')",
                    arguments: [orphan, orphan])
            }
        }
        let sqlite = try SQLiteCampaignStore(path: database.path)
        let loaded = try sqlite.loadAll(campaignsPerRange: campaignsPerRange)
        #expect(loaded.unreadable.isEmpty)
        #expect(loaded.campaigns == saved.sorted { $0.id.rawValue.utf8.lexicographicallyPrecedes($1.id.rawValue.utf8) })
    }

    /// A load builds a shared dimension's set from each campaign's group of rows: a value
    /// that dimension cannot hold makes the campaign unreadable with the row named, and rows
    /// of one campaign that come apart (an engine returning them out of key order) still
    /// make one set.
    @Test func targetingRowsMakeSetsInAnyOrderAndABadValueIsNamed() {
        let (a, b, c) = (Sample.campaign("a"), Sample.campaign("b"), Sample.campaign("c"))
        let (d, e) = (Sample.campaign("d"), Sample.campaign("e"))
        let rows: [(String, String, String, String)] = [
            ("a", "country", "include", "US"), ("a", "keyword", "include", "shoes"), ("b", "country", "include", "US"),
            ("a", "country", "include", "CA"), ("b", "placement", "exclude", "home_feed"), ("c", "country", "include", "US"),
            ("c", "country", "include", "Mars"), ("a", "keyword", "include", "boots"), ("d", "colour", "include", "red"),
            ("e", "keyword", "exclude", "wine"), ("e", "keyword", "exclude", ""),
        ]
        let loaded = LoadedCampaigns(
            revision: 1, campaigns: [a, b, c, d, e].map(CampaignRow.init),
            targeting: rows.map { TargetingRow(campaignID: $0.0, dimension: $0.1, mode: $0.2, value: $0.3) },
            creatives: [a, b, c, d, e].flatMap(CreativeRow.rows(of:)))
        let byID = Dictionary(uniqueKeysWithValues: loaded.campaigns.map { ($0.id.rawValue, $0) })
        #expect(byID["a"]?.targeting.countries == [CountryCode("US")!, CountryCode("CA")!])
        #expect(byID["a"]?.targeting.keywords == [Keyword("boots")!, Keyword("shoes")!])
        #expect(byID["b"]?.targeting.countries == [CountryCode("US")!])
        #expect(byID["b"]?.targeting.exclude.placements == [PlacementID("home_feed")!])
        #expect(byID["b"]?.targeting.placements == [])
        #expect(loaded.unreadable.map(\.0) == ["c", "d", "e"].map { CampaignID($0)! })
        #expect(
            loaded.unreadable.map(\.1) == [
                "bad targeting row country/include/Mars", "bad targeting row colour/include/red", "bad targeting row keyword/exclude/",
            ])
    }

    /// What campaigns repeat is held once after a load: equal targeting sets, equal advertiser
    /// domains and a click URL a campaign's creatives share point at one storage, and every
    /// campaign still reads back exactly as saved.
    @Test func repeatedValuesAreSharedAfterALoad() async throws {
        let database = try await TestDatabase(.sqlite)
        let store = try await database.open().campaigns
        let saved = ["one", "two", "three"].map { id in
            var campaign = Sample.campaign(id)
            campaign.creatives[1].clickURL = campaign.creatives[0].clickURL
            campaign.creatives[1].advertiserDomains = ["acme.example"]
            return campaign
        }
        _ = try await store.importCampaigns(saved)
        let loaded = try await store.loadAll().campaigns.sorted { $0.id < $1.id }
        #expect(loaded == saved.sorted { $0.id < $1.id })
        func storage<T>(_ set: Set<T>) -> UInt { unsafeBitCast(set, to: UInt.self) }
        func storage(_ list: [String]) -> UnsafeRawPointer? { list.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) } }
        func storage(_ keywords: KeywordSet) -> UnsafeRawPointer? {
            keywords.withContiguousStorageIfAvailable { UnsafeRawPointer($0.baseAddress) } ?? nil
        }
        func storage(_ text: String) -> UnsafeRawPointer? {
            text.utf8.withContiguousStorageIfAvailable { UnsafeRawPointer($0.baseAddress) } ?? nil
        }
        let (first, others) = (loaded[0], loaded.dropFirst())
        for campaign in others {
            #expect(storage(campaign.targeting.countries) == storage(first.targeting.countries))
            #expect(storage(campaign.targeting.exclude.countries) == storage(first.targeting.exclude.countries))
            #expect(storage(campaign.targeting.operatingSystems) == storage(first.targeting.operatingSystems))
            #expect(storage(campaign.creatives[0].advertiserDomains) == storage(first.creatives[0].advertiserDomains))
        }
        for campaign in loaded {
            #expect(storage(campaign.creatives[1].clickURL) == storage(campaign.creatives[0].clickURL))
            #expect(storage(campaign.creatives[1].advertiserDomains) == storage(campaign.creatives[0].advertiserDomains))
        }
        // Keyword sets are not shared (they rarely repeat whole): each campaign has its own.
        #expect(storage(loaded[1].targeting.keywords) != storage(loaded[0].targeting.keywords))
    }

    /// An import writes without SQLite's per-row key lookups (its own order keeps the keys):
    /// a campaign it replaces keeps only its new targeting and creatives, and every key holds
    /// afterwards.
    @Test func anImportReplacingACampaignLeavesOnlyItsNewRowsAndEveryKeyHolding() async throws {
        let database = try await TestDatabase(.sqlite)
        let store = try await database.open().campaigns
        _ = try await store.importCampaigns([Sample.campaign("summer", advertiser: "acme"), Sample.campaign("winter", advertiser: "acme")])
        var replaced = Sample.campaign("summer", advertiser: "globex")
        replaced.targeting.countries = [CountryCode("DE")!]
        replaced.targeting.keywords = []
        replaced.creatives = [Sample.campaign("winter").creatives[0]]
        replaced.creatives[0].id = CreativeID("summer-only")!
        let summary = try await store.importCampaigns([replaced])
        #expect(summary.updated == 1 && summary.advertisersCreated == 1)
        #expect(try await store.campaign(CampaignID("summer")!) == replaced)
        let queue = try DatabaseQueue(path: database.path)
        try await queue.read { db in
            let countries = try String.fetchAll(
                db, sql: "SELECT value FROM campaign_targeting WHERE campaign_id = 'summer' AND dimension = 'country' AND mode = 'include'")
            #expect(countries == ["DE"])
            #expect(try String.fetchAll(db, sql: "SELECT id FROM creative WHERE campaign_id = 'summer'") == ["summer-only"])
            #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
        }
    }

    /// Advertiser names: what either engine stores and shows the same way.
    @Test(
        arguments: TestEngine.available,
        [
            (String(repeating: "é", count: 128), nil),
            (String(repeating: "a", count: 257), "advertiser name must be at most 256 bytes"),
            ("Acme\u{0}Corp", "advertiser name must not contain control characters (found U+0000)"),
            ("Acme\nCorp", "advertiser name must not contain control characters (found U+000A)"),
        ] as [(String, String?)])
    func advertiserNames(engine: TestEngine, name: (text: String, refusal: String?)) async throws {
        let database = try await TestDatabase(engine)
        let store = try await database.open().campaigns
        do {
            try await store.createAdvertiser(Advertiser(id: AdvertiserID("acme")!, name: name.text))
            #expect(name.refusal == nil, "accepted a name it should refuse")
            #expect(try await store.advertiser(AdvertiserID("acme")!)?.name == name.text)
        } catch {
            #expect(error.message == name.refusal)
            #expect(try await store.advertisers().isEmpty)
        }
    }

    @Test(arguments: TestEngine.available)
    func writesAreRefusedWithAReason(engine: TestEngine) async throws {
        let database = try await TestDatabase(engine)
        let store = try await database.open().campaigns
        do {
            try await store.createCampaign(Sample.campaign("x", advertiser: "ghost"))
            Issue.record("campaign of an unknown advertiser accepted")
        } catch {
            #expect(error.code == .unknownAdvertiser)
            #expect(error.message == "no advertiser 'ghost' (create it with 'adctl advertiser create ghost')")
        }
        try await store.createAdvertiser(Advertiser(id: AdvertiserID("acme")!, name: "Acme"))
        do { try await store.createAdvertiser(Advertiser(id: AdvertiserID("acme")!, name: "Again")) } catch {
            #expect(error.code == .alreadyExists)
        }
        try await store.createCampaign(Sample.campaign("x"))
        do {
            try await store.createCampaign(Sample.campaign("x"))
            Issue.record("duplicate accepted")
        } catch { #expect(error.code == .alreadyExists) }
        do {
            try await store.modifyCampaign(CampaignID("y")!) { _ in }
            Issue.record("update of unknown accepted")
        } catch { #expect(error.code == .notFound) }
        var clash = Sample.campaign("z")
        clash.creatives = Sample.campaign("x").creatives
        do {
            try await store.createCampaign(clash)
            Issue.record("creative clash accepted")
        } catch { #expect(error.code == .conflict) }
        #expect(try await store.campaign(CampaignID("z")!) == nil)
    }

    @Test(
        arguments: TestEngine.available,
        [
            // (from, to, allowed)
            (CampaignStatus.active, CampaignStatus.paused, true), (.paused, .active, true), (.active, .archived, true),
            (.paused, .archived, true), (.archived, .active, false), (.archived, .paused, false), (.active, .active, false),
        ])
    func statusTransitions(engine: TestEngine, transition: (from: CampaignStatus, to: CampaignStatus, allowed: Bool)) async throws {
        let (from, to, allowed) = transition
        let database = try await TestDatabase(engine)
        let store = try await database.open().campaigns
        try await store.createAdvertiser(Advertiser(id: AdvertiserID("acme")!, name: "Acme"))
        try await store.createCampaign(Sample.campaign("c", status: from))
        do {
            try await store.setStatus(CampaignID("c")!, to: to)
            #expect(allowed)
        } catch {
            #expect(!allowed)
            #expect(error.code == .invalidState)
        }
        #expect(try await store.campaign(CampaignID("c")!)?.status == (allowed ? to : from))
    }

    @Test(arguments: TestEngine.available)
    func lineItemTermsRoundTrip(engine: TestEngine) async throws {
        let database = try await TestDatabase(engine)
        let store = try await database.open().campaigns
        var standard = Sample.campaign("standard")
        standard.start = Instant(secondsSinceEpoch: 1_796_000_000)
        standard.end = Instant(secondsSinceEpoch: 1_796_600_000)
        standard.lineItem = LineItemTerms(
            delivery: .standard(goal: 1_000, pace: .frontLoaded), rate: standard.bid, exclusionLabels: ["auto", "finance"], roadblock: true)
        var sponsorship = Sample.campaign("sponsor")
        sponsorship.lineItem = LineItemTerms(delivery: .sponsorship(sharePercent: 40), rate: sponsorship.bid)
        var house = Sample.campaign("house")
        house.lineItem = LineItemTerms(delivery: .house, rate: .zero)
        let plain = Sample.campaign("plain")
        _ = try await store.importCampaigns([standard, sponsorship, house, plain])
        for campaign in [standard, sponsorship, house, plain] {
            #expect(try await store.campaign(campaign.id) == campaign)
        }
    }

    @Test(arguments: TestEngine.available)
    func anImportIsAllOrNothing(engine: TestEngine) async throws {
        let database = try await TestDatabase(engine)
        let store = try await database.open().campaigns
        try await store.createAdvertiser(Advertiser(id: AdvertiserID("acme")!, name: "Acme"))
        try await store.createCampaign(Sample.campaign("existing"))
        var clash = Sample.campaign("new-2", advertiser: "newcomer")
        clash.creatives = Sample.campaign("existing").creatives
        let before = try await store.revision()
        do {
            _ = try await store.importCampaigns([Sample.campaign("new-1", advertiser: "newcomer"), clash])
            Issue.record("import with a creative clash accepted")
        } catch {
            #expect(error.code == .rejected)
            #expect(error.failures.map(\.position) == [1])
        }
        #expect(try await store.campaigns().map(\.id.rawValue) == ["existing"])
        #expect(try await store.advertiser(AdvertiserID("newcomer")!) == nil)
        #expect(try await store.revision() == before)
        let summary = try await store.importCampaigns([
            Sample.campaign("new-1", advertiser: "newcomer"), Sample.campaign("existing", bid: 7),
        ])
        #expect(summary.created == 1 && summary.updated == 1 && summary.advertisersCreated == 1)
        #expect(try await store.campaign(CampaignID("existing")!)?.bid == Micros(7))
    }

    /// Creative ids pass between campaigns in an import exactly as saving them one at a
    /// time in file order would allow, on both engines (PostgreSQL writes a batch at once).
    @Test(arguments: TestEngine.available)
    func creativeIdsChangeHandsInFileOrderWithinAnImport(engine: TestEngine) async throws {
        let database = try await TestDatabase(engine)
        let store = try await database.open().campaigns
        _ = try await store.importCampaigns([Sample.campaign("a")])
        func with(_ id: String, creatives: [String]) -> Campaign {
            var campaign = Sample.campaign(id)
            campaign.creatives = creatives.map { creative in
                var copy = Sample.campaign(id).creatives[0]
                copy.id = CreativeID(creative)!
                return copy
            }
            return campaign
        }
        // a gives up a-a and a later campaign takes it: accepted.
        let handed = try await store.importCampaigns([with("a", creatives: ["a-b"]), with("b", creatives: ["a-a"])])
        #expect(handed.created == 1 && handed.updated == 1)
        #expect(try await store.campaign(CampaignID("b")!)?.creatives.map(\.id.rawValue) == ["a-a"])
        // Taken before its holder gives it up later in the file, or twice in one file: refused there.
        for (campaigns, positions) in [
            ([with("c", creatives: ["a-b"]), with("a", creatives: ["a-z"])], [0]),
            ([with("d", creatives: ["d-1"]), with("e", creatives: ["e-1", "d-1"]), with("f", creatives: ["a-a"])], [1, 2]),
        ] {
            let before = try await store.revision()
            do {
                _ = try await store.importCampaigns(campaigns)
                Issue.record("a taken creative was accepted")
            } catch {
                #expect(error.code == .rejected && error.failures.map(\.position) == positions, "\(error.failures)")
                #expect(error.failures.allSatisfy { $0.field == "creatives" && $0.message.contains("already belongs to another campaign") })
            }
            #expect(try await store.revision() == before)
        }
        #expect(try await store.campaigns().map(\.id.rawValue) == ["a", "b"])
    }

    @Test(arguments: TestEngine.available)
    func changesSinceARevisionAreExactlyTheChangedCampaigns(engine: TestEngine) async throws {
        let database = try await TestDatabase(engine)
        let store = try await database.open().campaigns
        try await store.createAdvertiser(Advertiser(id: AdvertiserID("acme")!, name: "Acme"))
        for id in ["a", "b", "c"] { try await store.createCampaign(Sample.campaign(id)) }
        let revision = try await store.revision()
        #expect(try await store.changes(since: revision).campaigns.isEmpty)
        try await store.setStatus(CampaignID("b")!, to: .paused)
        let changed = try await store.changes(since: revision)
        #expect(changed.campaigns.map(\.id.rawValue) == ["b"])
        #expect(changed.campaigns.first?.status == .paused)
        #expect(changed.revision == revision + 1)
    }
}

extension LoadedCampaigns {
    /// Campaigns assembled from rows in any order, as the assembler is fed by a store: creatives
    /// first, then each campaign in id order with its targeting rows just before it.
    init(revision: Int64, campaigns: [CampaignRow], targeting: [TargetingRow], creatives: [CreativeRow]) {
        var assembler = CampaignAssembler()
        for k in creatives { assembler.add(creative: k) }
        let targetingByCampaign = Dictionary(grouping: targeting, by: \.campaignID)
        for row in campaigns.sorted(by: { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }) {
            for t in targetingByCampaign[row.id] ?? [] { assembler.add(targeting: t.dimension, mode: t.mode, value: t.value) }
            assembler.add(campaign: row)
        }
        self = assembler.loaded(revision: revision)
    }
}
