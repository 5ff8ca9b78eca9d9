import Foundation
import Logging
import PostgresNIO
import VickreyCore

/// The campaign store on PostgreSQL: the same tables, rules, answers and errors as
/// `SQLiteCampaignStore`, shared by every server of a fleet. Reads that must agree with
/// each other (campaigns with their targeting, creatives and revision) run in one
/// repeatable-read transaction.
public final class PostgresCampaignStore: CampaignStore {
    let database: PostgresDatabase
    var logger: Logger { database.logger }

    init(_ database: PostgresDatabase) { self.database = database }

    public func revision() async throws(StoreError) -> Int64 {
        try await database.transaction { connection in try await Self.revision(connection, logger: self.logger) }
    }

    public func appliedMigrations() async throws(StoreError) -> [String] {
        try await PostgresSchema.applied(database)
    }

    // MARK: Advertisers

    public func createAdvertiser(_ advertiser: Advertiser) async throws(StoreError) {
        try StoreError.check(advertiser)
        let actor = AuditActor.current
        try await database.transaction { connection in
            guard try await !Self.advertiserExists(advertiser.id, connection, logger: self.logger) else {
                throw StoreError.advertiserExists(advertiser.id)
            }
            try await Self.insertAdvertiser(advertiser, connection, logger: self.logger)
            _ = try await PostgresDatabase.bumpRevision(connection, logger: self.logger)
            try await PostgresAuditStore.record(.advertiser(advertiser), by: actor, connection, logger: self.logger)
        }
    }

    public func advertisers() async throws(StoreError) -> [Advertiser] {
        try await database.transaction { connection in
            try await connection.all(
                "SELECT id, name FROM advertiser ORDER BY id COLLATE \"C\"", as: (String, String).self, logger: self.logger
            )
            .map { Advertiser(id: AdvertiserID(unchecked: $0.0), name: $0.1) }
        }
    }

    public func advertiser(_ id: AdvertiserID) async throws(StoreError) -> Advertiser? {
        try await database.transaction { connection in
            try await connection.all(
                "SELECT id, name FROM advertiser WHERE id = \(id.rawValue)", as: (String, String).self, logger: self.logger
            )
            .first.map { Advertiser(id: AdvertiserID(unchecked: $0.0), name: $0.1) }
        }
    }

    public func campaignCounts(advertiser id: AdvertiserID) async throws(StoreError) -> [CampaignStatus: Int] {
        try await database.transaction { connection in
            var counts: [CampaignStatus: Int] = [:]
            for (status, count) in try await connection.all(
                "SELECT status, count(*) FROM campaign WHERE advertiser_id = \(id.rawValue) GROUP BY status", as: (String, Int64).self,
                logger: self.logger)
            {
                if let status = CampaignStatus(rawValue: status) { counts[status] = Int(count) }
            }
            return counts
        }
    }

    // MARK: Campaigns

    public func createCampaign(_ campaign: Campaign) async throws(StoreError) {
        let actor = AuditActor.current
        try await database.transaction { connection in
            guard try await !Self.campaignExists(campaign.id, connection, logger: self.logger) else {
                throw StoreError.campaignExists(campaign.id)
            }
            try await self.requireAdvertiser(campaign.advertiserID, connection)
            let revision = try await PostgresDatabase.bumpRevision(connection, logger: self.logger)
            try await self.save(campaign, revision: revision, connection, isNew: true)
            try await PostgresAuditStore.record(
                .campaign(.campaignCreate, before: nil, after: campaign), by: actor, connection, logger: self.logger)
        }
    }

    @discardableResult
    public func modifyCampaign(_ id: CampaignID, _ change: (inout Campaign) throws -> Void) async throws(StoreError) -> Campaign {
        let actor = AuditActor.current
        return try await database.transactionInPlace { connection in
            // FOR UPDATE: two changes to one campaign apply one after the other, not over each other.
            try await connection.query("SELECT 1 FROM campaign WHERE id = \(id.rawValue) FOR UPDATE", logger: self.logger)
            guard var campaign = try await self.load(.one(id), connection).campaigns.first else { throw StoreError.noCampaign(id) }
            let before = campaign
            try change(&campaign)
            guard campaign.id == id else { throw StoreError.campaignIDChanged }
            try await self.requireAdvertiser(campaign.advertiserID, connection)
            let revision = try await PostgresDatabase.bumpRevision(connection, logger: self.logger)
            try await self.save(campaign, revision: revision, connection, isNew: false)
            try await PostgresAuditStore.record(
                .campaign(.campaignChange(from: before, to: campaign), before: before, after: campaign), by: actor, connection,
                logger: self.logger)
            return campaign
        }
    }

