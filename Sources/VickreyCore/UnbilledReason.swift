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
    /// Invalid traffic (`docs/counting.md`): the user agent is on the robot list.
    case ivtKnownRobot = "ivt_known_robot"
    /// Invalid traffic: a browser list is configured and the user agent is on none of it,
    /// or the user agent is empty.
    case ivtNonBrowser = "ivt_non_browser"
    /// Invalid traffic: the client address is in the excluded (data-centre) ranges.
    case ivtDatacenter = "ivt_datacenter"
    /// Invalid traffic: a prefetch (`Sec-Purpose: prefetch`, `Purpose: prefetch`,
    /// `X-Moz: prefetch`), not a render. It does not use up the impression.
    case ivtPrefetch = "ivt_prefetch"
    /// Invalid traffic: a click sooner after the ad was served than a person can click.
    case ivtClickTooFast = "ivt_click_too_fast"

    /// Whether a record of a single server's ledger (no chain name) may carry this reason.
    public var isPossibleOutsideFleets: Bool { self != .leaseExhausted }
}
