/// The narrow interface through which budgets, pacing and frequency caps decide whether
/// a campaign may bid and whether a win can be taken.
///
/// Decisions must depend on the campaign, the request and the policy's own state, not
/// on the order in which the auction asks, so that an auction's result does not depend
/// on how many candidates it had to look at.
public protocol EligibilityPolicy: Sendable {
    /// Whether `candidate.campaign` may bid in this auction, given that winning would cost
    /// it at most `candidate.maximumCharge`. Called only for candidates that matched
    /// targeting, flight and floor. Detailed reasons are needed only when `request.debug`.
    func screen(_ candidate: IndexedCampaign, request: AuctionRequest) -> Screening

    /// Takes a win: atomically reserves `maximumCharge` against the campaign's budgets
    /// (and counts the ad against frequency caps). Returns the reservation's id, or nil
    /// when that is no longer possible (another auction took the budget); the auction
    /// then treats the campaign as out of budget and picks again.
    func claim(_ candidate: IndexedCampaign, request: AuctionRequest) -> UInt64?
}

/// A policy's answer for one candidate.
public enum Screening: Hashable, Sendable {
    case eligible
    /// Out at `stage` (`.frequencyCap`, `.pacing` or `.budget`), with a human-readable reason.
    case refused(CandidateStage, reason: String)
}

/// Every campaign may always bid and every win is taken: no budgets, pacing or caps.
public struct AlwaysEligible: EligibilityPolicy {
    public init() {}
    public func screen(_ candidate: IndexedCampaign, request: AuctionRequest) -> Screening { .eligible }
    public func claim(_ candidate: IndexedCampaign, request: AuctionRequest) -> UInt64? { 0 }
}
