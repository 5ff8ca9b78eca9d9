import Foundation
import GRDB
import VickreyCore

extension SQLiteCampaignStore {
    /// Which campaigns to load.
    enum Selection {
        case all
        case one(CampaignID)
        case changed(sinceRevision: Int64)
        case filtered(advertiser: AdvertiserID?, status: CampaignStatus?)
        case activeLineItems
        /// Ids from `lower` (inclusive) to `upper` (exclusive; nil: no end).
        case ids(from: String, below: String?)
    }

    /// Every campaign. A large catalogue is read in id ranges, one per core, each in its own
    /// read transaction; the ranges are kept only if all of them read the same store
    /// revision (no write came between them), else the whole is read again in one.
    public func loadAll() throws(StoreError) -> LoadedCampaigns { try loadAll(campaignsPerRange: 50_000) }

    /// `loadAll()` with ranges of at least `campaignsPerRange` campaigns (below it, one read
    /// is as fast as several).
    func loadAll(campaignsPerRange: Int) throws(StoreError) -> LoadedCampaigns {
        let (count, bounds) = try read { db in try Self.rangeBounds(db, campaignsPerRange: campaignsPerRange) }
        guard !bounds.isEmpty else { return try read { db in try loadCampaigns(.all, db, expectedCampaigns: count) } }
        let ranges = LoadedCampaigns.idRanges(cutAt: bounds)
        let perRange = count / ranges.count + 1
        let parts = ParallelMap.map(ranges, chunk: 1) { range in
            Result { () throws(StoreError) in
                try self.read { db in try self.loadCampaigns(.ids(from: range.from, below: range.below), db, expectedCampaigns: perRange) }
            }
        }
        let loadedParts = try parts.map { part throws(StoreError) in try part.get() }
        guard let loaded = LoadedCampaigns(joining: loadedParts, expectedCampaigns: count) else {
            return try read { db in try loadCampaigns(.all, db, expectedCampaigns: count) }
        }
        return loaded
    }

    /// How many campaigns there are, and the ids that cut them into equal ranges, one per
    /// core (none for a small catalogue).
    private static func rangeBounds(_ db: Database, campaignsPerRange: Int) throws -> (count: Int, bounds: [String]) {
        let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM campaign") ?? 0
        let ranges = LoadedCampaigns.rangeCount(campaigns: count, campaignsPerRange: campaignsPerRange)
        guard ranges > 1 else { return (count, []) }
        let bounds = try (1..<ranges).compactMap { part in
            try String.fetchOne(db, sql: "SELECT id FROM campaign ORDER BY id LIMIT 1 OFFSET ?", arguments: [count * part / ranges])
        }
        return (count, bounds)
    }

    public func changes(since revision: Int64) throws(StoreError) -> LoadedCampaigns {
        try read { db in try loadCampaigns(.changed(sinceRevision: revision), db) }
    }

    public func campaign(_ id: CampaignID) throws(StoreError) -> Campaign? {
        try read { db in try loadCampaigns(.one(id), db).campaigns.first }
    }

    public func campaigns(advertiser: AdvertiserID? = nil, status: CampaignStatus? = nil) throws(StoreError) -> [Campaign] {
        try read { db in try loadCampaigns(.filtered(advertiser: advertiser, status: status), db).campaigns }
    }

    public func activeLineItems() throws(StoreError) -> [Campaign] {
        try read { db in try loadCampaigns(.activeLineItems, db).campaigns }
    }

