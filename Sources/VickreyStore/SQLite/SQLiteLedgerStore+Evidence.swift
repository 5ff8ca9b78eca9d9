import GRDB
import VickreyCore

extension SQLiteLedgerStore {
    public func clickEvidence(after positions: ChainPositions) throws(StoreError) -> (
        evidence: [CampaignID: ClickEvidence], positions: ChainPositions
    ) {
        do {
            return try pool.read { db in
                let after = positions[""] ?? 0
                let upTo = try Self.tail(db).seq
                guard upTo > after else { return ([:], positions) }
                var evidence: [CampaignID: ClickEvidence] = [:]
                for row in try Row.fetchAll(
                    db,
                    sql: """
                        SELECT campaign_id, SUM(kind = 'impression'), SUM(kind = 'click') FROM ledger
                        WHERE seq > ? AND seq <= ? GROUP BY campaign_id
                        """, arguments: [after, upTo])
                {
                    evidence[CampaignID(unchecked: row[0])] = ClickEvidence(impressions: row[1], clicks: row[2])
                }
                return (evidence, ["": upTo])
            }
        } catch { throw SQLiteCampaignStore.map(error) }
    }

    public func clickEvidence(campaign: CampaignID) throws(StoreError) -> ClickEvidence {
        do {
            return try pool.read { db in
                let row = try Row.fetchOne(
                    db, sql: "SELECT SUM(kind = 'impression'), SUM(kind = 'click') FROM ledger WHERE campaign_id = ?",
                    arguments: [campaign.rawValue])
                return ClickEvidence(impressions: row?[0] ?? 0, clicks: row?[1] ?? 0)
            }
        } catch { throw SQLiteCampaignStore.map(error) }
    }
}
