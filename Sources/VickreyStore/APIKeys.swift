import Crypto
import Foundation
import VickreyCore

/// What an API key may do.
public enum AccessRole: String, Hashable, Sendable, CaseIterable {
    /// Everything: advertisers, campaigns, reports, experiments, the ledger.
    case admin
    /// One advertiser's own campaigns (see, pause, resume) and reports; nothing else exists for it.
    case advertiser
    /// The ledger and campaign budgets, for billing.
    case billing
}

/// An API key as stored: never the secret, only its SHA-256.
public struct APIKeyRecord: Hashable, Sendable {
    /// The public part of the key (`vk_ID_SECRET`): how a request's key is found.
    public var id: String
    public var role: AccessRole
    /// The advertiser an `advertiser` key is scoped to (nil for the other roles).
    public var advertiserID: AdvertiserID?
    public var label: String
    /// Lowercase hex SHA-256 of the secret part.
    public var secretHash: String
    public var createdAt: Instant
    public var revokedAt: Instant?

    public init(
        id: String, role: AccessRole, advertiserID: AdvertiserID?, label: String, secretHash: String, createdAt: Instant,
        revokedAt: Instant? = nil
    ) {
        self.id = id
        self.role = role
        self.advertiserID = advertiserID
        self.label = label
        self.secretHash = secretHash
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

/// API keys: `vk_` + 16 hex characters of id + `_` + 43 base64url characters of a 32-byte
/// random secret. The id finds the record; the secret is checked by comparing SHA-256
/// digests in constant time, so neither a lookup nor a comparison says how much of a
/// guess was right. A key is shown once, when it is made.
public enum APIKeyMaterial {
    /// A new key and the record to store for it.
    public static func generate(
        role: AccessRole, advertiserID: AdvertiserID?, label: String, at time: Instant
    ) -> (key: String, record: APIKeyRecord) {
        var generator = SystemRandomNumberGenerator()
        let id = (0..<8).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        let secret = base64URL((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let record = APIKeyRecord(
            id: id, role: role, advertiserID: advertiserID, label: label, secretHash: hash(secret), createdAt: time)
        return ("vk_\(id)_\(secret)", record)
    }

    /// The id and secret of a key's text, or nil when it is not shaped like one.
    public static func parse(_ key: String) -> (id: String, secret: String)? {
        let parts = key.split(separator: "_", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "vk", parts[1].utf8.count == 16, parts[1].utf8.allSatisfy(isHex),
            (40...64).contains(parts[2].utf8.count)
        else { return nil }
        return (String(parts[1]), String(parts[2]))
    }

    /// Whether `secret` is the one `record` was made with (constant time in the digest).
    public static func matches(_ secret: String, _ record: APIKeyRecord) -> Bool {
        let given = Array(hash(secret).utf8)
        let stored = Array(record.secretHash.utf8)
        guard given.count == stored.count else { return false }
        var difference: UInt8 = 0
        for index in given.indices { difference |= given[index] ^ stored[index] }
        return difference == 0
    }

    static func hash(_ secret: String) -> String {
        SHA256.hash(data: Array(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    private static func isHex(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) || (0x61...0x66).contains(byte) }

    private static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

/// API keys on either engine.
public protocol APIKeyStore: Sendable {
    /// Stores a new key's record. `.unknownAdvertiser` when an advertiser key names none.
    func create(_ record: APIKeyRecord) async throws(StoreError)
    /// Every key, oldest first, revoked ones included.
    func keys() async throws(StoreError) -> [APIKeyRecord]
    /// The key with this id, revoked or not.
    func key(id: String) async throws(StoreError) -> APIKeyRecord?
    /// Revokes a key for good. `.notFound`, or `.invalidState` when already revoked.
    func revoke(id: String, at time: Instant) async throws(StoreError)
}
