import Crypto
import Foundation

/// The key new records are signed with: its id and its raw 32-byte Ed25519 private key.
public struct LedgerSigningKey: Sendable {
    public var id: String
    public var rawPrivateKey: Data

    public init(id: String, rawPrivateKey: Data) {
        self.id = id
        self.rawPrivateKey = rawPrivateKey
    }
}

/// Chains and signs events with one key. Made once per batch of records: deriving the
/// Ed25519 key from its bytes costs as much as a signature.
public struct LedgerSealer {
    public let keyID: String
    private let key: Curve25519.Signing.PrivateKey

    public init(_ signingKey: LedgerSigningKey) throws {
        keyID = signingKey.id
        key = try Curve25519.Signing.PrivateKey(rawRepresentation: signingKey.rawPrivateKey)
    }

    /// `event` as record `seq` of `serverID`'s chain (nil: a single server's ledger),
    /// chained after the record whose hash is `prevHash`, hashed and signed.
    public func seal(_ event: LedgerEvent, seq: Int64, after prevHash: String, serverID: String? = nil) throws -> LedgerRecord {
        try LedgerRecord.seal(event, seq: seq, prevHash: prevHash, keyID: keyID, serverID: serverID, signingKey: key)
    }
}
