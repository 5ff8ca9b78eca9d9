import GRDB
import VickreyCore

extension SQLiteCampaignStore {
    /// Creates a campaign. Fails with `.alreadyExists` for a taken campaign id,
    /// `.unknownAdvertiser` when its advertiser does not exist, `.conflict` when one of
    /// its creative ids belongs to another campaign.
    public func createCampaign(_ campaign: Campaign) throws(StoreError) {
        let actor = AuditActor.current
        try write { db in
            guard try !campaignExists(campaign.id, db) else {
                throw StoreError.campaignExists(campaign.id)
            }
            try requireAdvertiser(campaign.advertiserID, db)
            try saveCampaign(campaign, revision: try bumpRevision(db), db, isNew: true)
            try SQLiteAuditStore.record(.campaign(.campaignCreate, before: nil, after: campaign), by: actor, db)
        }
    }

    /// Reads, changes and saves one campaign in a single transaction; returns the result.
    @discardableResult
    public func modifyCampaign(_ id: CampaignID, _ change: (inout Campaign) throws -> Void) throws(StoreError) -> Campaign {
        let actor = AuditActor.current
        return try write { db in
            guard var campaign = try loadCampaigns(.one(id), db).campaigns.first else {
                throw StoreError.noCampaign(id)
            }
            let before = campaign
            try change(&campaign)
            guard campaign.id == id else { throw StoreError.campaignIDChanged }
            try requireAdvertiser(campaign.advertiserID, db)
            try saveCampaign(campaign, revision: try bumpRevision(db), db)
            try SQLiteAuditStore.record(
                .campaign(.campaignChange(from: before, to: campaign), before: before, after: campaign), by: actor, db)
            return campaign
        }
    }

    /// Creates or replaces the campaigns `source` hands over, in one transaction (see
    /// `CampaignStore.importCampaigns(from:)`).
    public func importCampaigns(from source: some CampaignImportSource) throws(StoreError) -> ImportSummary {
        let actor = AuditActor.current
        return try bulkWrite { db in
            var summary = ImportSummary()
            var failures: [ImportFailure] = []
            let revision = try bumpRevision(db)
            var knownAdvertisers = Set(try String.fetchAll(db, sql: "SELECT id FROM advertiser"))
            // Looked up once, not per campaign (each lookup hashes the statement's text).
            let statements = try CampaignStatements(db)
            let updatedAt = Self.nowText()
            while let batch = try source.next() {
                for (campaign, position) in zip(batch.campaigns, batch.positions) {
                    if knownAdvertisers.insert(campaign.advertiserID.rawValue).inserted {
                        try insertAdvertiser(Advertiser(id: campaign.advertiserID, name: campaign.advertiserID.rawValue), db)
                        summary.advertisersCreated += 1
                    }
                    let existed = try campaignExists(campaign.id, db)
                    do {
                        try saveCampaign(
                            campaign, revision: revision, db, isNew: !existed, statements: statements, updatedAt: updatedAt,
                            savepoint: false)
                        if existed { summary.updated += 1 } else { summary.created += 1 }
                    } catch let error as StoreError {
                        failures.append(ImportFailure(position: position, field: "creatives", message: error.message))
                    }
                }
            }
            try source.finish()
            if !failures.isEmpty {
                throw StoreError.importRejected(failures)
            }
            try SQLiteAuditStore.record(.imported(summary), by: actor, db)
            return summary
        }
    }

