import Crypto
import VickreyCore
import VickreySigning

/// Public keys by key id: everything needed to verify a ledger, nothing that can sign.
public struct PublicKeySet: Sendable {
    /// Raw 32-byte Ed25519 public keys by `kid`.
    public var keys: [String: [UInt8]]

    public init(keys: [String: [UInt8]]) { self.keys = keys }
}

/// The first record that does not verify, and why.
public struct VerificationFailure: Error, Hashable, Sendable, CustomStringConvertible {
    /// The sequence number of the bad record (as it claims, or as expected when its own is wrong).
    public var seq: Int64
    public var problem: String
    public var description: String { "record seq \(seq): \(problem)" }
}

/// Checks a ledger record by record, in order: each sequence number follows the last,
/// each hash is the SHA-256 of the record's canonical bytes, each `prev_hash` is the
/// previous record's hash, and each signature verifies under a known key. Any deleted,
/// inserted, reordered, altered or re-signed record is reported at the first sequence
/// number where the chain breaks. Not `Sendable`: it holds the parsed keys (swift-crypto's
/// key type is not), and checking is sequential anyway.
public struct LedgerVerifier {
    /// Parsed once: decoding a public key costs a good part of a verification.
    private let keys: [String: Curve25519.Signing.PublicKey]
    private var expectedSeq: Int64?
    private var previousHash: String?
    public private(set) var verifiedCount = 0
    public private(set) var lastHash: String?

    /// `startingAt`: the sequence number the first record must carry (1 for a whole
    /// ledger, whose first record chains from 64 zeros); nil accepts any first record
    /// as the anchor of a partial export.
    public init(keys: PublicKeySet, startingAt firstSeq: Int64? = 1) {
        self.keys = keys.keys.compactMapValues { try? Curve25519.Signing.PublicKey(rawRepresentation: $0) }
        expectedSeq = firstSeq
        previousHash = firstSeq == 1 ? LedgerRecord.genesisHash : nil
    }

    /// Checks the next record; on success it becomes the one the next must chain to.
    public mutating func check(_ record: LedgerRecord) -> VerificationFailure? {
        func fail(_ problem: String, seq: Int64? = nil) -> VerificationFailure {
            VerificationFailure(seq: seq ?? record.seq, problem: problem)
        }
        if let expectedSeq, record.seq != expectedSeq {
            let what = record.seq > expectedSeq ? "missing (deleted)" : "out of order or repeated"
            return fail("expected seq \(expectedSeq) but found seq \(record.seq): record \(expectedSeq) is \(what)", seq: expectedSeq)
        }
        let bytes = record.canonicalBytes
        if LedgerRecord.hexSHA256(bytes) != record.hash {
            return fail("hash does not match the record's content (record altered)")
        }
        if let previousHash, record.prevHash != previousHash {
            return fail("prev_hash does not match the previous record's hash (chain broken: a record was removed, inserted or reordered)")
        }
        guard let key = keys[record.keyID] else {
            return fail("signed with unknown key '\(record.keyID)'")
        }
        guard let signature = Base64URL.decode(record.signature), key.isValidSignature(signature, for: bytes)
        else { return fail("signature does not verify under key '\(record.keyID)'") }
        expectedSeq = record.seq + 1
        previousHash = record.hash
        lastHash = record.hash
        verifiedCount += 1
        return nil
    }
}
