import Logging
import PostgresNIO
import VickreyCore

/// The audit log on PostgreSQL (`audit_log`): the same entries as `SQLiteAuditStore`,
/// written by the other PostgreSQL stores inside their change transactions (`record`),
/// shared by a fleet.
public final class PostgresAuditStore: AuditStore {
    let database: PostgresDatabase
    private var logger: Logger { database.logger }

    init(_ database: PostgresDatabase) { self.database = database }

    public func entries(campaign: CampaignID?, before: Int64?, limit: Int) async throws(StoreError) -> [AuditEntry] {
        try await database.transaction(repeatableRead: true) { connection in
            try await connection.all(
                """
                SELECT id, at_ms, actor, action, campaign_id, subject, before_json, after_json FROM audit_log
                WHERE (\(campaign?.rawValue)::text IS NULL OR campaign_id = \(campaign?.rawValue))
                  AND (\(before)::bigint IS NULL OR id < \(before))
                ORDER BY id DESC LIMIT \(Int64(max(0, limit)))
                """, as: (Int64, Int64, String, String, String?, String, String?, String?).self, logger: self.logger
            ).compactMap { row in
                guard let action = AuditAction(rawValue: row.3) else { return nil }
                return AuditEntry(
                    id: row.0, time: Instant(millisecondsSinceEpoch: row.1), actor: row.2, action: action,
                    campaignID: row.4.map(CampaignID.init(unchecked:)), subject: row.5, before: row.6, after: row.7)
            }
        }
    }

    /// Appends `change` by `actor` in the caller's transaction.
    static func record(_ change: AuditChange, by actor: AuditActor, _ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO audit_log (at_ms, actor, action, campaign_id, subject, before_json, after_json)
            VALUES (\(AuditChange.nowMilliseconds()), \(actor.name), \(change.action.rawValue), \(change.campaignID?.rawValue),
                    \(change.subject), \(change.before), \(change.after))
            """, logger: logger)
    }
}
