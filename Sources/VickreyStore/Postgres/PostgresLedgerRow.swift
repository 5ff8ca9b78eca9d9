import Foundation
import Logging
import PostgresNIO
import VickreyCore
import VickreyLedger

/// How a ledger record maps to a row of PostgreSQL's `ledger` table: the columns are the
/// fields of `LedgerField` (`event_time` kept as `event_time_ms`, `request_id` as bytes).
enum PostgresLedgerRow {
    static func column(_ field: LedgerField) -> String { field == .eventTime ? "event_time_ms" : field.rawValue }
    static let columns = LedgerField.allCases.map(column).joined(separator: ", ")

    static func select(_ rest: PostgresQuery) -> PostgresQuery { rest.prefixed("SELECT \(columns) FROM ledger") }

    /// One multi-row insert of `records` (each naming its chain) that skips (and does not
    /// return) an event already recorded by any chain; returns the inserted rows' seqs.
    ///
    /// Rows go in (kind, impression id) order, whatever their seqs: two servers' batches
    /// holding the same events then wait on each other's rows in the same order, so they
    /// queue instead of deadlocking.
    static func insert(_ records: [LedgerRecord]) throws -> PostgresQuery {
        let records = records.sorted {
            ($0.event.kind.rawValue, $0.event.impressionID) < ($1.event.kind.rawValue, $1.event.impressionID)
        }
        var binds = PostgresBindings(capacity: records.count * LedgerField.allCases.count)
        var tuples: [String] = []
        tuples.reserveCapacity(records.count)
        for record in records {
            var placeholders: [String] = []
            for field in LedgerField.allCases {
                switch (field, field.value(in: record)) {
                case (.eventTime, _): binds.append(record.event.eventTime.millisecondsSinceEpoch)
                case (.requestID, .string(let text)): try binds.append(Data(text.utf8))
                case (_, .integer(let number)): binds.append(number)
                case (_, .boolean(let flag)): binds.append(flag)
                case (_, .string(let text)): binds.append(text)
                case (_, .null): binds.appendNull()
                }
                placeholders.append("$\(binds.count)")
            }
            tuples.append("(\(placeholders.joined(separator: ", ")))")
        }
        return PostgresQuery(
            unsafeSQL: """
                INSERT INTO ledger (\(columns)) VALUES \(tuples.joined(separator: ", "))
                ON CONFLICT (kind, impression_id, prefetch) DO NOTHING RETURNING seq
                """, binds: binds)
    }

    /// The record a row holds, checked as strictly as an export line.
    static func record(_ row: PostgresRow) throws -> LedgerRecord {
        let cells = row.makeRandomAccess()
        var values: [LedgerField: LedgerValue] = [:]
        for (index, field) in LedgerField.allCases.enumerated() {
            let cell = cells[index]
            switch (field, field.shape) {
            case (.eventTime, _): values[field] = .string(Instant(millisecondsSinceEpoch: try cell.decode(Int64.self)).rfc3339Milliseconds)
            case (.requestID, _):
                guard let text = String(validating: try cell.decode(Data.self), as: UTF8.self) else {
                    throw StoreError(.database, "ledger record: request_id is not UTF-8")
                }
                values[field] = .string(text)
            case (_, .integer): values[field] = .integer(try cell.decode(Int64.self))
            case (_, .optionalInteger): values[field] = try cell.decode(Int64?.self).map(LedgerValue.integer) ?? .null
            case (_, .boolean): values[field] = .boolean(try cell.decode(Bool.self))
            case (_, .string), (_, .optionalString): values[field] = try cell.decode(String?.self).map(LedgerValue.string) ?? .null
            }
        }
        do { return try LedgerRecord(values: values) } catch {
            throw StoreError(.database, "ledger record \(values[.seq]?.text ?? "?") does not read back: \(error)")
        }
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        switch self {
        case .some(let value): try await transform(value)
        case .none: nil
        }
    }
}
