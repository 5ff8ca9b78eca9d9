import GRDB
import VickreyCore

extension CampaignStore {
    /// Which campaigns to load.
    enum Selection {
        case all
        case one(CampaignID)
        case changed(sinceRevision: Int64)
        case filtered(advertiser: AdvertiserID?, status: CampaignStatus?)
    }

    /// The result of loading campaigns: the store revision they are consistent with,
    /// the campaigns (by id), and rows that could not be read (edited by hand, say).
    public struct Loaded: Sendable {
        public var revision: Int64
        public var campaigns: [Campaign]
        public var unreadable: [(CampaignID, String)]
    }

    /// Every campaign, whatever its status, with the revision they reflect.
    public func loadAll() throws(StoreError) -> Loaded {
        try read { db in try loadCampaigns(.all, db) }
    }

    /// Campaigns created or changed after `revision` (paused and archived included).
    public func changes(since revision: Int64) throws(StoreError) -> Loaded {
        try read { db in try loadCampaigns(.changed(sinceRevision: revision), db) }
    }

    public func campaign(_ id: CampaignID) throws(StoreError) -> Campaign? {
        try read { db in try loadCampaigns(.one(id), db).campaigns.first }
    }

    /// Campaigns by id, optionally of one advertiser and/or status.
    public func campaigns(advertiser: AdvertiserID? = nil, status: CampaignStatus? = nil) throws(StoreError) -> [Campaign] {
        try read { db in try loadCampaigns(.filtered(advertiser: advertiser, status: status), db).campaigns }
    }

    /// Loads campaigns with three ordered scans (campaigns, targeting, creatives) merged
    /// by campaign id, all inside the caller's transaction so they are consistent.
    func loadCampaigns(_ selection: Selection, _ db: Database) throws -> Loaded {
        let (condition, arguments): (String, StatementArguments) =
            switch selection {
            case .all: ("1", [])
            case .one(let id): ("c.id = ?", [id.rawValue])
            case .changed(let revision): ("c.revision > ?", [revision])
            case .filtered(let advertiser, let status):
                ("(?1 IS NULL OR c.advertiser_id = ?1) AND (?2 IS NULL OR c.status = ?2)", [advertiser?.rawValue, status?.rawValue])
            }
        let revision = try Int64.fetchOne(db, sql: "SELECT revision FROM store_revision WHERE id = 1") ?? 0
        let campaignRows = try Row.fetchCursor(
            db,
            sql: """
                SELECT c.id, c.advertiser_id, c.name, c.status, c.pricing, c.bid_micros, c.predicted_ctr_ppm, c.daily_budget_micros,
                       c.total_budget_micros, c.start_at, c.end_at, c.time_zone, c.pacing, c.frequency_cap_impressions,
                       c.frequency_cap_window_seconds, c.hours_of_week, c.exclude_hours_of_week, c.frequency_cap_refuse_anonymous
                FROM campaign c WHERE \(condition) ORDER BY c.id
                """, arguments: arguments)
        let targetingRows = try Row.fetchCursor(
            db,
            sql: """
                SELECT t.campaign_id, t.dimension, t.mode, t.value FROM campaign_targeting t
                JOIN campaign c ON c.id = t.campaign_id WHERE \(condition) ORDER BY t.campaign_id
                """, arguments: arguments)
        let creativeRows = try Row.fetchCursor(
            db,
            sql: """
                SELECT k.campaign_id, k.id, k.size, k.image_url, k.click_url, k.adomain FROM creative k
                JOIN campaign c ON c.id = k.campaign_id WHERE \(condition) ORDER BY k.campaign_id, k.position
                """, arguments: arguments)

        var loaded = Loaded(revision: revision, campaigns: [], unreadable: [])
        var nextTargeting = try targetingRows.next()
        var nextCreative = try creativeRows.next()
        while let row = try campaignRows.next() {
            let id: String = row[0]
            var problem: String?
            var targeting = Targeting()
            // Rows of campaigns ordered before this one belong to none we selected: skip them.
            while let t = nextTargeting, (t[0] as String) <= id {
                if (t[0] as String) == id, !TargetingRows.apply(dimension: t[1], mode: t[2], value: t[3], to: &targeting) {
                    problem = "bad targeting row \(t[1] as String)/\(t[2] as String)/\(t[3] as String)"
                }
                nextTargeting = try targetingRows.next()
            }
            var creatives: [Creative] = []
            while let k = nextCreative, (k[0] as String) <= id {
                if (k[0] as String) == id {
                    if let creativeID = CreativeID(k[1] as String), let size = AdSize(k[2] as String) {
                        let domains = (k[5] as String).split(separator: " ").map(String.init)
                        creatives.append(Creative(id: creativeID, size: size, imageURL: k[3], clickURL: k[4], advertiserDomains: domains))
                    } else {
                        problem = "bad creative row \(k[1] as String)"
                    }
                }
                nextCreative = try creativeRows.next()
            }
            switch Self.campaign(from: row, targeting: targeting, creatives: creatives) {
            case .success(let campaign) where problem == nil: loaded.campaigns.append(campaign)
            case .success: loaded.unreadable.append((CampaignID(unchecked: id), problem!))
            case .failure(let reason): loaded.unreadable.append((CampaignID(unchecked: id), reason.message))
            }
        }
        return loaded
    }

    private struct RowProblem: Error { var message: String }

    private static func campaign(from row: Row, targeting: Targeting, creatives: [Creative]) -> Result<Campaign, RowProblem> {
        var targeting = targeting
        guard let id = CampaignID(row[0] as String), let advertiser = AdvertiserID(row[1] as String),
            let status = CampaignStatus(rawValue: row[3]), let pricing = Pricing(rawValue: row[4]),
            let zone = CampaignTimeZone(identifier: row[11]), let pacing = PacingMode(rawValue: row[12]),
            let hours = HourRanges.parse(row[15]), let excludedHours = HourRanges.parse(row[16])
        else { return .failure(RowProblem(message: "a column holds a value this version cannot read")) }
        let startText: String? = row[9]
        let endText: String? = row[10]
        let start = startText.flatMap(Instant.init(canonicalRFC3339:))
        let end = endText.flatMap(Instant.init(canonicalRFC3339:))
        guard (startText == nil) == (start == nil), (endText == nil) == (end == nil) else {
            return .failure(RowProblem(message: "start_at/end_at must be YYYY-MM-DDTHH:MM:SSZ"))
        }
        targeting.hoursOfWeek = hours
        targeting.exclude.hoursOfWeek = excludedHours
        let capImpressions: Int? = row[13]
        let capWindow: Int64? = row[14]
        let refuseAnonymous: Bool = row[17]
        let ppm: Int64? = row[6]
        let daily: Int64? = row[7]
        return .success(
            Campaign(
                id: id, advertiserID: advertiser, name: row[2], status: status, pricing: pricing, bid: Micros(row[5]),
                predictedCTR: ppm.map { ClickThroughRate(partsPerMillion: $0) }, dailyBudget: daily.map(Micros.init),
                totalBudget: Micros(row[8]), start: start, end: end, timeZone: zone, pacing: pacing,
                frequencyCap: capImpressions.flatMap { imps in
                    capWindow.map { FrequencyCap(impressions: imps, windowSeconds: $0, refuseAnonymous: refuseAnonymous) }
                },
                targeting: targeting, creatives: creatives
            ))
    }
}
