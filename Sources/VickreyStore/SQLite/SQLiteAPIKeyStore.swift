import GRDB
import VickreyCore

/// API keys in the SQLite file (`api_key`).
public final class SQLiteAPIKeyStore: APIKeyStore {
    let store: SQLiteCampaignStore

    public init(_ store: SQLiteCampaignStore) { self.store = store }

    public func create(_ record: APIKeyRecord) throws(StoreError) {
        let actor = AuditActor.current
        try store.write { db in
            if let advertiser = record.advertiserID,
                try Bool.fetchOne(db, sql: "SELECT 1 FROM advertiser WHERE id = ?", arguments: [advertiser.rawValue]) != true
            {
                throw StoreError.unknownAdvertiserForKey(advertiser)
            }
            try db.execute(
                sql: """
                    INSERT INTO api_key (id, role, advertiser_id, label, secret_hash, created_at_ms) VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    record.id, record.role.rawValue, record.advertiserID?.rawValue, record.label, record.secretHash,
                    record.createdAt.millisecondsSinceEpoch,
                ])
            try SQLiteAuditStore.record(.apiKey(.apiKeyCreate, record), by: actor, db)
        }
    }

    public func keys() throws(StoreError) -> [APIKeyRecord] {
        try store.read { db in try Row.fetchAll(db, sql: "\(Self.select) ORDER BY created_at_ms, id").map(Self.record) }
    }

    public func key(id: String) throws(StoreError) -> APIKeyRecord? {
        try store.read { db in try Row.fetchOne(db, sql: "\(Self.select) WHERE id = ?", arguments: [id]).map(Self.record) }
    }

    public func revoke(id: String, at time: Instant) throws(StoreError) {
        let actor = AuditActor.current
        try store.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT revoked_at_ms FROM api_key WHERE id = ?", arguments: [id]) else {
                throw StoreError.apiKeyNotFound(id)
            }
            guard (row[0] as Int64?) == nil else { throw StoreError(.invalidState, "API key \(id) is already revoked") }
            try db.execute(
                sql: "UPDATE api_key SET revoked_at_ms = ? WHERE id = ?", arguments: [time.millisecondsSinceEpoch, id])
            if let record = try Row.fetchOne(db, sql: "\(Self.select) WHERE id = ?", arguments: [id]).map(Self.record) {
                try SQLiteAuditStore.record(.apiKey(.apiKeyRevoke, record), by: actor, db)
            }
        }
    }

    static let select = "SELECT id, role, advertiser_id, label, secret_hash, created_at_ms, revoked_at_ms FROM api_key"

    static func record(_ row: Row) -> APIKeyRecord {
        APIKeyRecord(
            id: row[0], role: AccessRole(rawValue: row[1]) ?? .billing,
            advertiserID: (row[2] as String?).map(AdvertiserID.init(unchecked:)),
            label: row[3], secretHash: row[4], createdAt: Instant(millisecondsSinceEpoch: row[5]),
            revokedAt: (row[6] as Int64?).map(Instant.init(millisecondsSinceEpoch:)))
    }
}
