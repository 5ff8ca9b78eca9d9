import GRDB
import VickreyCore
import VickreyLedger

/// The ledger on SQLite: one table in the campaign database, append-only (triggers
/// refuse updates and deletes), holding the one chain of the one server that uses the file.
public final class SQLiteLedgerStore: LedgerStore {
    let pool: DatabasePool

    /// The ledger of the database `store` opened (same file, same connections).
    public init(_ store: SQLiteCampaignStore) { pool = store.pool }

    /// A SQLite file holds one server's unnamed chain.
    public var chainID: String? { nil }

    public func chains() throws(StoreError) -> [LedgerChain] {
        let (seq, hash) = try tail(chain: nil)
        return seq == 0 ? [] : [LedgerChain(serverID: nil, lastSeq: seq, headHash: hash)]
    }

    /// No chain but the unnamed one exists here.
    private func isOwnChain(_ chain: String?) -> Bool { chain == nil }

    /// Makes every commit on the writer connection wait for the disk (`synchronous =
    /// FULL`): a record is durable before its beacon is answered, even on power loss.
    public func requireDurableCommits() throws(StoreError) {
        do { try pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = FULL") } } catch {
            throw SQLiteCampaignStore.map(error)
        }
    }

    /// The last record's sequence number and hash (0 and 64 zeros for an empty ledger).
    public func tail(chain: String?) throws(StoreError) -> (seq: Int64, hash: String) {
        guard isOwnChain(chain) else { return (0, LedgerRecord.genesisHash) }
        do { return try pool.read(Self.tail) } catch { throw SQLiteCampaignStore.map(error) }
    }

    static func tail(_ db: Database) throws -> (seq: Int64, hash: String) {
        guard let row = try Row.fetchOne(db, sql: "SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1") else {
            return (0, LedgerRecord.genesisHash)
        }
        return (row[0], row[1])
    }

    /// Appends `events` in one transaction, chained after the current tail and sealed
    /// with `signingKey` (the key is set up once per transaction); events already
    /// recorded (same kind and impression id), in the ledger or earlier in the batch, are skipped.
    public func append(_ events: [LedgerEvent], settlements: [FleetSettlement?], signingKey: LedgerSigningKey) async throws(StoreError)
        -> [LedgerAppendOutcome]
    {
        do {
            return try await pool.write { db in
                let sealer = try LedgerSealer(signingKey)
                var (seq, hash) = try Self.tail(db)
                let insert = try db.cachedStatement(sql: LedgerRow.appendSQL)
                var outcomes: [LedgerAppendOutcome] = []
                outcomes.reserveCapacity(events.count)
                for event in events {
                    let record = try sealer.seal(event, seq: seq + 1, after: hash)
                    try LedgerRow.bind(record, to: insert)
                    try insert.execute()
                    // No row changed: this kind and impression id are recorded already, in
                    // the ledger or earlier in this batch (its seal is dropped; the chain
                    // continues from the last record written).
                    guard db.changesCount == 1 else {
                        outcomes.append(.duplicate)
                        continue
                    }
                    seq = record.seq
                    hash = record.hash
                    outcomes.append(.appended(seq: seq))
                }
                return outcomes
            }
        } catch {
            throw SQLiteCampaignStore.map(error)
        }
    }

    /// Up to `limit` records with `seq > after`, in order.
    public func records(chain: String?, after: Int64, limit: Int) throws(StoreError) -> [LedgerRecord] {
        guard isOwnChain(chain) else { return [] }
        do {
            return try pool.read { db in
                try LedgerRow.fetchAll(db, sql: "\(LedgerRow.selectSQL) WHERE seq > ? ORDER BY seq LIMIT ?", arguments: [after, limit]).map(
                    \.record)
            }
        } catch { throw SQLiteCampaignStore.map(error) }
    }

    /// Calls `body` with every record in `window`, in order, from one consistent snapshot,
    /// without holding them all in memory.
    public func forEachRecord(chain: String?, in window: ExportWindow, _ body: (LedgerRecord) throws -> Void) throws(StoreError) {
        guard isOwnChain(chain) else { return }
        do {
            try pool.read { db in
                let first = try window.since.map { try Self.firstSeq(db, atOrAfter: $0) } ?? 1
                let end = try window.until.map { try Self.firstSeq(db, atOrAfter: $0) } ?? Int64.max
                let cursor = try LedgerRow.fetchCursor(
                    db, sql: "\(LedgerRow.selectSQL) WHERE seq >= ? AND seq < ? ORDER BY seq", arguments: [first, end])
                while let row = try cursor.next() { try body(row.record) }
            }
        } catch { throw SQLiteCampaignStore.map(error) }
    }

