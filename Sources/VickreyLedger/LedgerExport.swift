import Foundation
import VickreyCore

/// The ledger's export formats: JSON lines (the contract's field names, in its order)
/// and CSV with the same columns. JSON lines read back into identical records.
public enum LedgerExport {
    public static let columns = [
        "seq", "kind", "billed", "reason", "impression_id", "request_id", "campaign_id", "advertiser_id", "creative_id",
        "placement_id", "pricing", "clearing_ecpm_micros", "charge_nanos", "event_time", "prev_hash", "hash", "kid", "sig",
    ]

    /// One record as a JSON object on one line (no trailing newline).
    public static func jsonLine(_ record: LedgerRecord) -> String {
        let e = record.event
        var out = "{"
        func string(_ key: String, _ value: String?, last: Bool = false) {
            out += "\"\(key)\":" + (value.map(quoted) ?? "null") + (last ? "" : ",")
        }
        func raw(_ key: String, _ value: String) { out += "\"\(key)\":\(value)," }
        raw("seq", String(record.seq))
        string("kind", e.kind.rawValue)
        raw("billed", e.billed ? "true" : "false")
        string("reason", e.reason)
        string("impression_id", e.impressionID)
        string("request_id", e.requestID)
        string("campaign_id", e.campaignID.rawValue)
        string("advertiser_id", e.advertiserID.rawValue)
        string("creative_id", e.creativeID.rawValue)
        string("placement_id", e.placementID.rawValue)
        string("pricing", e.pricing.rawValue)
        raw("clearing_ecpm_micros", String(e.clearingECPM.value))
        raw("charge_nanos", String(e.charge.value))
        string("event_time", e.eventTime.rfc3339Milliseconds)
        string("prev_hash", record.prevHash)
        string("hash", record.hash)
        string("kid", record.keyID)
        string("sig", record.signature, last: true)
        return out + "}"
    }

    public static let csvHeader = columns.joined(separator: ",")

    public static func csvLine(_ record: LedgerRecord) -> String {
        let e = record.event
        let values = [
            String(record.seq), e.kind.rawValue, e.billed ? "true" : "false", e.reason ?? "", e.impressionID, e.requestID,
            e.campaignID.rawValue, e.advertiserID.rawValue, e.creativeID.rawValue, e.placementID.rawValue, e.pricing.rawValue,
            String(e.clearingECPM.value), String(e.charge.value), e.eventTime.rfc3339Milliseconds, record.prevHash, record.hash,
            record.keyID, record.signature,
        ]
        return values.map { value in
            value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : value
        }.joined(separator: ",")
    }

    /// Parses one JSON line; throws naming the field at fault.
    public static func parse(jsonLine line: String) throws -> LedgerRecord {
        let document: Document
        do { document = try JSONDecoder().decode(Document.self, from: Data(line.utf8)) } catch let error as DecodingError {
            throw LedgerFormatError(describe(error))
        }
        func id<T: ValidatedIdentifier>(_ value: String, _ field: String) throws -> T {
            guard let id = T(value) else { throw LedgerFormatError("\(field): '\(value)' is not a valid id") }
            return id
        }
        guard let kind = BeaconKind(rawValue: document.kind) else { throw LedgerFormatError("kind: must be impression or click") }
        guard let pricing = Pricing(rawValue: document.pricing) else { throw LedgerFormatError("pricing: must be cpm or cpc") }
        guard let time = Instant(canonicalRFC3339Milliseconds: document.event_time) else {
            throw LedgerFormatError("event_time: must be YYYY-MM-DDTHH:MM:SS.mmmZ")
        }
        let event = LedgerEvent(
            kind: kind, billed: document.billed, reason: document.reason, impressionID: document.impression_id,
            requestID: document.request_id, campaignID: try id(document.campaign_id, "campaign_id"),
            advertiserID: try id(document.advertiser_id, "advertiser_id"), creativeID: try id(document.creative_id, "creative_id"),
            placementID: try id(document.placement_id, "placement_id"), pricing: pricing,
            clearingECPM: Micros(document.clearing_ecpm_micros), charge: Nanos(document.charge_nanos), eventTime: time
        )
        return LedgerRecord(seq: document.seq, event: event, prevHash: document.prev_hash, hash: document.hash, keyID: document.kid, signature: document.sig)
    }

    private struct Document: Decodable {
        var seq: Int64
        var kind: String
        var billed: Bool
        var reason: String?
        var impression_id: String
        var request_id: String
        var campaign_id: String
        var advertiser_id: String
        var creative_id: String
        var placement_id: String
        var pricing: String
        var clearing_ecpm_micros: Int64
        var charge_nanos: Int64
        var event_time: String
        var prev_hash: String
        var hash: String
        var kid: String
        var sig: String
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "\(key.stringValue): missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            "\(context.codingPath.map(\.stringValue).joined(separator: ".")): wrong type"
        case .dataCorrupted: "not valid JSON"
        @unknown default: "not a ledger record"
        }
    }

    private static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

/// A JSON line that is not a ledger record, naming the field at fault.
public struct LedgerFormatError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
