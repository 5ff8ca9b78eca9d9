/// Checks a ledger of any number of chains (a fleet's export, or a single server's with
/// its one unnamed chain): records are routed by `server_id` to one `LedgerVerifier` per
/// chain, so each chain must be whole and in order on its own, whatever the interleaving.
/// Problems are reported per chain, named by it.
public struct LedgerChainsVerifier {
    private let keys: PublicKeySet
    private let startingAt: Int64?
    private var verifiers: [String?: LedgerVerifier] = [:]
    /// Chains in the order their first record was seen.
    public private(set) var chainOrder: [String?] = []

    public init(keys: PublicKeySet, startingAt firstSeq: Int64? = 1) {
        self.keys = keys
        startingAt = firstSeq
    }

    public mutating func check(_ record: LedgerRecord) {
        if verifiers[record.serverID] == nil {
            verifiers[record.serverID] = LedgerVerifier(keys: keys, startingAt: startingAt)
            chainOrder.append(record.serverID)
        }
        verifiers[record.serverID]!.check(record)
    }

    /// Every problem found, prefixed by its chain when the ledger has named chains.
    public var problems: [String] {
        chainOrder.flatMap { chain in
            (verifiers[chain]?.problems ?? []).map { problem in chain.map { "chain \($0): \(problem)" } ?? "\(problem)" }
        }
    }

    public var unreportedProblems: Int { verifiers.values.reduce(0) { $0 + $1.unreportedProblems } }
    public var verifiedCount: Int { verifiers.values.reduce(0) { $0 + $1.verifiedCount } }

    /// Each chain's last verified hash, in the order the chains were seen.
    public var heads: [(chain: String?, lastHash: String?)] { chainOrder.map { ($0, verifiers[$0]?.lastHash) } }
}
