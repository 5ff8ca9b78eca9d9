import Crypto
import Foundation
import Synchronization
import VickreyCore

/// What an ad's impression and click URLs carry: the sold ad, its per-unit price, the
/// budget reservation its win took, when it was issued and until when each beacon is valid.
///
/// Encoded compactly in binary (version, flags, varints, length-prefixed strings) and
/// authenticated with HMAC-SHA256 truncated to 128 bits, then base64url: about 140
/// characters. Only this server verifies tokens, so a symmetric MAC suffices and costs
/// about 1.3 µs, where an Ed25519 signature per ad would cost 10 µs to make and 50 µs
/// to check (see `docs/beacons.md`). Any change to any byte is detected.
public struct BeaconToken: Hashable, Sendable {
    /// Version 3 writes string lengths as varints (a request id may take up to 512
    /// bytes); version 4 may carry an experiment (flag 4: experiment id, arm and bucket
    /// after the key id). Version 2 tokens (one length byte) and 3 still decode.
    public static let version: UInt8 = 4

    public var ad: SoldAd
    /// Per unit of the ad's pricing (CPM or per click): what its charged event costs.
    public var price: Micros
    public var issuedAt: Instant
    /// Until when the impression URL is valid.
    public var expiresAt: Instant
    /// Until when the click URL is valid.
    public var clickExpiresAt: Instant
    /// The budget reservation the win took; the beacon settles it.
    public var reservationID: UInt64
    /// From an OpenRTB `test = 1` request: never billed.
    public var isTest: Bool
    /// The signing key whose derived MAC key authenticated this token.
    public var keyID: String

    public init(
        ad: SoldAd, price: Micros, issuedAt: Instant, expiresAt: Instant, clickExpiresAt: Instant? = nil, reservationID: UInt64 = 0,
        isTest: Bool, keyID: String
    ) {
        self.ad = ad
        self.price = price
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.clickExpiresAt = clickExpiresAt ?? expiresAt
        self.reservationID = reservationID
        self.isTest = isTest
        self.keyID = keyID
    }

    /// What a beacon of `kind` for this ad costs (`Pricing.cost(of:atPrice:)`).
    public func cost(of kind: BeaconKind) -> Nanos { ad.pricing.cost(of: kind, atPrice: price) }

    /// A new impression id: 24 hex characters, the first 11 the milliseconds since 1970
    /// at `time` and the other 13 the next of `ImpressionIDGenerator`'s 52-bit values,
    /// which no other id of this process had. Ids minted later sort after earlier ones,
    /// so the ledger's unique index on (kind, impression id) grows at its end: a batch of
    /// records dirties a page or two of it instead of one page per record.
    public static func newImpressionID(at time: Instant) -> String {
        impressionID(milliseconds: UInt64(clamping: time.millisecondsSinceEpoch), sequence: ImpressionIDGenerator.next())
    }

