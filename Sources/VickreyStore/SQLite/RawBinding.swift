import GRDB
import GRDBSQLite

/// A statement parameter bound straight through SQLite's C API (`Statement.bindRaw`).
enum RawValue {
    case integer(Int64)
    case null
    case text(String)
    /// Text kept as its exact UTF-8 bytes, NULs included (GRDB binds text only up to a NUL).
    case bytes(String)

    /// `text`, or NULL for nil.
    static func text(_ value: String?) -> RawValue { value.map { .text($0) } ?? .null }
    /// `integer`, or NULL for nil.
    static func integer(_ value: Int64?) -> RawValue { value.map { .integer($0) } ?? .null }
}

extension Statement {
    /// Binds `values` to the statement's parameters in order, straight through SQLite's C
    /// API, for rows written by the thousand (every beacon's ledger record, every imported
    /// campaign's rows), where GRDB's generic `StatementArguments` cost more than the insert
    /// itself. Text is copied by SQLite (`SQLITE_TRANSIENT`), so nothing needs to outlive the
    /// call. `name(index)` names the parameter in the error when SQLite refuses one: every
    /// binding is checked, since one refused would leave the previous row's value in place.
    ///
    /// GRDB keeps these bindings: `execute()` without arguments only resets the statement,
    /// and a reset keeps bindings, once GRDB takes the arguments as set
    /// (`prepareForRawBinding`).
    func bindRaw(_ values: [RawValue], name: (Int) -> String) throws(StoreError) {
        prepareForRawBinding()
        let handle = sqliteStatement
        // A statement that ran (or failed) refuses new bindings until it is reset; the
        // reset repeats the last failure's code, which the caller has already seen.
        sqlite3_reset(handle)
        for (offset, value) in values.enumerated() {
            let index = CInt(offset + 1)
            let code: CInt
            switch value {
            case .integer(let number): code = sqlite3_bind_int64(handle, index, number)
            case .null: code = sqlite3_bind_null(handle, index)
            case .text(var text), .bytes(var text):
                let asBlob = if case .bytes = value { true } else { false }
                code = text.withUTF8 { bytes in
                    // A non-null pointer even for "" (a null one would bind NULL).
                    let base = bytes.baseAddress ?? UnsafePointer(bitPattern: 1)!
                    if asBlob { return sqlite3_bind_blob(handle, index, base, CInt(bytes.count), sqliteTransient) }
                    return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                        sqlite3_bind_text(handle, index, $0, CInt(bytes.count), sqliteTransient)
                    }
                }
            }
            if code != SQLITE_OK { throw StoreError(.database, "could not bind \(name(offset)) (SQLite code \(code))") }
        }
    }

    /// Marks the statement's arguments as set and valid for GRDB, so that `execute()` runs
    /// it with whatever `bindRaw` bound. Cheap after the first call.
    private func prepareForRawBinding() {
        if arguments.isEmpty {
            let count = Int(sqlite3_bind_parameter_count(sqliteStatement))
            setUncheckedArguments(StatementArguments(Array(repeating: DatabaseValue.null, count: count)))
        }
    }
}

/// SQLite's "copy the bytes now" destructor.
private let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
