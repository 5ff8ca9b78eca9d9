import VickreyCore

/// The ledger's CSV export (RFC 4180), derived from `LedgerField`: the header is the field
/// names in order, each record one row, every line ending in CRLF. A cell holding a comma,
/// a quote or a line break is quoted, quotes doubled; `billed` is `true` or `false`;
/// integers as in JSON; an absent value (a null `reason`, a record without `server_id`)
/// is an empty cell.
///
/// **Cells a spreadsheet would run.** A string cell whose value begins with `=`, `+`, `-`,
/// `@`, a tab or a carriage return (a formula to Excel, LibreOffice and Google Sheets), or
/// with `'`, is written with one `'` before it; a reader of a CRLF export takes one `'` off
/// the front of every string cell that begins with it. So a billing clerk's spreadsheet
/// shows text, not a formula, and the value read back is exactly the value signed.
/// Exports written before (their header ends in LF) neither add nor remove one.
public enum LedgerCSV {
    public static let header = LedgerExport.columns.joined(separator: ",")
    /// What ends each line, the header's included. The reader takes LF alone too.
    public static let lineEnding = "\r\n"
    /// What a neutralised cell starts with.
    static let formulaEscape = UInt8(ascii: "'")

    /// The whole export of `records`: the header and one row each, every line ended.
    public static func document(_ records: [LedgerRecord]) -> String {
        ([header] + records.map(line)).map { $0 + lineEnding }.joined()
    }

    /// One record's row (without its line ending).
    public static func line(_ record: LedgerRecord) -> String {
        LedgerField.allCases.map { field in
            let value = field.value(in: record)
            var text = value.text
            if case .string = value, needsEscape(text) { text = "'" + text }
            return text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + text.replacing("\"", with: "\"\"") + "\"" : text
        }.joined(separator: ",")
    }

    /// Whether a string cell's value must be written with `'` first.
    static func needsEscape(_ text: String) -> Bool {
        guard let first = text.utf8.first else { return false }
        return first == UInt8(ascii: "=") || first == UInt8(ascii: "+") || first == UInt8(ascii: "-") || first == UInt8(ascii: "@")
            || first == 0x09 || first == 0x0D || first == formulaEscape
    }

    /// Parses one row (its cells already split) whose columns are `fields`. An empty cell
    /// is null for `reason` (never an empty string) and the empty string elsewhere.
    /// `escaped`: the export neutralises formula cells (a CRLF export), so one leading `'`
    /// of a string cell is taken off.
    public static func parse(cells: [String], fields: [LedgerField] = LedgerField.allCases, escaped: Bool = true) throws(LedgerFormatError)
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
            case .string: values[field] = .string(try unescaped(cell, field, escaped))
            case .optionalString: values[field] = cell.isEmpty ? .null : .string(try unescaped(cell, field, escaped))
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

    /// A string cell's value: in an escaping export, one leading `'` off, and a cell that
    /// should have been escaped but was not is refused (it could run in a spreadsheet, and
    /// the writer never leaves one so).
    private static func unescaped(_ cell: String, _ field: LedgerField, _ escaped: Bool) throws(LedgerFormatError) -> String {
        guard escaped else { return cell }
        if cell.utf8.first == formulaEscape { return String(cell.dropFirst()) }
        if needsEscape(cell) {
            throw LedgerFormatError(field, "begins with a character a spreadsheet runs as a formula and is not written with ' before it")
        }
        return cell
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
    /// Whether the line last read ended in CRLF (rather than LF alone, or the end).
    private var lastLineEndedInCRLF = false

    /// The columns of this file: every field; every field but the experiment's, in an
    /// export written before experiments; and neither those nor `server_id` before fleets.
    public private(set) var fields = LedgerField.allCases
    /// Whether the file neutralises formula cells (its header ends in CRLF: see `LedgerCSV`).
    public private(set) var escapesFormulas = false

    public init(_ bytes: [UInt8]) throws(LedgerFormatError) {
        self.bytes = bytes
        let withoutExperiment = LedgerField.allCases.filter { !LedgerField.experimentFields.contains($0) }
        let withoutServer = LedgerField.allCases.filter { !$0.isOmittedWhenNull }
        let header = try nextCells()
        escapesFormulas = lastLineEndedInCRLF
        switch header {
        case LedgerExport.columns?: fields = LedgerField.allCases
        case withoutExperiment.map(\.rawValue)?: fields = withoutExperiment
        case withoutServer.map(\.rawValue)?: fields = withoutServer
        default: throw LedgerFormatError(field: nil, "line 1 is not the ledger's CSV header (\(LedgerCSV.header))")
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
            return try LedgerCSV.parse(cells: cells, fields: fields, escaped: escapesFormulas)
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
                lastLineEndedInCRLF = cell.last == 0x0D
                if lastLineEndedInCRLF { cell.removeLast() }
                cells.append(try text(cell))
                return cells
            default:
                cell.append(byte)
            }
        }
        guard !quoted else { throw LedgerFormatError(field: nil, "line \(line): a quoted cell is not closed") }
        lastLineEndedInCRLF = false
        cells.append(try text(cell))
        return cells
    }

    private func text(_ bytes: [UInt8]) throws(LedgerFormatError) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else { throw LedgerFormatError(field: nil, "line \(line): not UTF-8") }
        return text
    }
}
