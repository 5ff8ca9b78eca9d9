import Logging
import PostgresNIO
import VickreyCore

/// API keys on PostgreSQL: the same table and errors as `SQLiteAPIKeyStore`, shared by a
/// fleet (a key made on one server's database works on every server).
public final class PostgresAPIKeyStore: APIKeyStore {
    let database: PostgresDatabase
    private var logger: Logger { database.logger }

    init(_ database: PostgresDatabase) { self.database = database }

    public func create(_ record: APIKeyRecord) async throws(StoreError) {
        let actor = AuditActor.current
        try await database.transaction { connection in
            if let advertiser = record.advertiserID {
                let found = try await connection.all(
                    "SELECT id FROM advertiser WHERE id = \(advertiser.rawValue)", as: String.self, logger: self.logger)
                guard !found.isEmpty else { throw StoreError.unknownAdvertiserForKey(advertiser) }
            }
            try await connection.query(
                """
                INSERT INTO api_key (id, role, advertiser_id, label, secret_hash, created_at_ms)
                VALUES (\(record.id), \(record.role.rawValue), \(record.advertiserID?.rawValue), \(record.label), \(record.secretHash),
                        \(record.createdAt.millisecondsSinceEpoch))
                """, logger: self.logger)
            try await PostgresAuditStore.record(.apiKey(.apiKeyCreate, record), by: actor, connection, logger: self.logger)
        }
    }

    public func keys() async throws(StoreError) -> [APIKeyRecord] {
        try await database.transaction { connection in
            try await self.load(connection, id: nil)
        }
    }

    public func key(id: String) async throws(StoreError) -> APIKeyRecord? {
        try await database.transaction { connection in try await self.load(connection, id: id).first }
    }

    public func revoke(id: String, at time: Instant) async throws(StoreError) {
        let actor = AuditActor.current
        try await database.transaction { connection in
            let rows = try await connection.all(
                "SELECT revoked_at_ms FROM api_key WHERE id = \(id) FOR UPDATE", as: Int64?.self, logger: self.logger)
            guard let revoked = rows.first else { throw StoreError.apiKeyNotFound(id) }
            guard revoked == nil else { throw StoreError(.invalidState, "API key \(id) is already revoked") }
            try await connection.query(
                "UPDATE api_key SET revoked_at_ms = \(time.millisecondsSinceEpoch) WHERE id = \(id)", logger: self.logger)
            if let record = try await self.load(connection, id: id).first {
                try await PostgresAuditStore.record(.apiKey(.apiKeyRevoke, record), by: actor, connection, logger: self.logger)
            }
        }
    }

    private func load(_ connection: PostgresConnection, id: String?) async throws -> [APIKeyRecord] {
        try await connection.all(
            """
            SELECT id, role, advertiser_id, label, secret_hash, created_at_ms, revoked_at_ms FROM api_key
            WHERE \(id)::text IS NULL OR id = \(id) ORDER BY created_at_ms, id COLLATE "C"
            """, as: (String, String, String?, String, String, Int64, Int64?).self, logger: logger
        ).map {
            APIKeyRecord(
                id: $0.0, role: AccessRole(rawValue: $0.1) ?? .billing, advertiserID: $0.2.map(AdvertiserID.init(unchecked:)),
                label: $0.3, secretHash: $0.4, createdAt: Instant(millisecondsSinceEpoch: $0.5),
                revokedAt: $0.6.map(Instant.init(millisecondsSinceEpoch:)))
        }
    }
}
