import Foundation
import Logging
import PostgresNIO
import VickreyCore
import VickreyLedger

/// The ledger on PostgreSQL: every server of a fleet appends to its own chain
/// (`server_id`, with `seq` counting within it) in one shared table; an event (kind,
/// impression id) is recorded at most once across all chains, by whichever server
/// commits it first. Appends are one transaction per group-committed batch: three round
/// trips (the chain's tail, which events are already recorded, one multi-row insert).
public final class PostgresLedgerStore: LedgerStore {
    let database: PostgresDatabase
    /// The chain this store appends to; nil for a store that only reads (`adctl`).
    public let chainID: String?
    private var logger: Logger { database.logger }

    init(_ database: PostgresDatabase, chainID: String?) {
        self.database = database
        self.chainID = chainID
    }

    public func chains() async throws(StoreError) -> [LedgerChain] {
        try await database.transaction { connection in
            // A skip scan of the (server_id, seq) key: one index probe per chain for its id
            // and one for its head, where DISTINCT ON would read every row of the ledger
            // (the learned-CTR refresh asks for the heads every few seconds).
            let heads: [(String, Int64, String)] = try await connection.all(
                """
                WITH RECURSIVE chain(server_id) AS (
                    (SELECT server_id FROM ledger ORDER BY server_id LIMIT 1)
                    UNION ALL
                    SELECT (SELECT l.server_id FROM ledger l WHERE l.server_id > chain.server_id ORDER BY l.server_id LIMIT 1)
                    FROM chain WHERE chain.server_id IS NOT NULL
                )
                SELECT head.server_id, head.seq, head.hash FROM chain
                CROSS JOIN LATERAL (
                    SELECT server_id, seq, hash FROM ledger l WHERE l.server_id = chain.server_id ORDER BY seq DESC LIMIT 1
                ) head
                """,
                as: (String, Int64, String).self, logger: self.logger)
            return heads.sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }.map {
                LedgerChain(serverID: $0.0, lastSeq: $0.1, headHash: $0.2)
            }
        }
    }

    public func requireDurableCommits() async throws(StoreError) {
        let setting = try await database.transaction { connection in
            try await connection.all("SHOW synchronous_commit", as: String.self, logger: self.logger).first ?? ""
        }
        guard setting != "off", setting != "local" else {
            throw StoreError(.database, "synchronous_commit is '\(setting)' on \(database.address): ledger commits would not be durable")
        }
    }

    public func tail(chain: String?) async throws(StoreError) -> (seq: Int64, hash: String) {
        try await database.transaction { connection in try await self.tail(chain, connection) }
    }

    private func tail(_ chain: String?, _ connection: PostgresConnection) async throws -> (seq: Int64, hash: String) {
        let rows = try await connection.all(
            "SELECT seq, hash FROM ledger WHERE server_id = \(chain) ORDER BY seq DESC LIMIT 1", as: (Int64, String).self,
            logger: logger)
        return rows.first.map { (seq: $0.0, hash: $0.1) } ?? (0, LedgerRecord.genesisHash)
    }

    /// A batch met an event another server recorded after this batch looked: the batch is
    /// sealed again without it.
    private struct RecordedMeanwhile: Error {}

    public func append(_ events: [LedgerEvent], settlements: [FleetSettlement?], signingKey: LedgerSigningKey) async throws(StoreError)
        -> [LedgerAppendOutcome]
    {
        guard let serverID = chainID else {
            throw StoreError(.caller, "this store was opened without a server id: it has no chain to append to")
        }
        var attempt = 0
        var lockFirst: [PoolKey] = []
        while true {
            attempt += 1
            let poolsFirst = lockFirst
            do {
                return try await database.transaction { connection in
                    // Made inside: swift-crypto's key is not Sendable (one derivation per batch, as on SQLite).
                    let sealer: LedgerSealer
                    do { sealer = try LedgerSealer(signingKey) } catch {
                        throw StoreError(.caller, "the signing key is unusable: \(error)")
                    }
                    return try await self.append(
                        events, settlements: settlements, to: serverID, sealer: sealer, lockFirst: poolsFirst, connection)
                }
            } catch let error where attempt < 8 && error.underlying is PostgresLeaseDebits.PoolsBusy {
                // A pool it needs was busy while it held its leases: again, that pool first.
                lockFirst = (error.underlying as? PostgresLeaseDebits.PoolsBusy)?.keys ?? []
                continue
            } catch let error where attempt < 5 && (error.underlying is RecordedMeanwhile || error.underlying?.sqlState == "40P01") {
                // Recorded meanwhile, or a deadlock with another server's batch (PostgreSQL
                // rolled this one back): nothing of it was written; seal it again.
                continue
            }
        }
    }

    private func append(
        _ events: [LedgerEvent], settlements: [FleetSettlement?], to serverID: String, sealer: LedgerSealer, lockFirst: [PoolKey],
        _ connection: PostgresConnection
    ) async throws -> [LedgerAppendOutcome] {
        var (seq, hash) = try await tail(serverID, connection)
        // Kind and impression id, so the lookup runs on the (kind, impression_id, prefetch)
        // unique index rather than scanning the ledger.
        let recorded = Set(
            try await connection.all(
                """
                SELECT kind, impression_id, prefetch FROM ledger
                WHERE kind = ANY(\(Array(Set(events.map(\.kind.rawValue))))) AND impression_id = ANY(\(events.map(\.impressionID)))
                """, as: (String, String, Bool).self, logger: logger
            ).map { "\($0.0):\($0.1):\($0.2)" })
        var seen = Set<String>()
        var fresh: [Int] = []
        for (index, event) in events.enumerated() {
            let key = "\(event.kind.rawValue):\(event.impressionID):\(event.reason == .ivtPrefetch)"
            if !recorded.contains(key), seen.insert(key).inserted { fresh.append(index) }
        }
        var events = events
        let refused = try await PostgresLeaseDebits.apply(
            fresh.compactMap { index in
                settlements.indices.contains(index) && events[index].billed && events[index].charge > .zero
                    ? settlements[index].map { (index, events[index], $0) } : nil
            }, serverID: serverID, lockFirst: lockFirst, connection, logger: logger)
        for (index, reason) in refused {
            events[index].billed = false
            events[index].reason = reason
            events[index].charge = .zero
        }
        var outcomes = [LedgerAppendOutcome](repeating: .duplicate, count: events.count)
        var records: [LedgerRecord] = []
        for index in fresh {
            let record = try sealer.seal(events[index], seq: seq + 1, after: hash, serverID: serverID)
            records.append(record)
            (seq, hash) = (record.seq, record.hash)
            outcomes[index] = refused[index].map { .recordedUnbilled(seq: seq, reason: $0) } ?? .appended(seq: seq)
        }
        guard !records.isEmpty else { return outcomes }
        let releases = fresh.compactMap { index in
            settlements.indices.contains(index) ? settlements[index]?.foreignReservation.map { (events[index].campaignID, $0) } : nil
        }
        if !releases.isEmpty {
            try await connection.query(
                """
                INSERT INTO reservation_release (campaign_id, reservation_id, server_id, recorded_at_ms)
                SELECT r.c, r.r, \(serverID), (extract(epoch FROM clock_timestamp()) * 1000)::bigint
                FROM unnest(\(releases.map(\.0.rawValue))::text[], \(releases.map { Int64(bitPattern: $0.1) })::bigint[]) AS r(c, r)
                """, logger: logger)
        }
        let inserted = try await connection.all(try PostgresLedgerRow.insert(records), as: Int64.self, logger: logger)
        // Another server committed one of these events after the check above: a record is
        // missing from the chain we sealed, so roll back and seal the batch again.
        guard inserted.count == records.count else {
            throw StoreError(.database, "an event was recorded meanwhile", underlying: RecordedMeanwhile())
        }
        return outcomes
    }

    public func records(chain: String?, after: Int64, limit: Int) async throws(StoreError) -> [LedgerRecord] {
        try await database.transaction { connection in
            var records: [LedgerRecord] = []
            let rows = try await connection.query(
                PostgresLedgerRow.select("WHERE server_id = \(chain) AND seq > \(after) ORDER BY seq LIMIT \(Int64(limit))"),
                logger: self.logger)
            for try await row in rows { records.append(try PostgresLedgerRow.record(row)) }
            return records
        }
    }

    public func forEachRecord(chain: String?, in window: ExportWindow, _ body: (LedgerRecord) throws -> Void) async throws(StoreError) {
        try await database.transactionInPlace(repeatableRead: true) { connection in
            let first = try await window.since.asyncMap { try await self.firstSeq(chain, connection, atOrAfter: $0) } ?? 1
            let end = try await window.until.asyncMap { try await self.firstSeq(chain, connection, atOrAfter: $0) } ?? Int64.max
            let rows = try await connection.query(
                PostgresLedgerRow.select("WHERE server_id = \(chain) AND seq >= \(first) AND seq < \(end) ORDER BY seq"),
                logger: self.logger)
            for try await row in rows { try body(try PostgresLedgerRow.record(row)) }
        }
    }

    /// The first record of the chain at or after `time` (one past the tail when none is):
    /// exports are cut by sequence number, as on SQLite.
    private func firstSeq(_ chain: String?, _ connection: PostgresConnection, atOrAfter time: Instant) async throws -> Int64 {
        let first = try await connection.all(
            "SELECT MIN(seq) FROM ledger WHERE server_id = \(chain) AND event_time_ms >= \(time.millisecondsSinceEpoch)",
            as: Int64?.self, logger: logger)
        if let seq = first.first ?? nil { return seq }
        return try await tail(chain, connection).seq + 1
    }

    public func billedSpendByCampaign() async throws(StoreError) -> [CampaignID: Nanos] {
        try await database.transaction { connection in
            var spend: [CampaignID: Nanos] = [:]
            for (campaign, total) in try await connection.all(
                "SELECT campaign_id, SUM(charge_nanos)::bigint FROM ledger WHERE billed GROUP BY campaign_id", as: (String, Int64).self,
                logger: self.logger)
            {
                spend[CampaignID(unchecked: campaign)] = Nanos(total)
            }
            return spend
        }
    }

    public func billedCharges(since: Instant) async throws(StoreError) -> [(campaign: CampaignID, time: Instant, charge: Nanos)] {
        try await database.transaction { connection in
            try await connection.all(
                """
                SELECT campaign_id, event_time_ms, charge_nanos FROM ledger
                WHERE billed AND charge_nanos > 0 AND event_time_ms >= \(since.millisecondsSinceEpoch)
                """, as: (String, Int64, Int64).self, logger: self.logger
            ).map { (CampaignID(unchecked: $0.0), Instant(millisecondsSinceEpoch: $0.1), Nanos($0.2)) }
        }
    }

    public func recentEvents(since: Instant) async throws(StoreError) -> [RecordedEvent] {
        try await database.transaction { connection in
            try await connection.all(
                "SELECT kind, impression_id, prefetch, event_time_ms FROM ledger WHERE event_time_ms >= \(since.millisecondsSinceEpoch)",
                as: (String, String, Bool, Int64).self, logger: self.logger
            ).compactMap { row in
                BeaconKind(rawValue: row.0).map {
                    RecordedEvent(kind: $0, impressionID: row.1, prefetch: row.2, time: Instant(millisecondsSinceEpoch: row.3))
                }
            }
        }
    }

    public func count(chain: String?) async throws(StoreError) -> Int {
        try await database.transaction { connection in
            Int(
                try await connection.all("SELECT count(*) FROM ledger WHERE server_id = \(chain)", as: Int64.self, logger: self.logger)
                    .first ?? 0)
        }
    }

    public func delivery(since: Instant?, until: Instant?, detail: DeliveryDetail) async throws(StoreError) -> [DeliveryRow] {
        let from = since?.millisecondsSinceEpoch ?? Int64.min
        let to = until?.millisecondsSinceEpoch ?? Int64.max
        return try await database.transaction { connection in
            DeliveryRow.rows(
                try await connection.all(
                    """
                    SELECT campaign_id, to_char(to_timestamp(event_time_ms / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
                           \(unescaped: LedgerSQL.detailColumn(detail)), kind, reason, billed, count(*), SUM(charge_nanos)::bigint
                    FROM ledger WHERE event_time_ms >= \(from) AND event_time_ms < \(to)
                    GROUP BY campaign_id, day, detail, kind, reason, billed ORDER BY campaign_id COLLATE "C", day
                    """, as: (String, String, String?, String, String?, Bool, Int64, Int64).self, logger: self.logger
                ).map {
                    (campaign: $0.0, day: $0.1, detail: $0.2, kind: $0.3, reason: $0.4, billed: $0.5, count: $0.6, charge: $0.7)
                }, detail: detail)
        }
    }

    public func delivery(of campaigns: [CampaignID]) async throws(StoreError) -> [DeliveryRow] {
        guard !campaigns.isEmpty else { return [] }
        return try await database.transaction { connection in
            DeliveryRow.rows(
                try await connection.all(
                    """
                    SELECT campaign_id, kind, reason, billed, count(*), SUM(charge_nanos)::bigint FROM ledger
                    WHERE campaign_id = ANY(\(campaigns.map(\.rawValue)))
                    GROUP BY campaign_id, kind, reason, billed ORDER BY campaign_id COLLATE "C"
                    """, as: (String, String, String?, Bool, Int64, Int64).self, logger: self.logger
                ).map { (campaign: $0.0, day: "all", detail: nil, kind: $0.1, reason: $0.2, billed: $0.3, count: $0.4, charge: $0.5) },
                detail: .none)
        }
    }
}
