import GRDB
import VickreyCore

extension CampaignStore {
    /// Creates a campaign. Fails with `.alreadyExists` for a taken campaign id,
    /// `.unknownAdvertiser` when its advertiser does not exist, `.conflict` when one of
    /// its creative ids belongs to another campaign.
    public func createCampaign(_ campaign: Campaign) throws(StoreError) {
        try write { db in
            guard try !campaignExists(campaign.id, db) else {
                throw StoreError(.alreadyExists, "campaign '\(campaign.id)' already exists (use 'adctl campaign update')")
            }
            try requireAdvertiser(campaign.advertiserID, db)
            try saveCampaign(campaign, revision: try bumpRevision(db), db, isNew: true)
        }
    }

    /// Reads, changes and saves one campaign in a single transaction; returns the result.
    @discardableResult
    public func modifyCampaign(_ id: CampaignID, _ change: (inout Campaign) throws -> Void) throws(StoreError) -> Campaign {
        try write { db in
            guard var campaign = try loadCampaigns(.one(id), db).campaigns.first else {
                throw StoreError(.notFound, "no campaign '\(id)'")
            }
            try change(&campaign)
            guard campaign.id == id else { throw StoreError(.conflict, "a campaign's id cannot change") }
            try requireAdvertiser(campaign.advertiserID, db)
            try saveCampaign(campaign, revision: try bumpRevision(db), db)
            return campaign
        }
    }

    /// Creates or replaces many campaigns in one transaction, creating unknown
    /// advertisers (named after their id). All or nothing: if any campaign fails, none
    /// is saved and every failure is reported with its position in `campaigns`.
    public func importCampaigns(_ campaigns: [Campaign]) throws(StoreError) -> ImportSummary {
        try write { db in
            var summary = ImportSummary()
            var failures: [ImportFailure] = []
            let revision = try bumpRevision(db)
            var knownAdvertisers = Set(try String.fetchAll(db, sql: "SELECT id FROM advertiser"))
            for (position, campaign) in campaigns.enumerated() {
                if knownAdvertisers.insert(campaign.advertiserID.rawValue).inserted {
                    try insertAdvertiser(Advertiser(id: campaign.advertiserID, name: campaign.advertiserID.rawValue), db)
                    summary.advertisersCreated += 1
                }
                let existed = try campaignExists(campaign.id, db)
                do {
                    try saveCampaign(campaign, revision: revision, db, isNew: !existed)
                    if existed { summary.updated += 1 } else { summary.created += 1 }
                } catch let error as StoreError {
                    failures.append(ImportFailure(position: position, field: "creatives", message: error.message))
                }
            }
            if !failures.isEmpty {
                throw StoreError(.rejected, "import rejected: \(failures.count) campaign(s) could not be saved", failures: failures)
            }
            return summary
        }
    }

    /// Sets a campaign's status with the transitions ad-ops expect: pause an active
    /// campaign, resume a paused one, archive anything not yet archived.
    @discardableResult
    public func setStatus(_ id: CampaignID, to status: CampaignStatus) throws(StoreError) -> Campaign {
        try modifyCampaign(id) { campaign in
            switch (campaign.status, status) {
            case (.archived, _):
                throw StoreError(.invalidState, "campaign '\(id)' is archived; archived campaigns cannot change status")
            case (let current, let wanted) where current == wanted:
                throw StoreError(.invalidState, "campaign '\(id)' is already \(wanted.rawValue)")
            default:
                campaign.status = status
            }
        }
    }

    private func campaignExists(_ id: CampaignID, _ db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT 1 FROM campaign WHERE id = ?", arguments: [id.rawValue]) == true
    }

    private func requireAdvertiser(_ id: AdvertiserID, _ db: Database) throws {
        guard try Bool.fetchOne(db, sql: "SELECT 1 FROM advertiser WHERE id = ?", arguments: [id.rawValue]) == true else {
            throw StoreError(.unknownAdvertiser, "no advertiser '\(id)' (create it with 'adctl advertiser create \(id)')")
        }
    }

