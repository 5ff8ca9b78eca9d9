import VickreyCore
import VickreyWire

/// The ledger's JSON lines export, derived from `LedgerField`: the contract's field names,
/// in its order (the CSV export is `LedgerCSV`). Records read back identical, and the
/// reader is as strict as the format: a record that would read differently in another
/// parser (a repeated key, a value of another type, a number written as `341.0`, an
/// empty reason, an unknown field) is refused.
public enum LedgerExport {
    public static let columns = LedgerField.allCases.map(\.rawValue)

    /// One record as a JSON object on one line (no trailing newline), written with the
    /// wire layer's `JSONWriter` (the same escaping as every other JSON the server writes).
    public static func jsonLine(_ record: LedgerRecord) -> String {
        var out = JSONWriter(capacity: 640)
        out.beginObject()
        for field in LedgerField.allCases {
            let value = field.value(in: record)
            if field.isOmittedWhenNull, value == .null { continue }
            out.key(named: field.rawValue)
            switch value {
            case .integer(let value): out.integer(value)
            case .boolean(let value): out.bool(value)
            case .string(let value): out.string(value)
            case .null: out.null()
            }
        }
        out.endObject()
        return out.text
    }

    /// Parses one JSON line strictly; throws naming the field at fault.
    /// `allowUnknownFields` accepts (and ignores) keys the format does not define.
    public static func parse(jsonLine line: String, allowUnknownFields: Bool = false) throws(LedgerFormatError) -> LedgerRecord {
        var reader = JSONReader(Array(line.utf8))
        var values: [LedgerField: LedgerValue] = [:]
        do {
            try reader.readObject { reader, key throws(FieldError) in
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
}
