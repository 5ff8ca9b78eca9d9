import Crypto
import VickreyCore
import VickreySigning

/// Public keys by key id: everything needed to verify a ledger, nothing that can sign.
public struct PublicKeySet: Sendable {
    /// Raw 32-byte Ed25519 public keys by `kid`.
    public var keys: [String: [UInt8]]

    public init(keys: [String: [UInt8]]) { self.keys = keys }
}

/// One thing wrong with a ledger, at the sequence number where it shows.
public struct VerificationFailure: Error, Hashable, Sendable, CustomStringConvertible {
    /// The sequence number of the bad record (as it claims, or the first of a missing run).
    public var seq: Int64
    public var problem: String
    public var description: String { "record seq \(seq): \(problem)" }
}

/// Checks a ledger record by record, in the order given: each sequence number follows
/// the last, each hash is the SHA-256 of the record's canonical bytes, each `prev_hash`
/// is the previous record's hash, and each signature verifies under a known key.
///
/// It does not stop at the first problem: it reads on, so that the report says what
/// happened rather than where it was first noticed. A run of missing records is one
/// problem naming how many (`records 4–5 are missing (2 deleted)`); a record found
/// after a later one is out of order, not deleted; a sequence number seen twice is
/// repeated; a record whose content was altered is named by its own hash or signature,
/// and the chain break that follows from it is not reported a second time.
///
/// Not `Sendable`: it holds the parsed keys (swift-crypto's key type is not), and
/// checking is sequential anyway.
public struct LedgerVerifier {
    /// Parsed once: decoding a public key costs a good part of a verification.
    private let keys: [String: Curve25519.Signing.PublicKey]
    private let requiredFirstSeq: Int64?
    private var expectedSeq: Int64?
    private var previousHash: String?
    /// Whether the record before the next one was itself sound (a chain break right after
    /// a bad record is a consequence, not a second tampering).
    private var previousWasSound = true
    /// Runs of sequence numbers skipped so far; one that shows up later was reordered.
    private var missing: [ClosedRange<Int64>] = []
    private var found: [VerificationFailure] = []
    private var foundBeyondLimit = 0
    private var exportStart: Int64?
    public private(set) var verifiedCount = 0
    public private(set) var lastHash: String?

    /// Most problems kept; the rest are only counted.
    public static let maximumReported = 100

    /// `startingAt`: the sequence number the first record must carry (1 for a whole
    /// ledger, whose first record chains from 64 zeros); nil accepts any first record
    /// as the anchor of a partial export.
    public init(keys: PublicKeySet, startingAt firstSeq: Int64? = 1) {
        self.keys = keys.keys.compactMapValues { try? Curve25519.Signing.PublicKey(rawRepresentation: $0) }
        requiredFirstSeq = firstSeq
        expectedSeq = firstSeq
        previousHash = firstSeq == 1 ? LedgerRecord.genesisHash : nil
    }

    /// Every problem found, by sequence number, with runs still missing reported as deleted.
    public var problems: [VerificationFailure] { problems(excusing: []) }

    /// `problems`, but sequence numbers in `accounted` are not reported missing (records
    /// found moved to another chain).
    public func problems(excusing accounted: Set<Int64>) -> [VerificationFailure] {
        var all = found
        var runs: [ClosedRange<Int64>] = []
        for run in missing {
            guard !accounted.isEmpty else {
                runs.append(run)
                continue
            }
            var start = run.lowerBound
            for seq in accounted.filter({ run.contains($0) }).sorted() {
                if start < seq { runs.append(start...(seq - 1)) }
                start = seq + 1
            }
            if start <= run.upperBound { runs.append(start...run.upperBound) }
        }
        for run in runs {
            if let exportStart, run.lowerBound == requiredFirstSeq, run.upperBound == exportStart - 1 {
                all.append(
                    VerificationFailure(
                        seq: run.lowerBound,
                        problem: "the export starts at seq \(exportStart), not \(run.lowerBound): \(Self.describe(run)) missing; "
                            + "an export made with --since starts later: verify it with --partial"
                    ))
            } else {
                all.append(VerificationFailure(seq: run.lowerBound, problem: "\(Self.describe(run)) missing (deleted)"))
            }
        }
        return all.sorted { ($0.seq, $0.problem) < ($1.seq, $1.problem) }
    }

