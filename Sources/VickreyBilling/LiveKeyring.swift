import Foundation
import Synchronization
import VickreyLedger
import VickreySigning

/// The signing keys as the running server sees them: reloaded from the key directory
/// when `adctl keys rotate` adds one, so new records and tokens use the new key while
/// everything made with an old one still verifies.
public final class LiveKeyring: Sendable {
    private struct Keys {
        var keyring: SigningKeyring
        var tokens: BeaconTokenCodec
        var publicKeys: PublicKeySet
        /// The current key, derived once per load (not once per batch of records).
        var ledgerKey: LedgerSigningKey
    }

    private let keys: Mutex<Keys>
    public let directory: String
    /// The fleet's shared token secrets (PostgreSQL), or nil: tokens under the server's own keys.
    private let fleetTokens = Mutex<BeaconTokenCodec?>(nil)
    /// Public keys other fleet servers registered (their chains' signers), as last read.
    private let registered = Mutex<[String: [UInt8]]>([:])

    /// The server's own keys; a fleet server then adopts the fleet's token secrets
    /// (`adopt(fleetTokens:)`) before it serves.
    public init(_ keyring: SigningKeyring) {
        directory = keyring.directory
        keys = Mutex(Self.make(keyring, fleetTokens: nil))
    }

    /// In a fleet: mint and check tokens with the secrets every server shares (read from
    /// the database by the caller), so a token minted by one server is accepted by all.
    public func adopt(fleetTokens codec: BeaconTokenCodec) {
        fleetTokens.withLock { $0 = codec }
        keys.withLock { $0 = Self.make($0.keyring, fleetTokens: codec) }
    }

    /// Mints and checks beacon tokens with every key of the directory.
    public var tokens: BeaconTokenCodec { keys.withLock { $0.tokens } }
    /// Every key of the directory, public halves only, with every key registered by the
    /// fleet's servers: what the JWKS serves. Read from memory: no database on the way.
    public var publicKeys: PublicKeySet {
        var known = keys.withLock { $0.publicKeys }
        known.keys.merge(registered.withLock { $0 }) { own, _ in own }
        return known
    }

    /// This server's own keys, public halves: what it registers in a fleet.
    public var ownPublicKeys: PublicKeySet { keys.withLock { $0.publicKeys } }

    /// Takes the fleet's registered public keys (read from the database by the caller).
    public func adopt(registered keys: [String: [UInt8]]) { registered.withLock { $0 = keys } }

    /// The key that signs new ledger records.
    public var signingKey: LedgerSigningKey {
        keys.withLock { $0.ledgerKey }
    }

    /// Re-reads the directory; returns the new current key id when it changed.
    public func reload() throws -> String? {
        guard let fresh = try SigningKeyring.load(directory: directory) else { return nil }
        return keys.withLock { keys in
            guard fresh.currentID != keys.keyring.currentID || fresh.keys.count != keys.keyring.keys.count else { return nil }
            keys = Self.make(fresh, fleetTokens: fleetTokens.withLock { $0 })
            return fresh.currentID
        }
    }

    private static func make(_ keyring: SigningKeyring, fleetTokens: BeaconTokenCodec?) -> Keys {
        Keys(
            keyring: keyring, tokens: fleetTokens ?? BeaconTokenCodec(keyring: keyring),
            publicKeys: PublicKeySet(keys: keyring.keys.mapValues(\.rawPublicKey)),
            ledgerKey: LedgerSigningKey(id: keyring.currentID, privateKey: keyring.current.privateKey)
        )
    }
}
