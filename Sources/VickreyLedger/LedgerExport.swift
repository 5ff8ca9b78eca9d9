import Foundation
import VickreyCore
import VickreyWire

/// The ledger's export formats: JSON lines (the contract's field names, in its order)
/// and CSV with the same columns. JSON lines read back into identical records.
public enum LedgerExport {
    public static let columns = [
        "seq", "kind", "billed", "reason", "impression_id", "request_id", "campaign_id", "advertiser_id", "creative_id",
        "placement_id", "pricing", "clearing_ecpm_micros", "charge_nanos", "event_time", "prev_hash", "hash", "kid", "sig",
    ]

    /// One record as a JSON object on one line (no trailing newline), written with the
    /// wire layer's `JSONWriter` (the same escaping as every other JSON the server writes).
    public static func jsonLine(_ record: LedgerRecord) -> String {
        let e = record.event
        var out = JSONWriter(capacity: 640)
        out.raw("{"); out.key("seq"); out.integer(record.seq)
        out.comma(); out.key("kind"); out.string(e.kind.rawValue)
        out.comma(); out.key("billed"); out.bool(e.billed)
        out.comma(); out.key("reason"); out.optionalString(e.reason)
        out.comma(); out.key("impression_id"); out.string(e.impressionID)
        out.comma(); out.key("request_id"); out.string(e.requestID)
        out.comma(); out.key("campaign_id"); out.string(e.campaignID.rawValue)
        out.comma(); out.key("advertiser_id"); out.string(e.advertiserID.rawValue)
        out.comma(); out.key("creative_id"); out.string(e.creativeID.rawValue)
        out.comma(); out.key("placement_id"); out.string(e.placementID.rawValue)
        out.comma(); out.key("pricing"); out.string(e.pricing.rawValue)
        out.comma(); out.key("clearing_ecpm_micros"); out.integer(e.clearingECPM.value)
        out.comma(); out.key("charge_nanos"); out.integer(e.charge.value)
        out.comma(); out.key("event_time"); out.string(e.eventTime.rfc3339Milliseconds)
        out.comma(); out.key("prev_hash"); out.string(record.prevHash)
        out.comma(); out.key("hash"); out.string(record.hash)
        out.comma(); out.key("kid"); out.string(record.keyID)
        out.comma(); out.key("sig"); out.string(record.signature)
        out.raw("}")
        return String(decoding: out.bytes, as: UTF8.self)
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
}

/// A JSON line that is not a ledger record, naming the field at fault.
public struct LedgerFormatError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
