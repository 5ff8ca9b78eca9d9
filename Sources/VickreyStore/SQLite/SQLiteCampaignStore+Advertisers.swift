import GRDB
import VickreyCore

extension SQLiteCampaignStore {
    /// Creates an advertiser; fails with `.alreadyExists` if the id is taken.
    public func createAdvertiser(_ advertiser: Advertiser) throws(StoreError) {
        try StoreError.check(advertiser)
        let actor = AuditActor.current
        try write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM advertiser WHERE id = ?", arguments: [advertiser.id.rawValue]) == true {
                throw StoreError.advertiserExists(advertiser.id)
            }
            try insertAdvertiser(advertiser, db)
            _ = try bumpRevision(db)
            try SQLiteAuditStore.record(.advertiser(advertiser), by: actor, db)
        }
    }

    /// Every advertiser, by id.
    public func advertisers() throws(StoreError) -> [Advertiser] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT id, name FROM advertiser ORDER BY id").map {
                Advertiser(id: AdvertiserID(unchecked: $0[0]), name: $0[1])
            }
        }
    }

    /// One advertiser, or nil.
    public func advertiser(_ id: AdvertiserID) throws(StoreError) -> Advertiser? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT id, name FROM advertiser WHERE id = ?", arguments: [id.rawValue]).map {
                Advertiser(id: AdvertiserID(unchecked: $0[0]), name: $0[1])
            }
        }
    }

    /// How many campaigns each advertiser has, by status.
    public func campaignCounts(advertiser id: AdvertiserID) throws(StoreError) -> [CampaignStatus: Int] {
        try read { db in
            var counts: [CampaignStatus: Int] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT status, count(*) FROM campaign WHERE advertiser_id = ? GROUP BY status", arguments: [id.rawValue])
            {
                if let status = CampaignStatus(rawValue: row[0]) { counts[status] = row[1] }
            }
            return counts
        }
    }

    func insertAdvertiser(_ advertiser: Advertiser, _ db: Database) throws {
        try db.cachedStatement(sql: "INSERT INTO advertiser (id, name, created_at) VALUES (?, ?, ?)")
            .execute(arguments: [advertiser.id.rawValue, advertiser.name, Self.nowText()])
    }
}
