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

    /// Gives back a claim the auction could not use (a roadblock that could not fill every
    /// placement it matches): the reservation's budget and the cap's count.
    func release(_ candidate: IndexedCampaign, reservationID: UInt64, request: AuctionRequest)

    /// A standard line item's impressions billed or reserved: what its goal pacing compares
    /// with the impressions due.
    func goalProgress(_ candidate: IndexedCampaign, at now: Instant) -> Int64

    /// Notes that a standard line item at `progress` needs no request before `instant` (its
    /// curve is due no more until then): the policy blocks `candidate.goalHint` if the
    /// progress still holds, and clears it as soon as it could fall (a reservation given back).
    func noteAhead(_ candidate: IndexedCampaign, progress: Int64, until instant: Instant, at now: Instant)

    /// Counts this request as matching each of `sponsorships` (eligible for it) and returns
    /// each one's tally, this request included, in the same order.
    func countSponsorshipMatches(_ sponsorships: [CampaignID]) -> [SponsorshipTally]

    /// Counts a request a sponsorship took.
    func countSponsorshipTake(_ sponsorship: CampaignID)

    /// The traffic shape `even` goals are paced by.
    var trafficShape: TrafficShape { get }
}

/// A sponsorship's matching requests and those it took.
public struct SponsorshipTally: Hashable, Sendable {
    public var matched: Int64
    public var taken: Int64

    public init(matched: Int64, taken: Int64) {
        self.matched = matched
        self.taken = taken
    }

    /// Whether a sponsorship of `sharePercent` is behind: `taken × 100 < share × matched`.
    @inlinable public func isBehind(sharePercent: Int) -> Bool { taken * 100 < Int64(sharePercent) * matched }

    /// How far behind, in hundredths of a request: `share × matched − taken × 100`.
    @inlinable public func deficit(sharePercent: Int) -> Int64 { Int64(sharePercent) * matched - taken * 100 }
}

/// Policies without line-item state: nothing to give back, no goal progress, every
/// sponsorship counted as never having taken a request.
extension EligibilityPolicy {
    public func release(_ candidate: IndexedCampaign, reservationID: UInt64, request: AuctionRequest) {}
    public func goalProgress(_ candidate: IndexedCampaign, at now: Instant) -> Int64 { 0 }
    public func noteAhead(_ candidate: IndexedCampaign, progress: Int64, until instant: Instant, at now: Instant) {}
    public func countSponsorshipMatches(_ sponsorships: [CampaignID]) -> [SponsorshipTally] {
        sponsorships.map { _ in SponsorshipTally(matched: 1, taken: 0) }
    }
    public func countSponsorshipTake(_ sponsorship: CampaignID) {}
    public var trafficShape: TrafficShape { .uniform }
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
