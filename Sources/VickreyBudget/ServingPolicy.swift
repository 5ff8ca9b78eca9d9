import VickreyCore

/// The eligibility policy the server runs auctions with: frequency caps, then even
/// pacing, then budgets; a win counts the ad against the user's cap and reserves the
/// campaign's maximum charge, or is refused as a whole.
public struct ServingPolicy: EligibilityPolicy {
    public let budgets: BudgetBook
    public let caps: FrequencyCapper

    public init(budgets: BudgetBook, caps: FrequencyCapper) {
        self.budgets = budgets
        self.caps = caps
    }

    public func screen(_ campaign: Campaign, maximumCharge: Nanos, request: AuctionRequest) -> Screening {
        if let cap = campaign.frequencyCap {
            if let user = request.userID {
                let seen = caps.count(user: user, campaign: campaign.id, windowSeconds: cap.windowSeconds, at: request.time)
                if seen >= cap.impressions {
                    return .refused(.frequencyCap, reason: "user was served \(seen) of \(cap.impressions) ads in the last \(cap.windowSeconds) s")
                }
            } else if cap.refuseAnonymous {
                return .refused(.frequencyCap, reason: "the request has no user id and the campaign refuses anonymous requests")
            }
        }
        return budgets.screen(campaign, maximumCharge: maximumCharge, requestID: request.requestID, at: request.time)
    }

    public func claim(_ campaign: Campaign, maximumCharge: Nanos, request: AuctionRequest) -> UInt64? {
        let cappedUser = campaign.frequencyCap.flatMap { cap in request.userID.map { (cap, $0) } }
        if let (cap, user) = cappedUser, !caps.record(user: user, campaign: campaign.id, cap: cap, at: request.time) {
            return nil
        }
        let kind: ReservationKind = campaign.pricing == .cpm ? .impression : .click
        guard let id = budgets.reserve(campaign, amount: maximumCharge, kind: kind, at: request.time) else {
            if let (_, user) = cappedUser { caps.forget(user: user, campaign: campaign.id, at: request.time) }
            return nil
        }
        return id
    }
}