    /// Where an export made at `time` cuts the chain: the first record whose event time is
    /// at or after it (one past the last record when there is none). Event times can step
    /// back by a millisecond between records committed together, so a cut by time alone
    /// could leave a record out between two it keeps; a cut by sequence never does.
    static func firstSeq(_ db: Database, atOrAfter time: Instant) throws -> Int64 {
        if let seq = try Int64.fetchOne(
            db, sql: "SELECT MIN(seq) FROM ledger WHERE event_time_ms >= ?", arguments: [time.millisecondsSinceEpoch])
        {
            return seq
        }
        return try tail(db).seq + 1
    }

    /// Lifetime billed spend per campaign: the sum of billed records' charges.
    public func billedSpendByCampaign() throws(StoreError) -> [CampaignID: Nanos] {
        do {
            return try pool.read { db in
                var spend: [CampaignID: Nanos] = [:]
                for row in try Row.fetchAll(
                    db, sql: "SELECT campaign_id, SUM(charge_nanos) FROM ledger WHERE billed = 1 GROUP BY campaign_id")
                {
                    spend[CampaignID(unchecked: row[0])] = Nanos(row[1])
                }
                return spend
            }
        } catch { throw SQLiteCampaignStore.map(error) }
    }

    /// Every billed charge with its campaign and time, for events at or after `since`.
    public func billedCharges(since: Instant) throws(StoreError) -> [(campaign: CampaignID, time: Instant, charge: Nanos)] {
        do {
            return try pool.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT campaign_id, event_time_ms, charge_nanos FROM ledger WHERE billed = 1 AND charge_nanos > 0 AND event_time_ms >= ?
                        """, arguments: [since.millisecondsSinceEpoch]
                ).map {
                    (CampaignID(unchecked: $0[0]), Instant(millisecondsSinceEpoch: $0[1]), Nanos($0[2]))
                }
            }
        } catch { throw SQLiteCampaignStore.map(error) }
    }

    /// The identity of every event recorded at or after `since`, with its time.
    public func recentEvents(since: Instant) throws(StoreError) -> [RecordedEvent] {
        do {
            return try pool.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT kind, impression_id, prefetch, event_time_ms FROM ledger WHERE event_time_ms >= ?",
                    arguments: [since.millisecondsSinceEpoch]
                )
                .compactMap { row in
                    (row[0] as String?).flatMap(BeaconKind.init(rawValue:)).map {
                        RecordedEvent(kind: $0, impressionID: row[1], prefetch: row[2], time: Instant(millisecondsSinceEpoch: row[3]))
                    }
                }
            }
        } catch { throw SQLiteCampaignStore.map(error) }
    }

    /// How many records the ledger holds.
    public func count(chain: String?) throws(StoreError) -> Int {
        guard isOwnChain(chain) else { return 0 }
        do { return try pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM ledger") ?? 0 } } catch {
            throw SQLiteCampaignStore.map(error)
        }
    }
}

extension SQLiteLedgerStore {
    /// Delivery by campaign and UTC day (and by `detail`), from every record with an event
    /// at or after `since` and before `until`.
    public func delivery(since: Instant? = nil, until: Instant? = nil, detail: DeliveryDetail = .none) throws(StoreError)
        -> [DeliveryRow]
    {
        try deliveryRows(
            """
            SELECT campaign_id, date(event_time_ms / 1000, 'unixepoch') AS day, \(LedgerSQL.detailColumn(detail)), kind,
                   reason, billed, COUNT(*), SUM(charge_nanos)
            FROM ledger WHERE event_time_ms >= ? AND event_time_ms < ?
            GROUP BY campaign_id, day, detail, kind, reason, billed ORDER BY campaign_id, day, detail
            """, [since?.millisecondsSinceEpoch ?? Int64.min, until?.millisecondsSinceEpoch ?? Int64.max], detail: detail)
    }

    public func delivery(of campaigns: [CampaignID]) throws(StoreError) -> [DeliveryRow] {
        guard !campaigns.isEmpty else { return [] }
        return try deliveryRows(
            """
            SELECT campaign_id, 'all', NULL, kind, reason, billed, COUNT(*), SUM(charge_nanos) FROM ledger
            WHERE campaign_id IN (\(Array(repeating: "?", count: campaigns.count).joined(separator: ", ")))
            GROUP BY campaign_id, kind, reason, billed ORDER BY campaign_id
            """, StatementArguments(campaigns.map(\.rawValue)), detail: .none)
    }

    /// Rows from `sql`'s counts: campaign, day, detail, kind, reason, billed, count, charge.
    private func deliveryRows(_ sql: String, _ arguments: StatementArguments, detail: DeliveryDetail) throws(StoreError) -> [DeliveryRow] {
        do {
            return try pool.read { db in
                DeliveryRow.rows(
                    try Row.fetchAll(db, sql: sql, arguments: arguments).map {
                        (
                            campaign: $0[0], day: $0[1], detail: $0[2], kind: $0[3], reason: $0[4], billed: $0[5], count: $0[6],
                            charge: $0[7]
                        )
                    }, detail: detail)
            }
        } catch { throw SQLiteCampaignStore.map(error) }
    }
}
