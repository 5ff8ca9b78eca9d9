import Foundation
import GRDB
import GRDBSQLite
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
    /// order, straight through SQLite's C API: this runs for every beacon, and GRDB's
    /// generic `StatementArguments` cost more than the insert itself. Text is copied by
    /// SQLite (`SQLITE_TRANSIENT`), so nothing needs to outlive the call.
    ///
    /// GRDB keeps these bindings: `statement` must have had its arguments set once
    /// (`prepareForRawBinding`), after which `execute()` only resets it, and a reset keeps
    /// bindings. Every binding's result is checked: one refused would leave the previous
    /// record's value in place.
    static func bind(_ record: LedgerRecord, to statement: Statement) throws(StoreError) {
        let handle = statement.sqliteStatement
        // A statement that ran keeps refusing new bindings until it is reset.
        sqlite3_reset(handle)
        for (offset, field) in LedgerField.allCases.enumerated() {
            let index = CInt(offset + 1)
            let code: CInt
            if field == .eventTime {
                code = sqlite3_bind_int64(handle, index, record.event.eventTime.millisecondsSinceEpoch)
            } else {
                switch field.value(in: record) {
                case .integer(let number): code = sqlite3_bind_int64(handle, index, number)
                case .boolean(let flag): code = sqlite3_bind_int64(handle, index, flag ? 1 : 0)
                case .null: code = sqlite3_bind_null(handle, index)
                case .string(var text):
                    let asBlob = field == .requestID
                    code = text.withUTF8 { bytes in
                        // A non-null pointer even for "" (a null one would bind NULL).
                        let base = bytes.baseAddress ?? UnsafePointer(bitPattern: 1)!
                        if asBlob { return sqlite3_bind_blob(handle, index, base, CInt(bytes.count), sqliteTransient) }
                        return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                            sqlite3_bind_text(handle, index, $0, CInt(bytes.count), sqliteTransient)
                        }
                    }
                }
            }
            if code != SQLITE_OK { throw StoreError(.database, "could not bind ledger column \(column(field)) (SQLite code \(code))") }
        }
    }

    /// Marks `statement`'s arguments as set and valid for GRDB, so that `execute()` runs
    /// it with whatever `bind(_:to:)` bound. Cheap after the first call.
    static func prepareForRawBinding(_ statement: Statement) {
        if statement.arguments.isEmpty {
            statement.setUncheckedArguments(StatementArguments(Array(repeating: DatabaseValue.null, count: LedgerField.allCases.count)))
        }
    }

    /// SQLite's "copy the bytes now" destructor.
    private static let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    private static func corrupt(_ field: LedgerField, _ row: Row) -> StoreError {
        StoreError(.database, "ledger record \(row["seq"] as Int64? ?? 0): column \(column(field)) holds a value of the wrong type")
    }
}