    private func campaignExists(_ id: CampaignID, _ db: Database) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM campaign WHERE id = ?"), arguments: [id.rawValue]) == true
    }

    private func requireAdvertiser(_ id: AdvertiserID, _ db: Database) throws {
        guard try Bool.fetchOne(db, sql: "SELECT 1 FROM advertiser WHERE id = ?", arguments: [id.rawValue]) == true else {
            throw StoreError.unknownAdvertiser(id)
        }
    }

    /// Writes a campaign row, its targeting and its creatives, replacing what was there.
    /// Inside a savepoint, so a campaign that fails leaves nothing half-written; an import
    /// goes without (`savepoint: false`: a third of its time went to them), since any
    /// failure rolls back its whole transaction anyway.
    private func saveCampaign(
        _ c: Campaign, revision: Int64, _ db: Database, isNew: Bool = false, statements: CampaignStatements? = nil,
        updatedAt: String = nowText(), savepoint: Bool = true
    ) throws {
        let statements = try statements ?? CampaignStatements(db)
        let row = CampaignRow(c)
        let write = { () throws -> Database.TransactionCompletion in
            try statements.upsertCampaign.bindRaw(
                [
                    .text(row.id), .text(row.advertiserID), .text(row.name), .text(row.status), .text(row.pricing),
                    .integer(row.bidMicros), .integer(row.predictedCTRPartsPerMillion), .integer(row.dailyBudgetMicros),
                    .integer(row.totalBudgetMicros), .text(row.startAt), .text(row.endAt), .text(row.timeZone), .text(row.pacing),
                    .integer(row.frequencyCapImpressions), .integer(row.frequencyCapWindowSeconds),
                    .integer(row.frequencyCapRefusesAnonymous ? 1 : 0), .text(row.hoursOfWeek), .text(row.excludedHoursOfWeek),
                    .text(row.deals), .integer(row.predictedViewabilityPartsPerMillion),
                    .integer(row.predictedCompletionPartsPerMillion), .text(row.lineItem), .integer(row.spendCapNanos),
                    .integer(revision), .text(updatedAt),
                ], name: CampaignStatements.upsertColumn)
            try statements.upsertCampaign.execute()
            if !isNew {
                try statements.deleteTargeting.bindRaw([.text(c.id.rawValue)], name: { _ in "campaign_id" })
                try statements.deleteTargeting.execute()
                try statements.deleteCreatives.bindRaw([.text(c.id.rawValue)], name: { _ in "campaign_id" })
                try statements.deleteCreatives.execute()
            }
            for t in TargetingRows.rows(of: c) {
                try statements.insertTargeting.bindRaw(
                    [.text(t.campaignID), .text(t.dimension), .text(t.mode), .text(t.value)], name: CampaignStatements.targetingColumn)
                try statements.insertTargeting.execute()
            }
            for k in CreativeRow.rows(of: c) {
                try statements.insertCreative.bindRaw(
                    [
                        .text(k.id), .text(k.campaignID), .integer(k.position), .text(k.size), .text(k.imageURL), .text(k.clickURL),
                        .text(k.adomain), .text(k.format), .text(k.details),
                    ], name: CampaignStatements.creativeColumn)
                do { try statements.insertCreative.execute() } catch let error as DatabaseError
                    where error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY
                {
                    // The statement's next binding resets it (`bindRaw`), so the next
                    // campaign's insert does not see this failure again.
                    throw StoreError.creativeTaken(k.id)
                }
            }
            return .commit
        }
        if savepoint { try db.inSavepoint(write) } else { _ = try write() }
    }
}

/// The statements that save a campaign, from the connection's statement cache; their
/// parameters are bound with `bindRaw`, in the order of the column lists below (from which
/// the inserts are written, so the two cannot disagree).
struct CampaignStatements {
    let upsertCampaign, deleteTargeting, deleteCreatives, insertTargeting, insertCreative: Statement

    static let targetingColumns = ["campaign_id", "dimension", "mode", "value"]
    static let creativeColumns = ["id", "campaign_id", "position", "size", "image_url", "click_url", "adomain", "format", "details"]

    init(_ db: Database) throws {
        upsertCampaign = try db.cachedStatement(sql: CampaignSQL.upsert { _ in "?" })
        deleteTargeting = try db.cachedStatement(sql: "DELETE FROM campaign_targeting WHERE campaign_id = ?")
        deleteCreatives = try db.cachedStatement(sql: "DELETE FROM creative WHERE campaign_id = ?")
        insertTargeting = try db.cachedStatement(sql: Self.insert("campaign_targeting", Self.targetingColumns))
        insertCreative = try db.cachedStatement(sql: Self.insert("creative", Self.creativeColumns))
    }

    private static func insert(_ table: String, _ columns: [String]) -> String {
        "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))"
    }

    static func upsertColumn(_ index: Int) -> String { "campaign." + CampaignSQL.upsertColumns[index] }
    static func targetingColumn(_ index: Int) -> String { "campaign_targeting." + targetingColumns[index] }
    static func creativeColumn(_ index: Int) -> String { "creative." + creativeColumns[index] }
}
