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
    static let insertSQL =
        "INSERT INTO ledger (\(columns)) VALUES (\(Array(repeating: "?", count: LedgerField.allCases.count).joined(separator: ", ")))"

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

    /// The statement arguments that write `record`, in `columns` order: plain
    /// `DatabaseValue`s (no boxing per field; this runs for every beacon).
    static func arguments(_ record: LedgerRecord) -> StatementArguments {
        var values: [DatabaseValue] = []
        values.reserveCapacity(LedgerField.allCases.count)
        for field in LedgerField.allCases {
            switch (field, field.value(in: record)) {
            case (.eventTime, _): values.append(record.event.eventTime.millisecondsSinceEpoch.databaseValue)
            case (.requestID, .string(let text)): values.append(Data(text.utf8).databaseValue)
            case (_, .integer(let number)): values.append(number.databaseValue)
            case (_, .boolean(let flag)): values.append(flag.databaseValue)
            case (_, .string(let text)): values.append(text.databaseValue)
            case (_, .null): values.append(.null)
            }
        }
        return StatementArguments(values)
    }

    private static func corrupt(_ field: LedgerField, _ row: Row) -> StoreError {
        StoreError(.database, "ledger record \(row["seq"] as Int64? ?? 0): column \(column(field)) holds a value of the wrong type")
    }
}
