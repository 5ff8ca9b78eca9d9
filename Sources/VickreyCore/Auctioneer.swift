/// Runs the contract's second-price auction over an index snapshot.
///
/// For each placement, in request order: candidates are the campaigns the index
/// matches; they are taken best score first and checked for hours of the week, an
/// earlier win in the same request, flight dates, the floor, then the eligibility
/// policy. The highest score wins (ties broken by a generator seeded from the request
/// id, over the tied campaigns in id order), the runner-up is the best eligible score
/// of another advertiser, and the price is `min(winner, max(runnerUp + increment,
/// floor))`. Only as many candidates are examined as the decision needs, unless the
/// request asks for an explanation; either way the decision is the same.
public struct Auctioneer: Sendable {
    public var rules: AuctionRules

    public init(rules: AuctionRules = AuctionRules()) { self.rules = rules }

    /// How candidates are found: through the index, or by checking every campaign
    /// (the baseline the index is measured against; same decisions, slower).
    public enum CandidateSource: Sendable {
        case index
        case linearScan
    }

    /// Auctions every placement of `request`. A placement an experiment of `experiments`
    /// covers is auctioned under its arm's parameters (the request's unit: its user id,
    /// else its request id). With `recording`, each placement's outcome also lists every
    /// candidate that was eligible at any floor (for the auction log), at the cost of
    /// examining them all.
    public func run(
        _ request: AuctionRequest, on snapshot: IndexSnapshot, policy: some EligibilityPolicy = AlwaysEligible(),
        candidates source: CandidateSource = .index, experiments: ExperimentPlan = ExperimentPlan(), recording: Bool = false
    ) -> AuctionOutcome {
        if request.privacy.outcome == .noAd || request.isInvalidTraffic {
            let reason: NoFillReason = request.isInvalidTraffic ? .ivt : .privacy
            return AuctionOutcome(
                requestID: request.requestID,
                placements: request.placements.map { PlacementOutcome(placementID: $0.id, result: .unfilled(reason)) },
                explanation: request.debug ? AuctionExplanation(placements: [], privacy: request.privacy) : nil, privacy: request.privacy)
        }
        var wonSlots: [Int] = []
        var outcomes: [PlacementOutcome] = []
        var explanations: [PlacementExplanation] = []
        outcomes.reserveCapacity(request.placements.count)
        for (position, placement) in request.placements.enumerated() {
            var placementRules = rules
            var tag: ExperimentTag?
            if !experiments.isEmpty, let experiment = experiments.experiment(for: placement.id) {
                let assigned = experiment.assignment(unitID: request.userID ?? request.requestID)
                if let arm = experiment.arms.first(where: { $0.name == assigned.arm }) {
                    placementRules = arm.applied(to: rules)
                    tag = assigned
                }
            }
            let (chosenDeal, dealExplanations) = chooseDeal(
                request: request, placement: placement, position: position, rules: placementRules, snapshot: snapshot,
                wonSlots: wonSlots, policy: policy, source: source, experiment: tag)
            var auction = PlacementAuction(
                request: request, placement: placement, position: position, rules: placementRules, snapshot: snapshot,
                wonSlots: wonSlots, policy: policy, source: source, experiment: tag, recording: recording, deal: chosenDeal
            )
            let result = auction.decide()
            if case .filled = result, let slot = auction.winnerSlot { wonSlots.append(slot) }
            var outcome = PlacementOutcome(placementID: placement.id, result: result, experiment: tag)
            if recording { outcome.record = auction.record(result) }
            outcomes.append(outcome)
            if request.debug {
                var explanation = auction.explain(result)
                explanation.deals = dealExplanations
                if case .filled(let win) = result { explanation.dealID = win.dealID }
                explanations.append(explanation)
            }
        }
        return AuctionOutcome(
            requestID: request.requestID, placements: outcomes,
            explanation: request.debug ? AuctionExplanation(placements: explanations, privacy: request.privacy) : nil,
            privacy: request.privacy
        )
    }

}