    /// The first problem by sequence number, if any.
    public var firstProblem: VerificationFailure? { problems.first }

    /// Problems found beyond `maximumReported` (counted, not kept).
    public var unreportedProblems: Int { foundBeyondLimit }

    /// Checks the next record in the order given.
    public mutating func check(_ record: LedgerRecord) {
        check(record, contentProblem: Self.contentProblem(record, keys: keys))
    }

    /// Checks the next record in the order given, its content already checked on its own
    /// (`LedgerContentChecks`, which spreads that work over the cores): only the order and
    /// the chain are checked here.
    public mutating func check(_ record: LedgerRecord, contentProblem: String?) {
        if exportStart == nil { exportStart = record.seq }
        if let contentProblem { report(record.seq, contentProblem) }
        guard let expected = expectedSeq else {
            // The anchor of a partial export: nothing before it to chain to.
            advance(past: record, sound: contentProblem == nil)
            return
        }
        if contentProblem != nil, record.seq != expected {
            // An altered record out of its place: its sequence number cannot be trusted, so
            // it neither opens a gap nor repeats one; the alteration is its one report.
            return
        }
        if record.seq == expected {
            if contentProblem == nil, previousWasSound, let previousHash, record.prevHash != previousHash {
                report(
                    record.seq,
                    "prev_hash does not match the previous record's hash (chain broken: a record was removed, inserted or reordered)")
            }
            advance(past: record, sound: contentProblem == nil)
        } else if record.seq > expected {
            // A gap; whether it is a deletion or a reordering shows later.
            remember(missing: expected...(record.seq - 1))
            advance(past: record, sound: contentProblem == nil)
        } else if let run = missing.firstIndex(where: { $0.contains(record.seq) }) {
            report(record.seq, "out of order: found after seq \(expected - 1)")
            split(run: run, at: record.seq)
        } else {
            report(record.seq, "repeated: seq \(record.seq) appears more than once (expected seq \(expected) here)")
        }
    }

    private mutating func advance(past record: LedgerRecord, sound: Bool) {
        expectedSeq = record.seq + 1
        previousHash = record.hash
        previousWasSound = sound
        if sound {
            lastHash = record.hash
            verifiedCount += 1
        }
    }

    private mutating func report(_ seq: Int64, _ problem: String) {
        if found.count < Self.maximumReported {
            found.append(VerificationFailure(seq: seq, problem: problem))
        } else {
            foundBeyondLimit += 1
        }
    }

    private mutating func remember(missing run: ClosedRange<Int64>) {
        if missing.count < 10_000 { missing.append(run) } else { foundBeyondLimit += 1 }
    }

    private mutating func split(run index: Int, at seq: Int64) {
        let run = missing.remove(at: index)
        if run.lowerBound < seq { missing.insert(run.lowerBound...(seq - 1), at: index) }
        if seq < run.upperBound { missing.append((seq + 1)...run.upperBound) }
    }

    private static func describe(_ run: ClosedRange<Int64>) -> String {
        run.count == 1 ? "record \(run.lowerBound) is" : "records \(run.lowerBound)–\(run.upperBound) (\(run.count) records) are"
    }

    /// What is wrong with the record on its own: a field the format forbids, its hash, its
    /// key or its signature.
    static func contentProblem(_ record: LedgerRecord, keys: [String: Curve25519.Signing.PublicKey]) -> String? {
        if let problem = record.fieldProblem { return problem }
        let bytes = record.canonicalBytes
        if LedgerRecord.hexSHA256(bytes) != record.hash {
            return "hash does not match the record's content (record altered)"
        }
        guard let key = keys[record.keyID] else {
            return "signed with unknown key '\(record.keyID)'"
        }
        guard let signature = Base64URL.decodeCanonical(record.signature), signature.count == 64 else {
            return "sig is not the canonical base64url (86 characters, no padding) of a 64-byte signature"
        }
        guard key.isValidSignature(signature, for: bytes) else {
            return "signature does not verify under key '\(record.keyID)'"
        }
        return nil
    }
}
