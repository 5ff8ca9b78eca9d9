import Crypto
import Foundation
import VickreyCore
import VickreySigning

/// What happened to a sold ad, before it is placed in the chain: one impression or
/// click, billed or not. The ledger writer gives it a sequence number, chains and signs it.
@dynamicMemberLookup
public struct LedgerEvent: Hashable, Sendable {
    /// The ad, as its beacon token carried it.
    public var ad: SoldAd
    public var kind: BeaconKind
    public var billed: Bool
    /// Why the event was not billed; nil when billed.
    public var reason: UnbilledReason?
    /// What was charged, exactly: 0 when unbilled.
    public var charge: Nanos
    public var eventTime: Instant

    public init(ad: SoldAd, kind: BeaconKind, billed: Bool, reason: UnbilledReason?, charge: Nanos, eventTime: Instant) {
        self.ad = ad
        self.kind = kind
        self.billed = billed
        self.reason = reason
        self.charge = charge
        self.eventTime = eventTime
    }

    /// An event from its fields one by one, as an export reader or a test has them.
    public init(
        kind: BeaconKind, billed: Bool, reason: UnbilledReason?, impressionID: String, requestID: String, campaignID: CampaignID,
        advertiserID: AdvertiserID, creativeID: CreativeID, placementID: PlacementID, pricing: Pricing, clearingECPM: Micros,
        charge: Nanos, eventTime: Instant
    ) {
        let ad = SoldAd(
            impressionID: impressionID, requestID: requestID, placementID: placementID, campaignID: campaignID,
            advertiserID: advertiserID, creativeID: creativeID, pricing: pricing, clearingECPM: clearingECPM
        )
        self.init(ad: ad, kind: kind, billed: billed, reason: reason, charge: charge, eventTime: eventTime)
    }

    /// The sold ad's fields read and written as the event's own (`event.campaignID`).
    public subscript<Value>(dynamicMember keyPath: WritableKeyPath<SoldAd, Value>) -> Value {
        get { ad[keyPath: keyPath] }
        set { ad[keyPath: keyPath] = newValue }
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
    /// The fleet server whose chain holds the record; nil in a single server's ledger.
    public var serverID: String?

    public static let genesisHash = String(repeating: "0", count: 64)
    /// The first line of the canonical bytes: version 1 for a record without `server_id`
    /// (every record written before fleets existed), version 2 with it, version 3 for a
    /// record sold inside an experiment (with or without `server_id`).
    static let header = "vickrey-ledger-record-v1\n"
    static let fleetHeader = "vickrey-ledger-record-v2\n"
    static let experimentHeader = "vickrey-ledger-record-v3\n"

    public init(
        seq: Int64, event: LedgerEvent, prevHash: String, hash: String, keyID: String, signature: String, serverID: String? = nil
    ) {
        self.serverID = serverID
        self.seq = seq
        self.event = event
        self.prevHash = prevHash
        self.hash = hash
        self.keyID = keyID
        self.signature = signature
    }

    /// Chains and signs `event` as record `seq` after a record whose hash is `prevHash`.
    public static func seal(
        _ event: LedgerEvent, seq: Int64, prevHash: String, keyID: String, serverID: String? = nil,
        signingKey: Curve25519.Signing.PrivateKey
    ) throws -> LedgerRecord {
        let bytes = canonicalBytes(seq: seq, event: event, prevHash: prevHash, keyID: keyID, serverID: serverID)
        let signature = try signingKey.signature(for: bytes)
        return LedgerRecord(
            seq: seq, event: event, prevHash: prevHash, hash: hexSHA256(bytes), keyID: keyID,
            signature: Base64URL.encode(Array(signature)), serverID: serverID
        )
    }

    /// A fleet server id: 1–64 characters from `A-Z a-z 0-9 . _ -`.
    public static func isValidServerID(_ text: String) -> Bool {
        (1...64).contains(text.utf8.count)
            && text.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                    UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                    true
                default: false
                }
            }
    }

    /// The exact bytes hashed and signed (see `docs/ledger.md`).
    public var canonicalBytes: [UInt8] {
        Self.canonicalBytes(seq: seq, event: event, prevHash: prevHash, keyID: keyID, serverID: serverID)
    }

    static func canonicalBytes(seq: Int64, event: LedgerEvent, prevHash: String, keyID: String, serverID: String?) -> [UInt8] {
        // The signed fields do not include `hash` and `sig`, so they may be left empty here.
        let record = LedgerRecord(seq: seq, event: event, prevHash: prevHash, hash: "", keyID: keyID, signature: "", serverID: serverID)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(512)
        bytes.append(contentsOf: (event.ad.experiment != nil ? experimentHeader : serverID == nil ? header : fleetHeader).utf8)
        var digits: [UInt8] = []
        digits.reserveCapacity(20)
        for field in LedgerField.signed {
            if field.isOmittedWhenNull, field.value(in: record) == .null { continue }
            bytes.append(contentsOf: field.rawValue.utf8)
            bytes.append(UInt8(ascii: "="))
            switch field.value(in: record) {
            case .integer(let number):
                digits.removeAll(keepingCapacity: true)
                appendDecimal(number, to: &digits)
                appendDecimal(Int64(digits.count), to: &bytes)
                bytes.append(UInt8(ascii: ":"))
                bytes.append(contentsOf: digits)
            case .boolean(let flag):
                bytes.append(contentsOf: flag ? "4:true".utf8 : "5:false".utf8)
            case .string(let text):
                appendDecimal(Int64(text.utf8.count), to: &bytes)
                bytes.append(UInt8(ascii: ":"))
                bytes.append(contentsOf: text.utf8)
            case .null:
                bytes.append(contentsOf: "0:".utf8)
            }
            bytes.append(UInt8(ascii: "\n"))
        }
        return bytes
    }

    /// Appends `value` in decimal (a leading `-` when negative, no leading zeros).
    private static func appendDecimal(_ value: Int64, to bytes: inout [UInt8]) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        let magnitude = value.magnitude
        var divisor: UInt64 = 1
        while divisor <= magnitude / 10 { divisor *= 10 }
        var rest = magnitude
        repeat {
            bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        } while divisor > 0
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    static func hexSHA256(_ bytes: [UInt8]) -> String {
        let digits = hexDigits
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in SHA256.hash(data: bytes) {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 15)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
