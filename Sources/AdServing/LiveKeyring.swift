import Foundation
import Synchronization
import VickreyLedger
import VickreySigning

/// The signing keys as the running server sees them: reloaded from the key directory
/// when `adctl keys rotate` adds one, so new records and tokens use the new key while
/// everything made with an old one still verifies.
final class LiveKeyring: Sendable {
    private struct Keys {
        var keyring: SigningKeyring
        var tokens: BeaconTokenCodec
        var publicKeys: PublicKeySet
    }

    private let keys: Mutex<Keys>
    let directory: String

    init(_ keyring: SigningKeyring) {
        directory = keyring.directory
        keys = Mutex(Self.make(keyring))
    }

    var tokens: BeaconTokenCodec { keys.withLock { $0.tokens } }
    var publicKeys: PublicKeySet { keys.withLock { $0.publicKeys } }
    var currentKeyID: String { keys.withLock { $0.keyring.currentID } }

    /// The key that signs new ledger records.
    var signingKey: (id: String, rawPrivateKey: Data) {
        keys.withLock { ($0.keyring.currentID, $0.keyring.current.rawPrivateKey) }
    }

    /// Re-reads the directory; returns the new current key id when it changed.
    func reload() throws -> String? {
        guard let fresh = try SigningKeyring.load(directory: directory) else { return nil }
        return keys.withLock { keys in
            guard fresh.currentID != keys.keyring.currentID || fresh.keys.count != keys.keyring.keys.count else { return nil }
            keys = Self.make(fresh)
            return fresh.currentID
        }
    }

    private static func make(_ keyring: SigningKeyring) -> Keys {
        Keys(
            keyring: keyring, tokens: BeaconTokenCodec(keyring: keyring),
            publicKeys: PublicKeySet(keys: keyring.keys.mapValues(\.rawPublicKey))
        )
    }
}
