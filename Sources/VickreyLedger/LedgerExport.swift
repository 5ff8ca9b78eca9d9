import VickreyCore
import VickreyWire

/// The ledger's export formats, both derived from `LedgerField`: JSON lines (the
/// contract's field names, in its order) and CSV with the same columns. Both read back
/// into identical records, and both readers are as strict as the format: a record that
/// would read differently in another parser (a repeated key, a value of another type,
/// a number written as `341.0`, an empty reason, an unknown field) is refused.
public enum LedgerExport {
    public static let columns = LedgerField.allCases.map(\.rawValue)

    /// One record as a JSON object on one line (no trailing newline), written with the
    /// wire layer's `JSONWriter` (the same escaping as every other JSON the server writes).
    public static func jsonLine(_ record: LedgerRecord) -> String {
        var out = JSONWriter(capacity: 640)
        out.raw("{")
        for field in LedgerField.allCases {
            let value = field.value(in: record)
            if field.isOmittedWhenNull, value == .null { continue }
            if field != .seq { out.comma() }
            out.key(named: field.rawValue)
            switch value {
            case .integer(let value): out.integer(value)
            case .boolean(let value): out.bool(value)
            case .string(let value): out.string(value)
            case .null: out.raw("null")
            }
        }
        out.raw("}")
        return String(decoding: out.bytes, as: UTF8.self)
    }

    /// Parses one JSON line strictly; throws naming the field at fault.
    /// `allowUnknownFields` accepts (and ignores) keys the format does not define.
    public static func parse(jsonLine line: String, allowUnknownFields: Bool = false) throws(LedgerFormatError) -> LedgerRecord {
        var reader = JSONReader(Array(line.utf8))
        var values: [LedgerField: LedgerValue] = [:]
        do {
            var seen = Set<String>()
            try reader.readObject { reader, key throws(FieldError) in
                guard seen.insert(key).inserted else { throw reader.fieldError("appears twice in the record") }
                guard let field = LedgerField(rawValue: key) else {
                    if allowUnknownFields { return try reader.skipValue() }
                    throw reader.fieldError("is not a ledger field (pass --allow-unknown-fields to ignore fields added later)")
                }
                values[field] = try readValue(&reader, as: field.shape)
                if field.isOmittedWhenNull, values[field] == .null {
                    throw reader.fieldError("must be left out when the record has none, not null")
                }
            }
            try reader.expectEnd()
        } catch  where error.field == nil && !error.message.hasPrefix("not valid JSON") {
            throw LedgerFormatError(field: nil, "the line is not a JSON object")
        } catch {
            throw LedgerFormatError(field: error.field, error.message)
        }
        return try LedgerRecord(values: values)
    }

    private static func readValue(_ reader: inout JSONReader, as shape: LedgerField.Shape) throws(FieldError) -> LedgerValue {
        switch shape {
        case .integer:
            let text = try reader.readNumber()
            guard let value = Int64(text), String(value) == text else {
                throw reader.fieldError(
                    "must be an integer written in canonical form (no fraction, exponent, sign of zero or leading zeros), not \(text)")
            }
            return .integer(value)
        case .boolean:
            return .boolean(try reader.readBool())
        case .string:
            return .string(try reader.readString(maximumBytes: 4_096))
        case .optionalString:
            if try reader.readNull() { return .null }
            return .string(try reader.readString(maximumBytes: 4_096))
        case .optionalInteger:
            if try reader.readNull() { return .null }
            return try readValue(&reader, as: .integer)
        }
    }

    public static let csvHeader = columns.joined(separator: ",")

    /// One record as a CSV row: RFC 4180 quoting (a value with a comma, quote or line
    /// break is quoted, quotes doubled); booleans as `true`/`false`; null as an empty cell.
    public static func csvLine(_ record: LedgerRecord) -> String {
        LedgerField.allCases.map { field in
            let value = field.value(in: record).text
            return value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + value.replacing("\"", with: "\"\"") + "\"" : value
        }.joined(separator: ",")
    }

