import VickreyCore
import VickreySigning

/// The one declaration of a ledger record's fields: their names, order and JSON types.
/// The canonical bytes, the JSON line, the CSV row and both readers are derived from it,
/// so a field is added here and in `LedgerRecord`, and nowhere else.
///
/// Four fields may be absent, and are then left out of every form (not written as null):
/// `server_id` (the chain a fleet server writes; records of a single server's SQLite
/// ledger have none) and, together, `experiment`, `arm` and `unit_bucket` (the
/// experiment arm an ad was sold under). A record without them is written and signed
/// exactly as before they existed: format version 1, 2 with `server_id`, 3 with an
/// experiment.
public enum LedgerField: String, CaseIterable, Sendable {
    case seq, kind, billed, reason
    case impressionID = "impression_id"
    case requestID = "request_id"
    case campaignID = "campaign_id"
    case advertiserID = "advertiser_id"
    case creativeID = "creative_id"
    case placementID = "placement_id"
    case pricing
    case clearingECPM = "clearing_ecpm_micros"
    case charge = "charge_nanos"
    case eventTime = "event_time"
    case prevHash = "prev_hash"
    case hash, kid, sig
    case serverID = "server_id"
    case experiment, arm
    case unitBucket = "unit_bucket"

    /// The JSON type a field's value must have.
    public enum Shape: Sendable {
        case integer, boolean, string
        /// A non-empty string, or null.
        case optionalString
        /// An integer, or null.
        case optionalInteger
    }

    public var shape: Shape {
        switch self {
        case .seq, .clearingECPM, .charge: .integer
        case .billed: .boolean
        case .reason, .serverID, .experiment, .arm: .optionalString
        case .unitBucket: .optionalInteger
        default: .string
        }
    }

    /// Left out of a record that has no value for it (not written as null): `server_id`
    /// and the experiment's three fields.
    public var isOmittedWhenNull: Bool { self == .serverID || Self.experimentFields.contains(self) }

    /// Present together inside an experiment, absent together outside.
    public static let experimentFields: [LedgerField] = [.experiment, .arm, .unitBucket]

    /// Part of the bytes hashed and signed (all but `hash` and `sig`, which are computed from them).
    public var isSigned: Bool { self != .hash && self != .sig }

    /// The fields of the canonical bytes, in order.
    public static let signed = allCases.filter(\.isSigned)

    /// The field's value in `record`.
    public func value(in record: LedgerRecord) -> LedgerValue {
        let event = record.event
        let ad = event.ad
        return switch self {
        case .seq: .integer(record.seq)
        case .kind: .string(event.kind.rawValue)
        case .billed: .boolean(event.billed)
        case .reason: event.reason.map { .string($0.rawValue) } ?? .null
        case .impressionID: .string(ad.impressionID)
        case .requestID: .string(ad.requestID)
        case .campaignID: .string(ad.campaignID.rawValue)
        case .advertiserID: .string(ad.advertiserID.rawValue)
        case .creativeID: .string(ad.creativeID.rawValue)
        case .placementID: .string(ad.placementID.rawValue)
        case .pricing: .string(ad.pricing.rawValue)
        case .clearingECPM: .integer(ad.clearingECPM.value)
        case .charge: .integer(event.charge.value)
        case .eventTime: .string(event.eventTime.rfc3339Milliseconds)
        case .prevHash: .string(record.prevHash)
        case .hash: .string(record.hash)
        case .kid: .string(record.keyID)
        case .sig: .string(record.signature)
        case .serverID: record.serverID.map(LedgerValue.string) ?? .null
        case .experiment: ad.experiment.map { .string($0.experimentID.rawValue) } ?? .null
        case .arm: ad.experiment.map { .string($0.arm.rawValue) } ?? .null
        case .unitBucket: ad.experiment.map { .integer(Int64($0.bucket)) } ?? .null
        }
    }
}

/// A field's value as it is written: JSON integer, boolean, string or null.
public enum LedgerValue: Hashable, Sendable {
    case integer(Int64)
    case boolean(Bool)
    case string(String)
    case null

