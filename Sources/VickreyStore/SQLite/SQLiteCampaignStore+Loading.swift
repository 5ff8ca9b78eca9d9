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
    }

    public func loadAll() throws(StoreError) -> LoadedCampaigns {
        try read { db in try loadCampaigns(.all, db) }
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

    /// Loads campaigns with three scans (campaigns, targeting, creatives), all inside the
    /// caller's transaction so they are consistent.
    func loadCampaigns(_ selection: Selection, _ db: Database) throws -> LoadedCampaigns {
        let (condition, arguments): (String, StatementArguments) =
            switch selection {
            case .all: ("1", [])
            case .one(let id): ("c.id = ?", [id.rawValue])
            case .changed(let revision): ("c.revision > ?", [revision])
            case .activeLineItems: ("c.status = 'active' AND c.line_item IS NOT NULL", [])
            case .filtered(let advertiser, let status):
                ("(?1 IS NULL OR c.advertiser_id = ?1) AND (?2 IS NULL OR c.status = ?2)", [advertiser?.rawValue, status?.rawValue])
            }
        let revision = try Int64.fetchOne(db, sql: "SELECT revision FROM store_revision WHERE id = 1") ?? 0
        let campaigns = try Row.fetchAll(
            db,
            sql: "\(CampaignSQL.select) \(condition)", arguments: arguments
        ).map { row in
            CampaignRow(
                id: row[0], advertiserID: row[1], name: row[2], status: row[3], pricing: row[4], bidMicros: row[5],
                predictedCTRPartsPerMillion: row[6], dailyBudgetMicros: row[7], totalBudgetMicros: row[8], startAt: row[9],
                endAt: row[10], timeZone: row[11], pacing: row[12], frequencyCapImpressions: row[13], frequencyCapWindowSeconds: row[14],
                frequencyCapRefusesAnonymous: row[15], hoursOfWeek: row[16], excludedHoursOfWeek: row[17], deals: row[18],
                predictedViewabilityPartsPerMillion: row[19], predictedCompletionPartsPerMillion: row[20], lineItem: row[21])
        }
        let targeting = try Row.fetchAll(
            db,
            sql: """
                SELECT t.campaign_id, t.dimension, t.mode, t.value FROM campaign_targeting t
                JOIN campaign c ON c.id = t.campaign_id WHERE \(condition)
                """, arguments: arguments
        ).map { TargetingRow(campaignID: $0[0], dimension: $0[1], mode: $0[2], value: $0[3]) }
        let creatives = try Row.fetchAll(
            db,
            sql: """
                SELECT k.campaign_id, k.id, k.position, k.size, k.image_url, k.click_url, k.adomain, k.format, k.details FROM creative k
                JOIN campaign c ON c.id = k.campaign_id WHERE \(condition)
                """, arguments: arguments
        ).map {
            CreativeRow(
                campaignID: $0[0], id: $0[1], position: $0[2], size: $0[3], imageURL: $0[4], clickURL: $0[5], adomain: $0[6],
                format: $0[7], details: $0[8])
        }
        return LoadedCampaigns(revision: revision, campaigns: campaigns, targeting: targeting, creatives: creatives)
    }
}
