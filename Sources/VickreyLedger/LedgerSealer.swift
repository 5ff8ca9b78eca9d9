import Crypto
import Foundation

/// The key new records are signed with: its id and its raw 32-byte Ed25519 private key,
/// or the key already derived from those bytes.
public struct LedgerSigningKey: Sendable {
    public var id: String
    public var rawPrivateKey: Data
    /// The key derived from `rawPrivateKey`, when the holder keeps one: a sealer then
    /// skips the derivation, which costs as much as a signature.
    var derived: DerivedSigningKey?

    public init(id: String, rawPrivateKey: Data) {
        self.id = id
        self.rawPrivateKey = rawPrivateKey
    }

    public init(id: String, privateKey: Curve25519.Signing.PrivateKey) {
        self.id = id
        self.rawPrivateKey = privateKey.rawRepresentation
        self.derived = DerivedSigningKey(privateKey)
    }
}

/// An Ed25519 private key derived once, shared by the batches that sign with it.
///
/// `@unchecked Sendable` because swift-crypto does not mark its key type `Sendable` on
/// Linux. Sharing it cannot race: the key is a `let` here, and the type holds its bytes in
/// copy-on-write storage (`SecureBytes`) and the public key in an array, neither written
/// after the key is made; signing only reads them.
final class DerivedSigningKey: @unchecked Sendable {
    let key: Curve25519.Signing.PrivateKey

    init(_ key: Curve25519.Signing.PrivateKey) { self.key = key }
}

/// Chains and signs events with one key. Made once per batch of records.
public struct LedgerSealer {
    public let keyID: String
    private let key: Curve25519.Signing.PrivateKey

    public init(_ signingKey: LedgerSigningKey) throws {
        keyID = signingKey.id
        key = try signingKey.derived?.key ?? Curve25519.Signing.PrivateKey(rawRepresentation: signingKey.rawPrivateKey)
    }

    /// `event` as record `seq` of `serverID`'s chain (nil: a single server's ledger),
    /// chained after the record whose hash is `prevHash`, hashed and signed.
    public func seal(_ event: LedgerEvent, seq: Int64, after prevHash: String, serverID: String? = nil) throws -> LedgerRecord {
        try LedgerRecord.seal(event, seq: seq, prevHash: prevHash, keyID: keyID, serverID: serverID, signingKey: key)
    }
}
