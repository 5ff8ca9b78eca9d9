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
                        SELECT campaign_id, SUM(kind = 'impression'), SUM(kind = 'click'), SUM(kind = 'viewable'), SUM(kind = 'complete') FROM ledger
                        WHERE seq > ? AND seq <= ? AND \(LedgerSQL.isValidTraffic) GROUP BY campaign_id
                        """, arguments: [after, upTo])
                {
                    evidence[CampaignID(unchecked: row[0])] = ClickEvidence(
                        impressions: row[1], clicks: row[2], viewables: row[3], completes: row[4])
                }
                return (evidence, ["": upTo])
            }
        } catch { throw SQLiteCampaignStore.map(error) }
    }

    public func clickEvidence(campaign: CampaignID) throws(StoreError) -> ClickEvidence {
        do {
            return try pool.read { db in
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT SUM(kind = 'impression'), SUM(kind = 'click'), SUM(kind = 'viewable'), SUM(kind = 'complete') FROM ledger
                        WHERE campaign_id = ? AND \(LedgerSQL.isValidTraffic)
                        """,
                    arguments: [campaign.rawValue])
                return ClickEvidence(
                    impressions: row?[0] ?? 0, clicks: row?[1] ?? 0, viewables: row?[2] ?? 0, completes: row?[3] ?? 0)
            }
        } catch { throw SQLiteCampaignStore.map(error) }
    }
}

extension SQLiteLedgerStore {
    public func hourlyDelivery(campaign: CampaignID, since: Instant) throws(StoreError) -> [HourlyDelivery] {
        do {
            return try pool.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT event_time_ms / 3600000 AS hour, SUM(kind = 'impression' AND billed = 1), SUM(kind = 'click' AND billed = 1),
                               SUM(charge_nanos)
                        FROM ledger WHERE campaign_id = ? AND event_time_ms >= ? GROUP BY hour ORDER BY hour
                        """, arguments: [campaign.rawValue, since.millisecondsSinceEpoch]
                ).map {
                    HourlyDelivery(
                        hour: Instant(secondsSinceEpoch: ($0[0] as Int64) * 3_600), impressions: $0[1], clicks: $0[2], spend: Nanos($0[3]))
                }
            }
        } catch { throw SQLiteCampaignStore.map(error) }
    }
}
