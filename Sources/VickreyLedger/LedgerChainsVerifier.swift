/// Checks a ledger of any number of chains (a fleet's export, or a single server's with
/// its one unnamed chain): records are routed by `server_id` to one `LedgerVerifier` per
/// chain, so each chain must be whole and in order on its own, whatever the interleaving.
/// Problems are reported per chain, named by it.
///
/// A record moved to another chain (its `server_id` rewritten) no longer matches its
/// hash; when it matches under another chain's name, it is reported once, as moved from
/// that chain, and neither chain reports it again (the gap it left is its doing).
public struct LedgerChainsVerifier {
    private let keys: PublicKeySet
    private let startingAt: Int64?
    private var verifiers: [String?: LedgerVerifier] = [:]
    /// Chains in the order their first record was seen.
    public private(set) var chainOrder: [String?] = []
    /// Every chain name a moved record may have come from: those given up front and those seen.
    private var knownChains: [String?]
    /// Records found moved, by the chain they were taken from: their sequence numbers there.
    private var movedFrom: [String?: Set<Int64>] = [:]
    private var moves: [String] = []

    /// `chains`: the chain names the ledger holds, when the caller knows them before
    /// reading it (a database's chains, or a first pass over an export), so a record moved
    /// from a chain read later is still recognised.
    public init(keys: PublicKeySet, startingAt firstSeq: Int64? = 1, chains: [String?] = []) {
        self.keys = keys
        startingAt = firstSeq
        knownChains = chains
    }

    public mutating func check(_ record: LedgerRecord) { check(record, contentProblem: .unchecked) }

    /// Checks records in the order given, as `check` one by one would, with the hash and
    /// signature of each (most of the work) checked on every core first.
    public mutating func check(batch records: [LedgerRecord]) {
        for (record, problem) in zip(records, LedgerContentChecks.problems(of: records, keys: keys)) {
            check(record, contentProblem: .checked(problem))
        }
    }

    /// A record's own problem, when already checked.
    private enum ContentCheck {
        case unchecked
        case checked(String?)
    }

    private mutating func check(_ record: LedgerRecord, contentProblem: ContentCheck) {
        if !knownChains.contains(record.serverID) { knownChains.append(record.serverID) }
        if let origin = movedOrigin(of: record) {
            movedFrom[origin, default: []].insert(record.seq)
            if moves.count < LedgerVerifier.maximumReported {
                moves.append(
                    "record seq \(record.seq) of \(Self.name(origin)) was moved to \(Self.name(record.serverID)) "
                        + "(its hash matches its content only under \(Self.name(origin)))")
            }
            return
        }
        if verifiers[record.serverID] == nil {
            verifiers[record.serverID] = LedgerVerifier(keys: keys, startingAt: startingAt)
            chainOrder.append(record.serverID)
        }
        switch contentProblem {
        case .unchecked: verifiers[record.serverID]?.check(record)
        case .checked(let problem): verifiers[record.serverID]?.check(record, contentProblem: problem)
        }
    }

    /// The chain a record was taken from, when its hash does not match its own content
    /// but does with another known chain's name in `server_id`.
    private func movedOrigin(of record: LedgerRecord) -> String?? {
        guard LedgerRecord.hexSHA256(record.canonicalBytes) != record.hash else { return nil }
        for candidate in knownChains where candidate != record.serverID {
            var original = record
            original.serverID = candidate
            if LedgerRecord.hexSHA256(original.canonicalBytes) == record.hash { return .some(candidate) }
        }
        return nil
    }

    /// Every problem found, prefixed by its chain when the ledger has named chains.
    public var problems: [String] {
        moves
            + chainOrder.flatMap { chain in
                (verifiers[chain]?.problems(excusing: movedFrom[chain] ?? []) ?? []).map { problem in
                    chain.map { "chain \($0): \(problem)" } ?? "\(problem)"
                }
            }
    }

    public var unreportedProblems: Int { verifiers.values.reduce(0) { $0 + $1.unreportedProblems } }
    public var verifiedCount: Int { verifiers.values.reduce(0) { $0 + $1.verifiedCount } }

    /// Each chain's last verified hash, in the order the chains were seen.
    public var heads: [(chain: String?, lastHash: String?)] { chainOrder.map { ($0, verifiers[$0]?.lastHash) } }

    private static func name(_ chain: String?) -> String { chain.map { "chain \($0)" } ?? "the unnamed chain" }
}
