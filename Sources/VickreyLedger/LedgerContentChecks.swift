import Crypto
import VickreyCore

/// Each record's own checks (its fields, its hash, its key and its Ed25519 signature: nearly
/// all of a verification's cost) for many records at once, spread over every core. The
/// order and chain checks that follow stay sequential (`LedgerVerifier`), so a verdict is
/// the same as checking the records one by one.
public enum LedgerContentChecks {
    /// For each record, in order, what is wrong with it on its own (nil: sound).
    public static func problems(of records: [LedgerRecord], keys: PublicKeySet) -> [String?] {
        ParallelMap.mapChunks(records) { chunk in
            // Parsed per chunk, on its thread: swift-crypto's key type is not `Sendable`.
            let parsed = keys.keys.compactMapValues { try? Curve25519.Signing.PublicKey(rawRepresentation: $0) }
            return chunk.map { LedgerVerifier.contentProblem($0, keys: parsed) }
        }
    }
}
