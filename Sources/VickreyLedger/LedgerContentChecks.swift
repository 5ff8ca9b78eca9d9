import Crypto
import Dispatch
import Foundation
import Synchronization

/// Each record's own checks (its fields, its hash, its key and its Ed25519 signature: nearly
/// all of a verification's cost) for many records at once, spread over every core. The
/// order and chain checks that follow stay sequential (`LedgerVerifier`), so a verdict is
/// the same as checking the records one by one.
public enum LedgerContentChecks {
    /// Records per chunk a core takes at a time: enough to amortise parsing the keys.
    static let chunk = 512

    /// For each record, in order, what is wrong with it on its own (nil: sound).
    public static func problems(of records: [LedgerRecord], keys: PublicKeySet) -> [String?] {
        let chunks = (records.count + chunk - 1) / chunk
        guard chunks > 1 else { return check(records[...], keys: keys) }
        let results = Mutex<[[String?]]>(Array(repeating: [], count: chunks))
        DispatchQueue.concurrentPerform(iterations: chunks) { index in
            let slice = records[(index * chunk)..<min(records.count, (index + 1) * chunk)]
            let checked = check(slice, keys: keys)
            results.withLock { $0[index] = checked }
        }
        return results.withLock { $0.flatMap { $0 } }
    }

    /// One chunk, on one thread: the keys are parsed here, as swift-crypto's key type is not `Sendable`.
    private static func check(_ records: ArraySlice<LedgerRecord>, keys: PublicKeySet) -> [String?] {
        let parsed = keys.keys.compactMapValues { try? Curve25519.Signing.PublicKey(rawRepresentation: $0) }
        return records.map { LedgerVerifier.contentProblem($0, keys: parsed) }
    }
}