    /// Parses one CSV row (its cells already split) under `csvHeader`. An empty cell is
    /// null for `reason` (which is never an empty string) and the empty string elsewhere.
    /// An export written before `server_id` existed has one column fewer; `fields` says
    /// which columns the file has (`LedgerCSVReader.fields`).
    public static func parse(csvCells cells: [String], fields: [LedgerField] = LedgerField.allCases) throws(LedgerFormatError)
        -> LedgerRecord
    {
        guard cells.count == fields.count else {
            throw LedgerFormatError(field: nil, "has \(cells.count) cells; a ledger row has \(fields.count)")
        }
        var values: [LedgerField: LedgerValue] = [:]
        for (field, cell) in zip(fields, cells) {
            switch field.shape {
            case .integer:
                guard let value = Int64(cell), String(value) == cell else {
                    throw LedgerFormatError(field, "must be an integer, not '\(cell)'")
                }
                values[field] = .integer(value)
            case .boolean:
                guard cell == "true" || cell == "false" else { throw LedgerFormatError(field, "must be true or false, not '\(cell)'") }
                values[field] = .boolean(cell == "true")
            case .string: values[field] = .string(cell)
            case .optionalString: values[field] = cell.isEmpty ? .null : .string(cell)
            case .optionalInteger:
                guard !cell.isEmpty else {
                    values[field] = .null
                    continue
                }
                guard let value = Int64(cell), String(value) == cell else {
                    throw LedgerFormatError(field, "must be an integer, not '\(cell)'")
                }
                values[field] = .integer(value)
            }
        }
        return try LedgerRecord(values: values)
    }
}

/// Reads a CSV export (RFC 4180: quoted cells may hold commas, quotes and line breaks)
/// row by row, checking the header first.
public struct LedgerCSVReader {
    private let bytes: [UInt8]
    private var position = 0
    /// The 1-based line where the row last returned started.
    public private(set) var line = 1
    private var nextLine = 1

    /// The columns of this file: every field; every field but the experiment's, in an
    /// export written before experiments; and neither those nor `server_id` before fleets.
    public private(set) var fields = LedgerField.allCases

    public init(_ bytes: [UInt8]) throws(LedgerFormatError) {
        self.bytes = bytes
        let withoutExperiment = LedgerField.allCases.filter { !LedgerField.experimentFields.contains($0) }
        let withoutServer = LedgerField.allCases.filter { !$0.isOmittedWhenNull }
        switch try nextCells() {
        case LedgerExport.columns?: fields = LedgerField.allCases
        case withoutExperiment.map(\.rawValue)?: fields = withoutExperiment
        case withoutServer.map(\.rawValue)?: fields = withoutServer
        default: throw LedgerFormatError(field: nil, "line 1 is not the ledger's CSV header (\(LedgerExport.csvHeader))")
        }
    }

    /// Whether `bytes` start like a CSV export (its header) rather than JSON lines.
    public static func looksLikeCSV(_ bytes: [UInt8]) -> Bool {
        bytes.starts(with: Array(LedgerField.allCases.prefix(3).map(\.rawValue).joined(separator: ",").utf8))
    }

    /// The next record, or nil at the end.
    public mutating func next() throws(LedgerFormatError) -> LedgerRecord? {
        while let cells = try nextCells() {
            if cells == [""] { continue }  // a blank line
            return try LedgerExport.parse(csvCells: cells, fields: fields)
        }
        return nil
    }

    private mutating func nextCells() throws(LedgerFormatError) -> [String]? {
        guard position < bytes.count else { return nil }
        line = nextLine
        var cells: [String] = []
        var cell: [UInt8] = []
        var quoted = false
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            if quoted {
                if byte == UInt8(ascii: "\"") {
                    if position < bytes.count, bytes[position] == UInt8(ascii: "\"") {
                        cell.append(byte)
                        position += 1
                    } else {
                        quoted = false
                    }
                } else {
                    if byte == 0x0A { nextLine += 1 }
                    cell.append(byte)
                }
                continue
            }
            switch byte {
            case UInt8(ascii: ","):
                cells.append(try text(cell))
                cell.removeAll(keepingCapacity: true)
            case UInt8(ascii: "\""):
                guard cell.isEmpty else { throw LedgerFormatError(field: nil, "line \(line): a quote inside an unquoted cell") }
                quoted = true
            case 0x0A:
                nextLine += 1
                if cell.last == 0x0D { cell.removeLast() }
                cells.append(try text(cell))
                return cells
            default:
                cell.append(byte)
            }
        }
        guard !quoted else { throw LedgerFormatError(field: nil, "line \(line): a quoted cell is not closed") }
        cells.append(try text(cell))
        return cells
    }

    private func text(_ bytes: [UInt8]) throws(LedgerFormatError) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else { throw LedgerFormatError(field: nil, "line \(line): not UTF-8") }
        return text
    }
}
