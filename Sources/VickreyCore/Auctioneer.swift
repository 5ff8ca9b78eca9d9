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
        var state = RequestState()
        var outcomes: [PlacementOutcome] = []
        var explanations: [PlacementExplanation] = []
        outcomes.reserveCapacity(request.placements.count)
        let lineItems = snapshot.hasLineItems
        for (position, placement) in request.placements.enumerated() {
            if let companion = state.roadblockWins[position] {
                outcomes.append(PlacementOutcome(placementID: placement.id, result: .filled(companion)))
                if request.debug { explanations.append(Self.companionExplanation(companion)) }
                continue
            }
            var placementRules = rules
            var tag: ExperimentTag?
            if !experiments.isEmpty, let experiment = experiments.experiment(for: placement.id) {
                let assigned = experiment.assignment(unitID: request.userID ?? request.requestID)
                if let arm = experiment.arms.first(where: { $0.name == assigned.arm }) {
                    placementRules = arm.applied(to: rules)
                    tag = assigned
                }
            }
            let context = PlacementContext(
                request: request, placement: placement, position: position, rules: placementRules, snapshot: snapshot, source: source,
                experiment: tag, recording: recording)
            var decided =
                lineItems
                ? decideWithLineItems(context, policy: policy, state: &state)
                : decideByAuction(context, policy: policy, state: state, tiers: nil)
            if case .filled = decided.result, let slot = decided.auction.winnerSlot {
                state.won(decided.auction.entry(atSlot: slot), slot: slot)
            }
            var outcome = PlacementOutcome(placementID: placement.id, result: decided.result, experiment: tag)
            // The auction log records auctions: a placement a line-item tier or a house ad
            // decided has no auction to replay.
            if recording, decided.tier == .pricePriority { outcome.record = decided.auction.record(decided.result) }
            outcomes.append(outcome)
            if request.debug {
                var explanation = decided.auction.explain(decided.result)
                explanation.deals = decided.deals
                if case .filled(let win) = decided.result { explanation.dealID = win.dealID }
                if lineItems {
                    explanation.tier = decided.tier
                    explanation.tierRule = decided.rule
                }
                explanations.append(explanation)
            }
        }
        return AuctionOutcome(
            requestID: request.requestID, placements: outcomes,
            explanation: request.debug ? AuctionExplanation(placements: explanations, privacy: request.privacy) : nil,
            privacy: request.privacy
        )
    }

    /// The open auction for one placement (after its deals): the whole decision when no
    /// campaign is a line item, the third tier otherwise.
    func decideByAuction(
        _ context: PlacementContext, policy: some EligibilityPolicy, state: RequestState, tiers: [DeliveryTier]?
    ) -> PlacementDecision {
        let (chosenDeal, dealExplanations) = chooseDeal(
            request: context.request, placement: context.placement, position: context.position, rules: context.rules,
            snapshot: context.snapshot, wonSlots: state.wonSlots, policy: policy, source: context.source, experiment: context.experiment,
            tiers: tiers)
        var auction = PlacementAuction(
            request: context.request, placement: context.placement, position: context.position, rules: context.rules,
            snapshot: context.snapshot, wonSlots: state.wonSlots, policy: policy, source: context.source, experiment: context.experiment,
            recording: context.recording, deal: chosenDeal, tiers: tiers)
        auction.excludedLabels = state.labels
        auction.excludedSlots = state.excludedSlots
        let result = auction.decide()
        return PlacementDecision(
            auction: auction, result: result, deals: dealExplanations, tier: .pricePriority, rule: "auction: highest score")
    }
}

/// What one placement's decision needs besides the policy and the request's state.
struct PlacementContext {
    let request: AuctionRequest
    let placement: PlacementRequest
    let position: Int
    let rules: AuctionRules
    let snapshot: IndexSnapshot
    let source: Auctioneer.CandidateSource
    let experiment: ExperimentTag?
    let recording: Bool
}

/// A placement's decision: the auction (of whichever tier) that made it, for its
/// explanation and log record, and the rule that decided.
struct PlacementDecision {
    var auction: PlacementAuction
    var result: PlacementResult
    var deals: [DealExplanation] = []
    var tier: DeliveryTier
    var rule: String
}

/// What earlier placements of a request decided that later ones must respect.
struct RequestState {
    /// Slots of campaigns that already won a placement.
    var wonSlots: [Int] = []
    /// Exclusion labels of the ads already chosen.
    var labels: [String] = []
    /// Roadblocks that could not fill all of their placements.
    var excludedSlots: [Int] = []
    /// Placements a roadblock already filled, by position.
    var roadblockWins: [Int: Win] = [:]

    mutating func won(_ entry: IndexedCampaign, slot: Int) {
        wonSlots.append(slot)
        for label in entry.exclusionLabels where !labels.contains(label) { labels.append(label) }
    }
}
