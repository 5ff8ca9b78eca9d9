import Crypto
import Foundation
import VickreyCore
import VickreySigning

/// What happened, before it is placed in the chain: one impression or click, billed or
/// not. The ledger writer gives it a sequence number, chains and signs it.
public struct LedgerEvent: Hashable, Sendable {
    public var kind: BeaconKind
    public var billed: Bool
    /// Why the event was not billed (`daily_budget_exhausted`, `total_budget_exhausted`,
    /// `test`); nil when billed.
    public var reason: String?
    public var impressionID: String
    public var requestID: String
    public var campaignID: CampaignID
    public var advertiserID: AdvertiserID
    public var creativeID: CreativeID
    public var placementID: PlacementID
    public var pricing: Pricing
    public var clearingECPM: Micros
    /// What was charged, exactly: 0 when unbilled.
    public var charge: Nanos
    public var eventTime: Instant

    public init(
        kind: BeaconKind, billed: Bool, reason: String?, impressionID: String, requestID: String, campaignID: CampaignID,
        advertiserID: AdvertiserID, creativeID: CreativeID, placementID: PlacementID, pricing: Pricing, clearingECPM: Micros,
        charge: Nanos, eventTime: Instant
    ) {
        self.kind = kind
        self.billed = billed
        self.reason = reason
        self.impressionID = impressionID
        self.requestID = requestID
        self.campaignID = campaignID
        self.advertiserID = advertiserID
        self.creativeID = creativeID
        self.placementID = placementID
        self.pricing = pricing
        self.clearingECPM = clearingECPM
        self.charge = charge
        self.eventTime = eventTime
    }
}

/// One ledger record: an event with its place in the chain, its hash and its signature.
///
/// The bytes hashed and signed are `canonicalBytes` (defined in `docs/ledger.md`): every
/// field but `hash` and `sig`, one per line as `name=LENGTH:VALUE`. `hash` is the
/// lowercase hex SHA-256 of those bytes; `prevHash` is the previous record's `hash`
/// (64 zeros for the first); `sig` is the base64url Ed25519 signature of those bytes by
/// the key `kid`.
public struct LedgerRecord: Hashable, Sendable {
    public var seq: Int64
    public var event: LedgerEvent
    public var prevHash: String
    public var hash: String
    public var keyID: String
    public var signature: String

    public static let genesisHash = String(repeating: "0", count: 64)
    static let header = "vickrey-ledger-record-v1\n"

    public init(seq: Int64, event: LedgerEvent, prevHash: String, hash: String, keyID: String, signature: String) {
        self.seq = seq
        self.event = event
        self.prevHash = prevHash
        self.hash = hash
        self.keyID = keyID
        self.signature = signature
    }

    /// Chains and signs `event` as record `seq` after a record whose hash is `prevHash`.
    public static func seal(_ event: LedgerEvent, seq: Int64, prevHash: String, keyID: String, signingKey: Curve25519.Signing.PrivateKey) throws -> LedgerRecord {
        let bytes = canonicalBytes(seq: seq, event: event, prevHash: prevHash, keyID: keyID)
        let signature = try signingKey.signature(for: bytes)
        return LedgerRecord(
            seq: seq, event: event, prevHash: prevHash, hash: hexSHA256(bytes), keyID: keyID,
            signature: Base64URL.encode(Array(signature))
        )
    }

    /// The exact bytes hashed and signed (see `docs/ledger.md`).
    public var canonicalBytes: [UInt8] { Self.canonicalBytes(seq: seq, event: event, prevHash: prevHash, keyID: keyID) }

    static func canonicalBytes(seq: Int64, event: LedgerEvent, prevHash: String, keyID: String) -> [UInt8] {
        // The signed fields do not include `hash` and `sig`, so they may be left empty here.
        let record = LedgerRecord(seq: seq, event: event, prevHash: prevHash, hash: "", keyID: keyID, signature: "")
        var bytes = Array(header.utf8)
        bytes.reserveCapacity(512)
        for field in LedgerField.signed {
            let value = field.value(in: record).text
            bytes.append(contentsOf: field.rawValue.utf8)
            bytes.append(UInt8(ascii: "="))
            bytes.append(contentsOf: String(value.utf8.count).utf8)
            bytes.append(UInt8(ascii: ":"))
            bytes.append(contentsOf: value.utf8)
            bytes.append(UInt8(ascii: "\n"))
        }
        return bytes
    }

    static func hexSHA256(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in SHA256.hash(data: bytes) {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 15)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
