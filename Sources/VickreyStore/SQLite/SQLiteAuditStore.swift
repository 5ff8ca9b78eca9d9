import GRDB
import VickreyCore

/// The audit log in the SQLite file (`audit_log`), written by the other SQLite stores
/// inside their change transactions (`record`).
public final class SQLiteAuditStore: AuditStore {
    let store: SQLiteCampaignStore

    public init(_ store: SQLiteCampaignStore) { self.store = store }

    public func entries(campaign: CampaignID?, before: Int64?, limit: Int) throws(StoreError) -> [AuditEntry] {
        try store.read { db in
            var conditions: [String] = []
            var values: [any DatabaseValueConvertible] = []
            if let campaign {
                conditions.append("campaign_id = ?")
                values.append(campaign.rawValue)
            }
            if let before {
                conditions.append("id < ?")
                values.append(before)
            }
            values.append(max(0, limit))
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT id, at_ms, actor, action, campaign_id, subject, before_json, after_json FROM audit_log
                    \(filter) ORDER BY id DESC LIMIT ?
                    """, arguments: StatementArguments(values)
            ).compactMap { row in
                guard let action = AuditAction(rawValue: row[3]) else { return nil }
                return AuditEntry(
                    id: row[0], time: Instant(millisecondsSinceEpoch: row[1]), actor: row[2], action: action,
                    campaignID: (row[4] as String?).map(CampaignID.init(unchecked:)), subject: row[5], before: row[6], after: row[7])
            }
        }
    }

    /// Appends `change` by `actor` in the caller's write transaction.
    static func record(_ change: AuditChange, by actor: AuditActor, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO audit_log (at_ms, actor, action, campaign_id, subject, before_json, after_json)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                AuditChange.nowMilliseconds(), actor.name, change.action.rawValue, change.campaignID?.rawValue, change.subject,
                change.before, change.after,
            ])
    }
}