    /// The id's spelling: 44 bits of milliseconds, then 52 bits of `sequence`.
    public static func impressionID(milliseconds: UInt64, sequence: UInt64) -> String {
        let high = min(milliseconds, (1 << 44) - 1)
        let low = sequence & ImpressionIDGenerator.mask
        return String(unsafeUninitializedCapacity: 24) { buffer in
            for index in 0..<11 { buffer[index] = hexDigits[Int(high >> UInt64(40 - 4 * index) & 0xF)] }
            for index in 0..<13 { buffer[11 + index] = hexDigits[Int(low >> UInt64(48 - 4 * index) & 0xF)] }
            return 24
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}

/// The unique part of impression ids, without a system call each: a process-wide 52-bit
/// counter that starts at a value from the system's generator and steps by an odd
/// constant, passed through a mixer that is a bijection on 52 bits (xor-shifts and
/// multiplications by odd constants, modulo 2^52). So no two values drawn in one process
/// are equal (until 2^52 draws: over a thousand years at 100,000 a second), and a new
/// process starts elsewhere. The values look random but are not secret: tokens are
/// authenticated by their MAC, not by the id's unpredictability.
public enum ImpressionIDGenerator {
    /// The 52 bits the values use.
    public static let mask: UInt64 = (1 << 52) - 1

    private static let counter: Atomic<UInt64> = {
        var system = SystemRandomNumberGenerator()
        return Atomic(system.next() & mask)
    }()

    /// The next value (below 2^52).
    public static func next() -> UInt64 {
        mix(counter.wrappingAdd(SplitMix64.increment, ordering: .relaxed).newValue)
    }

    /// A bijection on the low 52 bits of `value` (the high 12 are ignored).
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value & mask
        z = ((z ^ (z >> 26)) &* 0xbf58_476d_1ce4_e5b9) & mask
        z = ((z ^ (z >> 25)) &* 0x94d0_49bb_1331_11eb) & mask
        return z ^ (z >> 27)
    }
}

/// Mints and verifies beacon tokens with MAC keys derived from the keyring, so tokens
/// issued under an older key still verify after a rotation.
public struct BeaconTokenCodec: Sendable {
    /// Each key's HMAC with its key blocks already hashed, by key id: minting and
    /// checking a token start from a copy instead of setting the key up again.
    private let macs: [String: PreparedMAC]
    private let currentKeyID: String
    private let currentMAC: PreparedMAC
    static let macBytes = 16
    /// The longest token text accepted: more than any token this codec mints (a
    /// 128-character request id of 4-byte characters makes one of about 1,050).
    public static let maximumTextLength = 2_048

    /// MAC keys derived from the server's own signing keys (a single server).
    public init(keyring: SigningKeyring) {
        self.init(secrets: keyring.keys.mapValues { Array($0.rawPrivateKey) }, currentID: keyring.currentID)
    }

    /// MAC keys derived from shared secrets by id (a fleet's, kept in its database, so that
    /// every server mints and accepts the same tokens); `currentID` mints new tokens and
    /// must be one of `secrets`' ids.
    public init(secrets: [String: [UInt8]], currentID: String) {
        macs = secrets.mapValues { secret in
            PreparedMAC(
                key: HKDF<SHA256>.deriveKey(
                    inputKeyMaterial: SymmetricKey(data: secret), info: Data("vickrey beacon token v1".utf8), outputByteCount: 32))
        }
        currentKeyID = currentID
        currentMAC = macs[currentID]!  // callers pass the current id among the secrets
    }

    /// Why a token was refused.
    public enum Rejection: String, Error, Sendable {
        /// Not base64url, truncated, or fields that do not parse.
        case malformed
        /// The MAC does not match: forged or altered.
        case forged
        /// Signed with a key this server does not have.
        case unknownKey = "unknown_key"
        case expired
    }

    /// The token's URL-safe text, authenticated with the current key.
    public func encode(_ token: BeaconToken) -> String {
        let ad = token.ad
        var payload: [UInt8] = [
            BeaconToken.version, (token.isTest ? 1 : 0) | (ad.pricing == .cpc ? 2 : 0) | (ad.experiment != nil ? 4 : 0),
        ]
        payload.reserveCapacity(192)
        appendVarint(UInt64(bitPattern: token.issuedAt.secondsSinceEpoch), &payload)
        appendVarint(UInt64(bitPattern: token.expiresAt.secondsSinceEpoch), &payload)
        appendVarint(UInt64(bitPattern: token.clickExpiresAt.secondsSinceEpoch), &payload)
        appendVarint(token.reservationID, &payload)
        appendVarint(UInt64(bitPattern: ad.clearingECPM.value), &payload)
        appendVarint(UInt64(bitPattern: token.price.value), &payload)
        for text in [
            ad.impressionID, ad.requestID, ad.placementID.rawValue, ad.campaignID.rawValue,
            ad.advertiserID.rawValue, ad.creativeID.rawValue, currentKeyID,
        ] {
            appendVarint(UInt64(text.utf8.count), &payload)
            payload.append(contentsOf: text.utf8)
        }
        if let experiment = ad.experiment {
            for text in [experiment.experimentID.rawValue, experiment.arm.rawValue] {
                appendVarint(UInt64(text.utf8.count), &payload)
                payload.append(contentsOf: text.utf8)
            }
            appendVarint(UInt64(experiment.bucket), &payload)
        }
        payload.append(contentsOf: currentMAC.code(for: payload))
        return Base64URL.encode(payload)
    }

