import Foundation
import GRDB
import VickreyCore
import VickreyLedger

/// A row of the `ledger` table, mapped by column name from the record's one field
/// declaration (`LedgerField`): the columns are the fields' names, but for `event_time`,
/// kept as `event_time_ms` (an integer, for time ranges), and `request_id`, kept as its
/// exact UTF-8 bytes (GRDB binds text only up to a NUL; the id is the one field a client
/// chooses). A new field is a new column here with no other change.
struct LedgerRow: FetchableRecord {
    var record: LedgerRecord

    static func column(_ field: LedgerField) -> String { field == .eventTime ? "event_time_ms" : field.rawValue }

    static let columns = LedgerField.allCases.map(column).joined(separator: ", ")
    static let selectSQL = "SELECT \(columns) FROM ledger"
    /// Appends a record unless one of the same kind and impression id (a prefetch apart) is
    /// there already (then it changes nothing, and the caller sees no row changed).
    static let appendSQL =
        "INSERT INTO ledger (\(columns)) VALUES (\(Array(repeating: "?", count: LedgerField.allCases.count).joined(separator: ", ")))"
        + " ON CONFLICT (kind, impression_id, prefetch) DO NOTHING"

    init(row: Row) throws {
        var values: [LedgerField: LedgerValue] = [:]
        for field in LedgerField.allCases {
            let value: DatabaseValue = row[Self.column(field)]
            switch (field, field.shape) {
            case (.eventTime, _):
                guard case .int64(let milliseconds) = value.storage else { throw Self.corrupt(field, row) }
                values[field] = .string(Instant(millisecondsSinceEpoch: milliseconds).rfc3339Milliseconds)
            case (_, .integer):
                guard case .int64(let number) = value.storage else { throw Self.corrupt(field, row) }
                values[field] = .integer(number)
            case (_, .optionalInteger):
                switch value.storage {
                case .null: values[field] = .null
                case .int64(let number): values[field] = .integer(number)
                default: throw Self.corrupt(field, row)
                }
            case (_, .boolean):
                guard case .int64(let flag) = value.storage else { throw Self.corrupt(field, row) }
                values[field] = .boolean(flag != 0)
            case (_, .string), (_, .optionalString):
                switch value.storage {
                case .null: values[field] = .null
                case .string(let text): values[field] = .string(text)
                case .blob(let bytes):
                    guard let text = String(validating: bytes, as: UTF8.self) else { throw Self.corrupt(field, row) }
                    values[field] = .string(text)
                default: throw Self.corrupt(field, row)
                }
            }
        }
        do { record = try LedgerRecord(values: values) } catch {
            throw StoreError(.database, "ledger record \(row["seq"] as Int64? ?? 0) does not read back: \(error)")
        }
    }

    /// Binds `record` to `statement`'s parameters (made from `appendSQL`), in `columns`
    /// order, straight through SQLite's C API (`Statement.bindRaw`): this runs for every
    /// beacon. `request_id` is bound as its exact bytes.
    static func bind(_ record: LedgerRecord, to statement: Statement) throws(StoreError) {
        let values = LedgerField.allCases.map { field -> RawValue in
            if field == .eventTime { return .integer(record.event.eventTime.millisecondsSinceEpoch) }
            switch field.value(in: record) {
            case .integer(let number): return .integer(number)
            case .boolean(let flag): return .integer(flag ? 1 : 0)
            case .null: return .null
            case .string(let text): return field == .requestID ? .bytes(text) : .text(text)
            }
        }
        try statement.bindRaw(values) { "ledger column \(column(LedgerField.allCases[$0]))" }
    }

    private static func corrupt(_ field: LedgerField, _ row: Row) -> StoreError {
        StoreError(.database, "ledger record \(row["seq"] as Int64? ?? 0): column \(column(field)) holds a value of the wrong type")
    }
}
