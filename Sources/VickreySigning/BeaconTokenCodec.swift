import Crypto
import Foundation
import VickreyCore

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
        // A programming error if not: both come from one keyring, or one row of the fleet's secrets.
        guard let current = macs[currentID] else { preconditionFailure("the current key id '\(currentID)' is not among the secrets") }
        currentMAC = current
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
            BeaconToken.version,
            (token.isTest ? 1 : 0) | (ad.pricing == .cpc ? 2 : 0) | (ad.experiment != nil ? 4 : 0) | (ad.pricing == .vcpm ? 8 : 0)
                | (ad.pricing == .cpcv ? 16 : 0),
        ]
        payload.reserveCapacity(192)
        appendVarint(UInt64(bitPattern: token.issuedAt.millisecondsSinceEpoch), &payload)
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
        var reader = TokenReader(bytes: payload, varintLengths: version >= 3)
        guard reader.byte() == version, let flags = reader.byte(),
            let issued = reader.varint(), let expires = reader.varint(), let clickExpires = reader.varint(),
            let reservation = reader.varint(), let clearing = reader.varint(), let price = reader.varint(),
            let impressionID = reader.string(), let requestID = reader.string(), let placement = reader.string().flatMap(PlacementID.init),
            let campaign = reader.string().flatMap(CampaignID.init), let advertiser = reader.string().flatMap(AdvertiserID.init),
            let creative = reader.string().flatMap(CreativeID.init), let keyID = reader.string()
        else { return .failure(.malformed) }
        // At most one pricing flag, each only from the version that introduced it.
        guard flags & 8 == 0 || (version >= 5 && flags & 2 == 0) else { return .failure(.malformed) }
        guard flags & 16 == 0 || (version >= 6 && flags & 10 == 0) else { return .failure(.malformed) }
        guard flags & ~31 == 0 else { return .failure(.malformed) }
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
            creativeID: creative, pricing: flags & 2 != 0 ? .cpc : flags & 8 != 0 ? .vcpm : flags & 16 != 0 ? .cpcv : .cpm,
            clearingECPM: Micros(Int64(bitPattern: clearing)),
            experiment: experiment
        )
        let token = BeaconToken(
            ad: ad, price: Micros(Int64(bitPattern: price)),
            issuedAt: version >= 5
                ? Instant(millisecondsSinceEpoch: Int64(bitPattern: issued)) : Instant(secondsSinceEpoch: Int64(bitPattern: issued)),
            expiresAt: Instant(secondsSinceEpoch: Int64(bitPattern: expires)),
            clickExpiresAt: Instant(secondsSinceEpoch: Int64(bitPattern: clickExpires)), reservationID: reservation,
            isTest: flags & 1 != 0
        )
        guard now < token.expiry(of: kind) else { return .failure(.expired) }
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