    /// Verifies and decodes a token for a beacon of `kind`; `now` decides expiry.
    public func decode(_ text: String, kind: BeaconKind = .impression, now: Instant) -> Result<BeaconToken, Rejection> {
        guard text.utf8.count <= Self.maximumTextLength, let bytes = Base64URL.decode(text), bytes.count > Self.macBytes + 2 else {
            return .failure(.malformed)
        }
        let payload = Array(bytes[..<(bytes.count - Self.macBytes)])
        let mac = Array(bytes[(bytes.count - Self.macBytes)...])
        guard let version = payload.first, (2...BeaconToken.version).contains(version) else { return .failure(.malformed) }
        var reader = ByteReader(bytes: payload, varintLengths: version >= 3)
        guard reader.byte() == version, let flags = reader.byte(),
            let issued = reader.varint(), let expires = reader.varint(), let clickExpires = reader.varint(),
            let reservation = reader.varint(), let clearing = reader.varint(), let price = reader.varint(),
            let impressionID = reader.string(), let requestID = reader.string(), let placement = reader.string().flatMap(PlacementID.init),
            let campaign = reader.string().flatMap(CampaignID.init), let advertiser = reader.string().flatMap(AdvertiserID.init),
            let creative = reader.string().flatMap(CreativeID.init), let keyID = reader.string()
        else { return .failure(.malformed) }
        var experiment: ExperimentTag?
        if flags & 4 != 0 {
            guard version >= 4, let id = reader.string().flatMap(ExperimentID.init), let arm = reader.string().flatMap(ArmName.init),
                let bucket = reader.varint(), bucket < UInt64(Experiment.buckets)
            else { return .failure(.malformed) }
            experiment = ExperimentTag(experimentID: id, arm: arm, bucket: Int(bucket))
        }
        guard reader.isAtEnd else { return .failure(.malformed) }
        guard let keyMAC = macs[keyID] else { return .failure(.unknownKey) }
        guard Self.constantTimeEqual(keyMAC.code(for: payload), mac) else { return .failure(.forged) }
        let ad = SoldAd(
            impressionID: impressionID, requestID: requestID, placementID: placement, campaignID: campaign, advertiserID: advertiser,
            creativeID: creative, pricing: flags & 2 != 0 ? .cpc : .cpm, clearingECPM: Micros(Int64(bitPattern: clearing)),
            experiment: experiment
        )
        let token = BeaconToken(
            ad: ad, price: Micros(Int64(bitPattern: price)), issuedAt: Instant(secondsSinceEpoch: Int64(bitPattern: issued)),
            expiresAt: Instant(secondsSinceEpoch: Int64(bitPattern: expires)),
            clickExpiresAt: Instant(secondsSinceEpoch: Int64(bitPattern: clickExpires)), reservationID: reservation,
            isTest: flags & 1 != 0, keyID: keyID
        )
        guard now < (kind == .impression ? token.expiresAt : token.clickExpiresAt) else { return .failure(.expired) }
        return .success(token)
    }

    private static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    private func appendVarint(_ value: UInt64, _ bytes: inout [UInt8]) {
        var remaining = value
        while remaining >= 0x80 {
            bytes.append(UInt8(remaining & 0x7F) | 0x80)
            remaining >>= 7
        }
        bytes.append(UInt8(remaining))
    }
}

/// An `HMAC<SHA256>` keyed once and only ever copied.
///
/// `@unchecked Sendable` because swift-crypto does not mark `HMAC` `Sendable`. It is
/// safe: `prepared` is a `let` never mutated after `init`; users take a copy (a value
/// type) and mutate the copy. The copy's hash states share copy-on-write storage with
/// the original, and the first mutation of a copy finds that storage shared (the
/// original still holds it) and duplicates it first, so the original's storage is only
/// ever read, from any number of threads.
private final class PreparedMAC: @unchecked Sendable {
    let prepared: HMAC<SHA256>

    init(key: SymmetricKey) { prepared = HMAC(key: key) }