    public func importCampaigns(from source: some CampaignImportSource) async throws(StoreError) -> ImportSummary {
        let actor = AuditActor.current
        return try await database.transaction { connection in
            var summary = ImportSummary()
            var failures: [ImportFailure] = []
            let revision = try await PostgresDatabase.bumpRevision(connection, logger: self.logger)
            var knownAdvertisers = Set(try await connection.all("SELECT id FROM advertiser", as: String.self, logger: self.logger))
            while let batch = try source.next() {
                let existing = Set(
                    try await connection.all(
                        "SELECT id FROM campaign WHERE id = ANY(\(batch.campaigns.map(\.id.rawValue)))", as: String.self,
                        logger: self.logger)
                )
                let conflicts = try await Self.creativeConflicts(in: batch.campaigns, connection, logger: self.logger)
                for (index, id) in conflicts.sorted(by: { $0.key < $1.key }) {
                    failures.append(
                        ImportFailure(position: batch.positions[index], field: "creatives", message: StoreError.creativeTaken(id).message))
                }
                // A refused import writes nothing more; its later batches are still checked.
                guard failures.isEmpty else { continue }
                var newAdvertisers: [String] = []
                for campaign in batch.campaigns where knownAdvertisers.insert(campaign.advertiserID.rawValue).inserted {
                    newAdvertisers.append(campaign.advertiserID.rawValue)
                }
                try await Self.insertAdvertisers(newAdvertisers, connection, logger: self.logger)
                try await Self.saveBatch(batch.campaigns, existing: existing, revision: revision, connection, logger: self.logger)
                summary.advertisersCreated += newAdvertisers.count
                summary.updated += existing.count
                summary.created += batch.campaigns.count - existing.count
            }
            try source.finish()
            if !failures.isEmpty { throw StoreError.importRejected(failures) }
            try await PostgresAuditStore.record(.imported(summary), by: actor, connection, logger: self.logger)
            return summary
        }
    }

    public func activeLineItems() async throws(StoreError) -> [Campaign] {
        try await database.transaction(repeatableRead: true) { connection in
            try await self.load(.activeLineItems, connection).campaigns
        }
    }

    // MARK: Writing

    /// Writes a campaign row, its targeting and its creatives, replacing what was there: an
    /// import's batch of one. A creative id that belongs to another campaign is a
    /// `.conflict`, found before anything of this campaign is written.
    private func save(_ c: Campaign, revision: Int64, _ connection: PostgresConnection, isNew: Bool) async throws {
        if let id = try await Self.creativeConflicts(in: [c], connection, logger: logger)[0] { throw StoreError.creativeTaken(id) }
        try await Self.saveBatch([c], existing: isNew ? [] : [c.id.rawValue], revision: revision, connection, logger: logger)
    }

    private func requireAdvertiser(_ id: AdvertiserID, _ connection: PostgresConnection) async throws {
        guard try await Self.advertiserExists(id, connection, logger: logger) else { throw StoreError.unknownAdvertiser(id) }
    }

    private static func advertiserExists(_ id: AdvertiserID, _ connection: PostgresConnection, logger: Logger) async throws -> Bool {
        try await !connection.all("SELECT 1 FROM advertiser WHERE id = \(id.rawValue)", as: Int32.self, logger: logger).isEmpty
    }

    private static func campaignExists(_ id: CampaignID, _ connection: PostgresConnection, logger: Logger) async throws -> Bool {
        try await !connection.all("SELECT 1 FROM campaign WHERE id = \(id.rawValue)", as: Int32.self, logger: logger).isEmpty
    }

    static func insertAdvertiser(_ advertiser: Advertiser, _ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "INSERT INTO advertiser (id, name, created_at) VALUES (\(advertiser.id.rawValue), \(advertiser.name), \(nowText()))",
            logger: logger)
    }

    static func revision(_ connection: PostgresConnection, logger: Logger) async throws -> Int64 {
        try await connection.all("SELECT revision FROM store_revision WHERE id = 1", as: Int64.self, logger: logger).first ?? 0
    }

    static func nowText() -> String { Instant(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)).rfc3339 }
}

extension PostgresQuery {
    /// `sql` followed by this query (a condition), binds renumbered as they are.
    func prefixed(_ sql: String) -> PostgresQuery {
        PostgresQuery(unsafeSQL: sql + " " + self.sql, binds: self.binds)
    }
}
