/// Why an event was recorded unbilled: the ledger's `reason` field (`docs/ledger.md`),
/// declared once for the budget book, billing, both stores and the verifier, which
/// refuses any other value.
public enum UnbilledReason: String, Hashable, Sendable, CaseIterable {
    case dailyBudgetExhausted = "daily_budget_exhausted"
    case totalBudgetExhausted = "total_budget_exhausted"
    /// A fleet server's leases cannot cover it (the fleet's budget may still hold more).
    /// Only a fleet's chains (records with a `server_id`) can carry it.
    case leaseExhausted = "lease_exhausted"
    /// From an OpenRTB request with `test: 1`: never billed.
    case test
    /// The campaign no longer exists.
    case unknownCampaign = "unknown_campaign"

    /// Whether a record of a single server's ledger (no chain name) may carry this reason.
    public var isPossibleOutsideFleets: Bool { self != .leaseExhausted }
}
