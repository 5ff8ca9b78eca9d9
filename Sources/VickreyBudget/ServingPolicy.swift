import VickreyCore

/// The eligibility policy the server runs auctions with: frequency caps, then even
/// pacing, then budgets; a win counts the ad against the user's cap and reserves the
/// campaign's maximum charge, or is refused as a whole.
public struct ServingPolicy: EligibilityPolicy {
    public let budgets: BudgetBook
    public let caps: FrequencyCapper
    /// Sponsorship tallies and the traffic shape of `even` goals.
    public let lineItems: LineItemBook

    public init(budgets: BudgetBook, caps: FrequencyCapper, lineItems: LineItemBook = LineItemBook()) {
        self.budgets = budgets
        self.caps = caps
        self.lineItems = lineItems
    }

    public func screen(_ candidate: IndexedCampaign, request: AuctionRequest) -> Screening {
        let campaign = candidate.campaign
        if let cap = campaign.frequencyCap {
            if !request.privacy.allowsPersonalData {
                // A cap is counted by user id, which this request may not use: the campaign sits out.
                return .refused(
                    .frequencyCap, reason: "the campaign caps frequency by user id, which this request's privacy signals do not allow")
            }
            if let user = request.userID {
                let seen = caps.count(user: user, campaign: campaign.id, windowSeconds: cap.windowSeconds, at: request.time)
                if seen >= cap.impressions {
                    return .refused(
                        .frequencyCap,
                        reason: request.debug
                            ? "user was served \(seen) of \(cap.impressions) ads in the last \(cap.windowSeconds) s" : "frequency cap")
                }
            } else if cap.refuseAnonymous {
                return .refused(.frequencyCap, reason: "the request has no user id and the campaign refuses anonymous requests")
            }
        }
        return budgets.screen(
            campaign.id, limits: BudgetLimits(campaign), maximumCharge: candidate.maximumCharge, requestID: request.requestID,
            at: request.time, explain: request.debug, hint: candidate.hint
        )
    }

    public func claim(_ candidate: IndexedCampaign, request: AuctionRequest) -> UInt64? {
        let campaign = candidate.campaign
        let cappedUser = campaign.frequencyCap.flatMap { cap in request.userID.map { (cap, $0) } }
        if let (cap, user) = cappedUser, !caps.record(user: user, campaign: campaign.id, cap: cap, at: request.time) {
            return nil
        }
        guard
            let id = budgets.reserve(
                campaign.id, limits: BudgetLimits(campaign), amount: candidate.maximumCharge, kind: campaign.pricing.chargedEvent,
                everyWin: campaign.lineItem.goal != nil, at: request.time
            )
        else {
            if let (_, user) = cappedUser { caps.forget(user: user, campaign: campaign.id, at: request.time) }
            return nil
        }
        return id
    }

    public func release(_ candidate: IndexedCampaign, reservationID: UInt64, request: AuctionRequest) {
        let campaign = candidate.campaign
        _ = budgets.release(campaign.id, reservationID: reservationID, at: request.time)
        if campaign.frequencyCap != nil, let user = request.userID { caps.forget(user: user, campaign: campaign.id, at: request.time) }
    }

    /// Impressions billed or reserved: the campaign's committed spend at its booked rate
    /// (each impression of a line item costs exactly its rate in nanos).
    public func goalProgress(_ candidate: IndexedCampaign, at now: Instant) -> Int64 {
        // A line item's score is its booked CPM, and so the nanos one impression costs.
        let rate = candidate.score.value
        return rate > 0 ? budgets.committed(candidate.id, at: now).value / rate : 0
    }

    public func noteAhead(_ candidate: IndexedCampaign, progress: Int64, until instant: Instant, at now: Instant) {
        budgets.block(
            candidate.id, hint: candidate.goalHint, until: instant, whileCommitted: Nanos(progress * candidate.score.value),
            limits: BudgetLimits(candidate.campaign), at: now)
    }

    public func countSponsorshipMatches(_ sponsorships: [CampaignID]) -> [SponsorshipTally] { lineItems.countMatches(sponsorships) }

    public func countSponsorshipTake(_ sponsorship: CampaignID) { lineItems.countTake(sponsorship) }

    public var trafficShape: TrafficShape { lineItems.trafficShape }
}
