import PostgresNIO
import VickreyCore

extension PostgresLedgerStore {
    public func clickEvidence(after positions: ChainPositions) async throws(StoreError) -> (
        evidence: [CampaignID: ClickEvidence], positions: ChainPositions
    ) {
        let heads = try await chains()
        var reached = positions
        var chains: [String] = []
        var from: [Int64] = []
        var to: [Int64] = []
        for head in heads {
            guard let server = head.serverID, head.lastSeq > positions[server] ?? 0 else { continue }
            chains.append(server)
            from.append(positions[server] ?? 0)
            to.append(head.lastSeq)
            reached[server] = head.lastSeq
        }
        guard !chains.isEmpty else { return ([:], positions) }
        let (servers, after, last) = (chains, from, to)
        let rows = try await database.transaction { connection in
            try await connection.all(
                """
                SELECT l.campaign_id, count(*) FILTER (WHERE l.kind = 'impression'), count(*) FILTER (WHERE l.kind = 'click'),
                       count(*) FILTER (WHERE l.kind = 'viewable'), count(*) FILTER (WHERE l.kind = 'complete')
                FROM unnest(\(servers)::text[], \(after)::bigint[], \(last)::bigint[]) AS c(server_id, after_seq, last_seq)
                JOIN ledger l ON l.server_id = c.server_id AND l.seq > c.after_seq AND l.seq <= c.last_seq
                WHERE \(unescaped: LedgerSQL.isValidTraffic)
                GROUP BY l.campaign_id
                """, as: (String, Int64, Int64, Int64, Int64).self, logger: self.database.logger)
        }
        var evidence: [CampaignID: ClickEvidence] = [:]
        for row in rows {
            evidence[CampaignID(unchecked: row.0)] = ClickEvidence(impressions: row.1, clicks: row.2, viewables: row.3, completes: row.4)
        }
        return (evidence, reached)
    }

    public func clickEvidence(campaign: CampaignID) async throws(StoreError) -> ClickEvidence {
        let rows = try await database.transaction { connection in
            try await connection.all(
                """
                SELECT count(*) FILTER (WHERE kind = 'impression'), count(*) FILTER (WHERE kind = 'click'),
                       count(*) FILTER (WHERE kind = 'viewable'), count(*) FILTER (WHERE kind = 'complete')
                FROM ledger WHERE campaign_id = \(campaign.rawValue) AND \(unescaped: LedgerSQL.isValidTraffic)
                """, as: (Int64, Int64, Int64, Int64).self, logger: self.database.logger)
        }
        return rows.first.map { ClickEvidence(impressions: $0.0, clicks: $0.1, viewables: $0.2, completes: $0.3) } ?? ClickEvidence()
    }
}

extension PostgresLedgerStore {
    public func hourlyDelivery(campaign: CampaignID, since: Instant) async throws(StoreError) -> [HourlyDelivery] {
        try await database.transaction { connection in
            try await connection.all(
                """
                SELECT event_time_ms / 3600000 AS hour, count(*) FILTER (WHERE kind = 'impression' AND billed),
                       count(*) FILTER (WHERE kind = 'click' AND billed), SUM(charge_nanos)::bigint
                FROM ledger WHERE campaign_id = \(campaign.rawValue) AND event_time_ms >= \(since.millisecondsSinceEpoch)
                GROUP BY hour ORDER BY hour
                """, as: (Int64, Int64, Int64, Int64).self, logger: self.database.logger
            ).map { HourlyDelivery(hour: Instant(secondsSinceEpoch: $0.0 * 3_600), impressions: $0.1, clicks: $0.2, spend: Nanos($0.3)) }
        }
    }
}