    /// The text of the value in the canonical bytes and in CSV: integers in decimal,
    /// booleans as `true`/`false`, strings as they are, null as nothing.
    public var text: String {
        switch self {
        case .integer(let value): String(value)
        case .boolean(let value): value ? "true" : "false"
        case .string(let value): value
        case .null: ""
        }
    }
}

extension LedgerRecord {
    /// Builds a record from one value per field, checking each one's type and syntax:
    /// what a reader of an export calls once it has the values. Throws naming the field.
    public init(values: [LedgerField: LedgerValue]) throws(LedgerFormatError) {
        var values = values
        for field in LedgerField.allCases where field.isOmittedWhenNull && values[field] == nil { values[field] = .null }
        let reader = FieldValues(values: values)
        let kindText = try reader.string(.kind)
        guard let kind = BeaconKind(rawValue: kindText) else {
            throw LedgerFormatError(
                .kind, "must be one of \(BeaconKind.allCases.map(\.rawValue).joined(separator: ", ")), not '\(kindText)'")
        }
        let pricingText = try reader.string(.pricing)
        guard let pricing = Pricing(rawValue: pricingText) else {
            throw LedgerFormatError(
                .pricing, "must be one of \(Pricing.allCases.map(\.rawValue).joined(separator: ", ")), not '\(pricingText)'")
        }
        let timeText = try reader.string(.eventTime)
        guard let time = Instant(canonicalRFC3339Milliseconds: timeText) else {
            throw LedgerFormatError(.eventTime, "must be YYYY-MM-DDTHH:MM:SS.mmmZ, not '\(timeText)'")
        }
        let billed = try reader.boolean(.billed)
        let reasonText = try reader.optionalString(.reason)
        if billed, let reasonText { throw LedgerFormatError(.reason, "must be null when billed is true, not '\(reasonText)'") }
        if !billed, reasonText == nil { throw LedgerFormatError(.reason, "must say why when billed is false") }
        let reason = try reasonText.map { text throws(LedgerFormatError) in
            guard let reason = UnbilledReason(rawValue: text) else {
                throw LedgerFormatError(
                    .reason,
                    "'\(text)' is not a reason the ledger records (\(UnbilledReason.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return reason
        }
        let seq = try reader.integer(.seq)
        guard seq >= 1 else { throw LedgerFormatError(.seq, "must be 1 or more") }
        let charge = try reader.integer(.charge)
        guard charge >= 0 else { throw LedgerFormatError(.charge, "must not be negative") }
        if !billed, charge != 0 { throw LedgerFormatError(.charge, "must be 0 when billed is false") }
        var event = LedgerEvent(
            kind: kind, billed: billed, reason: reason, impressionID: try reader.string(.impressionID),
            requestID: try reader.string(.requestID), campaignID: try reader.id(.campaignID), advertiserID: try reader.id(.advertiserID),
            creativeID: try reader.id(.creativeID), placementID: try reader.id(.placementID), pricing: pricing,
            clearingECPM: Micros(try reader.integer(.clearingECPM)), charge: Nanos(charge), eventTime: time
        )
        event.ad.experiment = try reader.experiment()
        let prevHash = try reader.hex(.prevHash)
        let hash = try reader.hex(.hash)
        let keyID = try reader.string(.kid)
        guard !keyID.isEmpty else { throw LedgerFormatError(.kid, "must not be empty") }
        let serverID = try reader.optionalString(.serverID)
        if let serverID, !LedgerRecord.isValidServerID(serverID) {
            throw LedgerFormatError(.serverID, "must be 1–64 characters from A-Z a-z 0-9 . _ -, not '\(serverID)'")
        }
        self.init(
            seq: seq, event: event, prevHash: prevHash, hash: hash, keyID: keyID, signature: try reader.string(.sig), serverID: serverID)
    }
}

/// Typed access to the values read for one record.
private struct FieldValues {
    let values: [LedgerField: LedgerValue]

    func value(_ field: LedgerField) throws(LedgerFormatError) -> LedgerValue {
        guard let value = values[field] else { throw LedgerFormatError(field, "missing") }
        return value
    }

    func string(_ field: LedgerField) throws(LedgerFormatError) -> String {
        guard case .string(let text) = try value(field) else { throw LedgerFormatError(field, "must be a string") }
        return text
    }

    func optionalString(_ field: LedgerField) throws(LedgerFormatError) -> String? {
        // A field left out when absent is read as null here (an explicit null was refused
        // by the reader); `reason` alone is written as null.
        let allowed = field.isOmittedWhenNull ? "a non-empty string, or left out when the record has none" : "null or a non-empty string"
        switch try value(field) {
        case .null: return nil
        case .string(let text) where !text.isEmpty: return text
        case .string: throw LedgerFormatError(field, "must be \(allowed), not \"\"")
        default: throw LedgerFormatError(field, "must be \(allowed)")
        }
    }

    /// The experiment fields: all three, or none.
    func experiment() throws(LedgerFormatError) -> ExperimentTag? {
        let id = try optionalString(.experiment)
        let arm = try optionalString(.arm)
        let bucket: Int64?
        switch try value(.unitBucket) {
        case .null: bucket = nil
        case .integer(let number): bucket = number
        default: throw LedgerFormatError(.unitBucket, "must be an integer or null")
        }
        guard let id, let arm, let bucket else {
            if id != nil || arm != nil || bucket != nil {
                throw LedgerFormatError(
                    id == nil ? .experiment : arm == nil ? .arm : .unitBucket, "experiment, arm and unit_bucket come together or not at all"
                )
            }
            return nil
        }
        guard let experimentID = ExperimentID(id) else { throw LedgerFormatError(.experiment, "'\(id)' is not a valid id") }
        guard let armName = ArmName(arm) else { throw LedgerFormatError(.arm, "'\(arm)' is not a valid arm name") }
        guard (0..<Int64(Experiment.buckets)).contains(bucket) else {
            throw LedgerFormatError(.unitBucket, "must be from 0 to \(Experiment.buckets - 1)")
        }
        return ExperimentTag(experimentID: experimentID, arm: armName, bucket: Int(bucket))
    }

    func integer(_ field: LedgerField) throws(LedgerFormatError) -> Int64 {
        guard case .integer(let number) = try value(field) else { throw LedgerFormatError(field, "must be an integer") }
        return number
    }

    func boolean(_ field: LedgerField) throws(LedgerFormatError) -> Bool {
        guard case .boolean(let flag) = try value(field) else { throw LedgerFormatError(field, "must be true or false") }
        return flag
    }

    func id<ID: ValidatedIdentifier>(_ field: LedgerField) throws(LedgerFormatError) -> ID {
        let text = try string(field)
        guard let id = ID(text) else { throw LedgerFormatError(field, "'\(text)' is not a valid id") }
        return id
    }

    /// 64 lowercase hex digits (a SHA-256).
    func hex(_ field: LedgerField) throws(LedgerFormatError) -> String {
        let text = try string(field)
        guard text.utf8.count == 64, text.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
            throw LedgerFormatError(field, "must be 64 lowercase hex digits")
        }
        return text
    }
}

/// A line of an export that is not a ledger record, naming the field at fault.
public struct LedgerFormatError: Error, CustomStringConvertible, Sendable {
    public var field: String?
    public var message: String
    public var description: String { field.map { "\($0): \(message)" } ?? message }

    init(_ field: LedgerField, _ message: String) {
        self.field = field.rawValue
        self.message = message
    }

    init(field: String?, _ message: String) {
        self.field = field
        self.message = message
    }
}

extension LedgerRecord {
    /// What the Fields table of `docs/ledger.md` forbids in a record that is otherwise well
    /// formed, naming the field: an impression id that is not 24 lowercase hex digits, a
    /// request id the API could never have signed (`RequestIDRule`), and a reason a chain
    /// of this kind never records. The verifier reports it as a problem of the record,
    /// whether the record came from an export or from the database.
    public var fieldProblem: String? {
        if !ImpressionID.isValid(event.impressionID) {
            return "impression_id must be 24 lowercase hex digits, not '\(event.impressionID)'"
        }
        if let problem = RequestIDRule.problem(event.requestID) { return "request_id \(problem)" }
        if let reason = event.reason, serverID == nil, !reason.isPossibleOutsideFleets {
            return "reason '\(reason.rawValue)' is only recorded by a fleet's chains, and this record has no server_id"
        }
        return nil
    }
}