    /// The MAC of `bytes`, truncated to `BeaconTokenCodec.macBytes`.
    func code(for bytes: [UInt8]) -> [UInt8] {
        var mac = prepared
        bytes.withUnsafeBytes { mac.update(data: $0) }
        return mac.finalize().withUnsafeBytes { Array($0.prefix(BeaconTokenCodec.macBytes)) }
    }
}

/// Reads the token's binary layout, refusing anything truncated or oversized.
private struct ByteReader {
    let bytes: [UInt8]
    /// Whether string lengths are varints (version 3) or one byte (version 2).
    let varintLengths: Bool
    var position = 0

    var isAtEnd: Bool { position == bytes.count }

    mutating func byte() -> UInt8? {
        guard position < bytes.count else { return nil }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func varint() -> UInt64? {
        var value: UInt64 = 0
        for shift in stride(from: 0, to: 64, by: 7) {
            guard let byte = byte() else { return nil }
            value |= UInt64(byte & 0x7F) << UInt64(shift)
            if byte < 0x80 { return value }
        }
        return nil
    }

    mutating func string() -> String? {
        guard let length = varintLengths ? varint() : byte().map(UInt64.init), length <= UInt64(bytes.count - position) else { return nil }
        let count = Int(length)
        defer { position += count }
        return String(validating: bytes[position..<position + count], as: UTF8.self)
    }
}

/// Base64 with the URL-safe alphabet and no padding (RFC 4648 §5).
public enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Encodes directly from a table: this runs once per ad served and once per ledger record.
    public static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count * 4 + 2) / 3)
        var index = 0
        while index + 3 <= bytes.count {
            let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            output.append(alphabet[Int(chunk >> 18 & 63)])
            output.append(alphabet[Int(chunk >> 12 & 63)])
            output.append(alphabet[Int(chunk >> 6 & 63)])
            output.append(alphabet[Int(chunk & 63)])
            index += 3
        }
        let remaining = bytes.count - index
        if remaining > 0 {
            let chunk = UInt32(bytes[index]) << 16 | (remaining == 2 ? UInt32(bytes[index + 1]) << 8 : 0)
            output.append(alphabet[Int(chunk >> 18 & 63)])
            output.append(alphabet[Int(chunk >> 12 & 63)])
            if remaining == 2 { output.append(alphabet[Int(chunk >> 6 & 63)]) }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes unpadded base64url from a table. Accepts what `encode` writes and also
    /// texts whose unused final bits are not zero (several texts for the same bytes);
    /// `decodeCanonical` refuses those.
    public static func decode(_ text: String) -> [UInt8]? { decode(text, canonical: false) }

    /// Decodes only the one text `encode` writes for the bytes: unpadded, with the unused
    /// bits of the last character zero. A verifier uses it so that a signature has one spelling.
    public static func decodeCanonical(_ text: String) -> [UInt8]? { decode(text, canonical: true) }

    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    private static func decode(_ text: String, canonical: Bool) -> [UInt8]? {
        var text = text
        return text.withUTF8 { decode($0, canonical: canonical) }
    }

    private static func decode(_ input: UnsafeBufferPointer<UInt8>, canonical: Bool) -> [UInt8]? {
        let remainder = input.count % 4
        guard remainder != 1 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(input.count * 3 / 4)
        var chunk: UInt32 = 0
        var filled = 0
        for byte in input {
            let value = values[Int(byte)]
            guard value != 0xFF else { return nil }
            chunk = chunk << 6 | UInt32(value)
            filled += 1
            if filled == 4 {
                output.append(UInt8(chunk >> 16 & 0xFF))
                output.append(UInt8(chunk >> 8 & 0xFF))
                output.append(UInt8(chunk & 0xFF))
                chunk = 0
                filled = 0
            }
        }
        switch filled {
        case 2:
            if canonical && chunk & 0xF != 0 { return nil }
            output.append(UInt8(chunk >> 4 & 0xFF))
        case 3:
            if canonical && chunk & 0x3 != 0 { return nil }
            output.append(UInt8(chunk >> 10 & 0xFF))
            output.append(UInt8(chunk >> 2 & 0xFF))
        default: break
        }
        return output
    }
}