    /// Writes a campaign row, its targeting and its creatives, replacing what was there.
    /// Inside a savepoint, so a campaign that fails leaves nothing half-written.
    private func saveCampaign(_ c: Campaign, revision: Int64, _ db: Database, isNew: Bool = false) throws {
        let statements = try CampaignStatements(db)
        try db.inSavepoint {
            try statements.upsertCampaign.execute(arguments: [
                c.id.rawValue, c.advertiserID.rawValue, c.name, c.status.rawValue, c.pricing.rawValue, c.bid.value,
                c.predictedCTR?.partsPerMillion, c.dailyBudget?.value, c.totalBudget.value, c.start?.rfc3339, c.end?.rfc3339,
                c.timeZone.identifier, c.pacing.rawValue, c.frequencyCap?.impressions, c.frequencyCap?.windowSeconds,
                c.frequencyCap?.refuseAnonymous == true, HourRanges.format(c.targeting.hoursOfWeek),
                HourRanges.format(c.targeting.exclude.hoursOfWeek),
                revision, Self.nowText(),
            ])
            if !isNew {
                try statements.deleteTargeting.execute(arguments: [c.id.rawValue])
                try statements.deleteCreatives.execute(arguments: [c.id.rawValue])
            }
            for (dimension, mode, value) in TargetingRows.rows(of: c.targeting) {
                try statements.insertTargeting.execute(arguments: [c.id.rawValue, dimension, mode, value])
            }
            for (position, item) in c.creatives.enumerated() {
                do {
                    try statements.insertCreative.execute(arguments: [
                        item.id.rawValue, c.id.rawValue, position, item.size.description, item.imageURL, item.clickURL,
                        item.advertiserDomains.joined(separator: " "),
                    ])
                } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY {
                    throw StoreError(.conflict, "creative id '\(item.id)' already belongs to another campaign")
                }
            }
            return .commit
        }
    }
}

/// The statements that save a campaign, from the connection's statement cache.
private struct CampaignStatements {
    let upsertCampaign, deleteTargeting, deleteCreatives, insertTargeting, insertCreative: Statement

    init(_ db: Database) throws {
        upsertCampaign = try db.cachedStatement(
            sql: """
                INSERT INTO campaign (id, advertiser_id, name, status, pricing, bid_micros, predicted_ctr_ppm,
                    daily_budget_micros, total_budget_micros, start_at, end_at, time_zone, pacing,
                    frequency_cap_impressions, frequency_cap_window_seconds, frequency_cap_refuse_anonymous,
                    hours_of_week, exclude_hours_of_week, revision, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET advertiser_id = excluded.advertiser_id, name = excluded.name,
                    status = excluded.status, pricing = excluded.pricing, bid_micros = excluded.bid_micros,
                    predicted_ctr_ppm = excluded.predicted_ctr_ppm, daily_budget_micros = excluded.daily_budget_micros,
                    total_budget_micros = excluded.total_budget_micros, start_at = excluded.start_at, end_at = excluded.end_at,
                    time_zone = excluded.time_zone, pacing = excluded.pacing,
                    frequency_cap_impressions = excluded.frequency_cap_impressions,
                    frequency_cap_window_seconds = excluded.frequency_cap_window_seconds,
                    frequency_cap_refuse_anonymous = excluded.frequency_cap_refuse_anonymous,
                    hours_of_week = excluded.hours_of_week, exclude_hours_of_week = excluded.exclude_hours_of_week,
                    revision = excluded.revision, updated_at = excluded.updated_at
                """)
        deleteTargeting = try db.cachedStatement(sql: "DELETE FROM campaign_targeting WHERE campaign_id = ?")
        deleteCreatives = try db.cachedStatement(sql: "DELETE FROM creative WHERE campaign_id = ?")
        insertTargeting = try db.cachedStatement(
            sql: "INSERT INTO campaign_targeting (campaign_id, dimension, mode, value) VALUES (?, ?, ?, ?)")
        insertCreative = try db.cachedStatement(
            sql: """
                INSERT INTO creative (id, campaign_id, position, size, image_url, click_url, adomain) VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
    }
}

/// What an import did.
public struct ImportSummary: Equatable, Sendable {
    public var created = 0
    public var updated = 0
    public var advertisersCreated = 0
    public init() {}
}

/// One campaign an import could not save.
public struct ImportFailure: Equatable, Sendable {
    /// Index in the imported list.
    public var position: Int
    public var field: String
    public var message: String
}