    /// Loads campaigns with three scans (creatives, then campaigns and targeting side by side
    /// in id order), all inside the caller's transaction so they are consistent. The scans are
    /// cursors whose rows go straight into `CampaignAssembler`: no scan's rows are held.
    /// `expectedCampaigns` sizes its tables when the caller knows about how many will come.
    func loadCampaigns(_ selection: Selection, _ db: Database, expectedCampaigns: Int = 0) throws -> LoadedCampaigns {
        let (condition, arguments): (String, StatementArguments) =
            switch selection {
            case .all: ("1", [])
            case .one(let id): ("c.id = ?", [id.rawValue])
            case .changed(let revision): ("c.revision > ?", [revision])
            case .filtered(let advertiser, let status):
                ("(?1 IS NULL OR c.advertiser_id = ?1) AND (?2 IS NULL OR c.status = ?2)", [advertiser?.rawValue, status?.rawValue])
            case .activeLineItems: ("c.status = 'active' AND c.line_item IS NOT NULL", [])
            case .ids(let lower, let upper?): ("c.id >= ? AND c.id < ?", [lower, upper])
            case .ids(let lower, nil): ("c.id >= ?", [lower])
            }
        let revision = try Int64.fetchOne(db, sql: "SELECT revision FROM store_revision WHERE id = 1") ?? 0
        var assembler = CampaignAssembler(expectedCampaigns: expectedCampaigns)
        // The campaigns a child table's rows belong to. A full load, or a range of ids, reads the
        // child tables on their own: every row has its campaign (foreign keys), and the join's
        // lookup per row made the targeting scan of a million campaigns 4.5 times as long.
        func belonging(_ alias: String) -> String {
            switch selection {
            case .all: ""
            case .ids: "WHERE " + condition.replacingOccurrences(of: "c.id", with: "\(alias).campaign_id")
            default: "JOIN campaign c ON c.id = \(alias).campaign_id WHERE \(condition)"
            }
        }
        let creatives = try Row.fetchCursor(
            db,
            sql: """
                SELECT k.campaign_id, k.id, k.position, k.size, k.image_url, k.click_url, k.adomain, k.format, k.details FROM creative k
                \(belonging("k"))
                """, arguments: arguments)
        while let row = try creatives.next() {
            assembler.add(
                creative: CreativeRow(
                    campaignID: row[0], id: row[1], position: row[2], size: row[3], imageURL: row[4], clickURL: row[5], adomain: row[6],
                    format: row[7], details: row[8]))
        }
        // Campaigns and their targeting side by side, both in id order as the rows' bytes
        // compare (SQLite's BINARY collation); the targeting table is stored in that order.
        let campaigns = try Row.fetchCursor(db, sql: "\(CampaignSQL.select) \(condition) ORDER BY c.id", arguments: arguments)
        let targeting = try Row.fetchCursor(
            db,
            sql: """
                SELECT t.campaign_id, t.dimension, t.mode, t.value FROM campaign_targeting t
                \(belonging("t")) ORDER BY t.campaign_id
                """, arguments: arguments)
        var nextTargeting: (campaignID: String, row: Row)? = try targeting.next().map { (campaignID: $0[0], row: $0) }
        while let row = try campaigns.next() {
            let campaign = CampaignRow(
                id: row[0], advertiserID: row[1], name: row[2], status: row[3], pricing: row[4], bidMicros: row[5],
                predictedCTRPartsPerMillion: row[6], dailyBudgetMicros: row[7], totalBudgetMicros: row[8], startAt: row[9],
                endAt: row[10], timeZone: row[11], pacing: row[12], frequencyCapImpressions: row[13],
                frequencyCapWindowSeconds: row[14], frequencyCapRefusesAnonymous: row[15], hoursOfWeek: row[16],
                excludedHoursOfWeek: row[17], deals: row[18], predictedViewabilityPartsPerMillion: row[19],
                predictedCompletionPartsPerMillion: row[20], lineItem: row[21])
            // This campaign's rows, and any before it that have no campaign (skipped); the
            // order is compared only when the ids differ (once per campaign, as a rule).
            while let t = nextTargeting {
                if t.campaignID == campaign.id {
                    assembler.add(targeting: t.row[1], mode: t.row[2], value: t.row[3])
                } else if !t.campaignID.utf8.lexicographicallyPrecedes(campaign.id.utf8) {
                    break
                }
                nextTargeting = try targeting.next().map { (campaignID: $0[0], row: $0) }
            }
            assembler.add(campaign: campaign)
        }
        return assembler.loaded(revision: revision)
    }
}
