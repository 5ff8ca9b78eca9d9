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
        if request.privacy.outcome == .noAd {
            return AuctionOutcome(
                requestID: request.requestID,
                placements: request.placements.map { PlacementOutcome(placementID: $0.id, result: .unfilled(.privacy)) },
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

private struct Drop {
    var slot: Int
    var score: Int64
    var stage: CandidateStage
    var reason: Reason

    /// Kept unformatted: most drops are never explained, and formatting allocates.
    enum Reason {
        case text(String)
        case targeting(TargetingMismatch)
        case belowFloor(floor: Int64)
    }

    var explanation: String {
        switch reason {
        case .text(let text): text
        case .targeting(let mismatch): mismatch.description
        case .belowFloor(let floor): "score \(score) below the floor \(floor)"
        }
    }
}

/// One placement's auction: a lazily drained queue of candidates, best score first.
/// One placement's auction (internal: the deal and replay extensions run it too).
struct PlacementAuction {
    let request: AuctionRequest
    let placement: PlacementRequest
    let position: Int
    let rules: AuctionRules
    /// The snapshot's slots (the one part of it the auction keeps: copying the whole
    /// snapshot value would retain each of its tables).
    let entries: [IndexedCampaign?]
    let wonSlots: [Int]
    let policy: any EligibilityPolicy
    let floor: Micros
    let experiment: ExperimentTag?
    /// Whether candidates below the floor are screened too and every eligible one kept,
    /// for the auction log.
    let recording: Bool
    /// The deal this auction is for (its campaigns only, its floor and price rule); nil: the open auction.
    let deal: DealRequest?
    /// Whether the winner's budget is claimed (false: a dry run that only finds who would win).
    let claims: Bool
    /// Candidates below the floor that the policy would have let bid (recording only).
    private var eligibleBelowFloor: [Candidate] = []

    private var queue: CandidateStream
    /// Candidates that passed every check, in descending score order.
    private var eligible: [Candidate] = []
    /// Every drop, in the order they happened, when the request asks for an explanation;
    /// otherwise only the first (drops happen in descending score order, so the first is
    /// the one a no-fill reason needs).
    private var drops: [Drop] = []
    /// Hours of the week already worked out, by time zone identifier (a request meets few zones).
    private var hourOfWeekByZone: [(zone: String, hour: Int)] = []
    private(set) var winnerSlot: Int?
    private var runnerUpSlot: Int?
    private var clearing: ClearingPrice?

    init(
        request: AuctionRequest, placement: PlacementRequest, position: Int, rules: AuctionRules,
        snapshot: IndexSnapshot, wonSlots: [Int], policy: any EligibilityPolicy, source: Auctioneer.CandidateSource,
        experiment: ExperimentTag?, recording: Bool, deal: DealRequest? = nil, claims: Bool = true
    ) {
        self.experiment = experiment
        self.recording = recording
        self.deal = deal
        self.claims = claims
        self.request = request
        self.placement = placement
        self.position = position
        self.rules = rules
        self.entries = snapshot.entries
        self.wonSlots = wonSlots
        self.policy = policy
        // A deal's auction: the minimum floor and the deal's own, not the open auction's floors.
        self.floor = deal.map { max(rules.minimumFloor, $0.floor ?? .zero) } ?? rules.floor(for: placement)
        let query = request.query(for: placement)
        switch source {
        case .index:
            queue = CandidateStream(snapshot: snapshot, conjunction: snapshot.conjunction(for: query))
        case .linearScan:
            var matched: [Candidate] = []
            for (slot, entry) in snapshot.entries.enumerated() {
                if let entry, entry.campaign.targetingMismatch(query, hourOfWeek: nil) == nil {
                    matched.append(Candidate(score: entry.score.value, slot: slot))
                }
            }
            queue = CandidateStream(unordered: matched)
        }
    }

    /// Picks the winner and sets the price, examining as few candidates as possible.
    mutating func decide() -> PlacementResult {
        var generator = TieBreakGenerator(requestID: request.requestID, stream: UInt64(position))
        while true {
            while eligible.isEmpty, pullNext() {}
            guard let top = eligible.first?.score else { return .unfilled(noFillReason) }
            // Every candidate tied at the top score must be known before breaking the tie.
            while let next = queue.peek(), next.score == top { _ = pullNext() }
            let tieCount = eligible.prefix { $0.score == top }.count
            var pick = eligible[0].slot
            if tieCount > 1 {
                var tier = eligible.prefix(tieCount).map(\.slot)
                tier.sort { entry(atSlot: $0).campaign.id < entry(atSlot: $1).campaign.id }
                pick = tier[generator.index(below: tier.count)]
            }
            let winner = entry(atSlot: pick)
            guard let reservationID = claims ? policy.claim(winner, request: request) : 0 else {
                eligible.removeAll { $0.slot == pick }
                drop(Candidate(score: top, slot: pick), .budget, .text("budget taken by a concurrent auction"))
                continue
            }
            let runnerUp = findRunnerUp(against: winner.campaign.advertiserID)
            winnerSlot = pick
            runnerUpSlot = runnerUp?.slot
            let winnerFloor = effectiveFloor(winner)
            let price: ClearingPrice
            switch deal?.auctionType {
            case .firstPrice?: price = ClearingPrice(price: Micros(top), rule: .winnerScore)
            case .fixedPrice?: price = ClearingPrice(price: winnerFloor, rule: .floor)
            case .secondPrice?, nil:
                price = Scoring.clearingPrice(
                    winner: Micros(top), runnerUp: runnerUp.map { Micros($0.score) }, floor: winnerFloor, increment: rules.increment)
            }
            clearing = price
            return .filled(makeWin(winner, score: Micros(top), clearing: price, runnerUp: runnerUp, reservationID: reservationID))
        }
    }

    /// The best eligible candidate of another advertiser, pulling more candidates until
    /// one appears or none is left. Eligible candidates arrive in descending score order,
    /// so the first one found is the best.
    private mutating func findRunnerUp(against advertiser: AdvertiserID) -> Candidate? {
        var searched = 0
        while true {
            for candidate in eligible[searched...] {
                if entry(atSlot: candidate.slot).campaign.advertiserID != advertiser { return candidate }
            }
            searched = eligible.count
            guard pullNext() else { return nil }
        }
    }

    /// Takes the next-best candidate off the queue and runs it through the checks.
    /// Returns false when nothing left can be eligible (queue empty, or below the floor).
    private mutating func pullNext() -> Bool {
        guard let candidate = queue.peek(), candidate.score >= floor.value || request.debug || recording else { return false }
        _ = queue.pop()
        // Read through the shared entry: copying the `Campaign` value would retain every field.
        let entry = entry(atSlot: candidate.slot)
        if entry.hasHourTargeting, let mismatch = entry.hoursMismatch(hourOfWeek(for: entry.timeZone)) {
            drop(candidate, .targeting, .targeting(mismatch))
        } else if wonSlots.contains(candidate.slot) {
            drop(candidate, .alreadyWon, .text("won an earlier placement of this request"))
        } else if !entry.isInFlight(at: request.time) {
            drop(candidate, .flight, .text("outside its flight dates"))
        } else if let deal, let refusal = deal.refusal(entry.campaign, creative: entry.campaign.creative(accepting: placement.sizes)) {
            drop(candidate, .targeting, .text(refusal))
        } else if deal != nil, candidate.score < effectiveFloor(entry).value {
            drop(candidate, .floor, .belowFloor(floor: effectiveFloor(entry).value))
        } else if candidate.score < floor.value {
            if recording, case .eligible = policy.screen(entry, request: request) { eligibleBelowFloor.append(candidate) }
            drop(candidate, .floor, .belowFloor(floor: floor.value))
        } else if !request.debug, entry.hint.isBlocked(at: request.time) {
            drop(candidate, .budget, .text("budget spent or held"))
        } else if case .refused(let stage, let reason) = policy.screen(entry, request: request) {
            drop(candidate, stage, .text(reason))
        } else {
            eligible.append(candidate)
        }
        return true
    }

    private func entry(atSlot slot: Int) -> IndexedCampaign { entries[slot]! }

    /// The floor a candidate must reach: the auction's, or in a deal the larger of the
    /// deal's and the campaign's own floor for that deal.
    private func effectiveFloor(_ entry: IndexedCampaign) -> Micros {
        guard let deal, let own = entry.campaign.deals.first(where: { $0.id.rawValue == deal.id })?.floor else { return floor }
        return max(floor, own)
    }

    private mutating func drop(_ candidate: Candidate, _ stage: CandidateStage, _ reason: Drop.Reason) {
        guard request.debug || drops.isEmpty else { return }
        drops.append(Drop(slot: candidate.slot, score: candidate.score, stage: stage, reason: reason))
    }

    private mutating func hourOfWeek(for zone: CampaignTimeZone) -> Int {
        if let cached = hourOfWeekByZone.first(where: { $0.zone == zone.identifier }) { return cached.hour }
        let hour = request.time.hourOfWeek(offsetSeconds: zone.offsetSeconds(at: request.time))
        hourOfWeekByZone.append((zone.identifier, hour))
        return hour
    }

    private var noFillReason: NoFillReason {
        guard queue.matchedAny else { return .noCandidates }
        // The fate of the best-scoring candidate at or above the floor. Without debug,
        // candidates below the floor are never pulled, so they count as floor drops.
        var best: Drop?
        for drop in drops where drop.score >= floor.value && drop.score > (best?.score ?? .min) { best = drop }
        return best.map { NoFillReason($0.stage) } ?? .belowFloor
    }

    private func makeWin(_ entry: IndexedCampaign, score: Micros, clearing: ClearingPrice, runnerUp: Candidate?, reservationID: UInt64)
        -> Win
    {
        let campaign = entry.campaign
        let price =
            switch campaign.pricing {
            case .cpm: clearing.price
            case .cpc:
                Scoring.perClickPrice(clearingECPM: clearing.price, ctr: campaign.scoringCTR ?? ClickThroughRate(partsPerMillion: 1))
            }
        return Win(
            placementID: placement.id, indexed: entry, creative: campaign.creative(accepting: placement.sizes)!,
            score: score, clearingECPM: clearing.price, price: price, priceRule: clearing.rule, floor: floor,
            runnerUpScore: runnerUp.map { Micros($0.score) }, maximumCharge: entry.maximumCharge,
            reservationID: reservationID, experiment: experiment, dealID: deal?.id
        )
    }

    /// Drains every remaining candidate and lists those eligible at any floor, with what
    /// the auction decided: one line of the auction log.
    mutating func record(_ result: PlacementResult) -> AuctionRecord {
        while pullNext() {}
        let kept = (eligible + eligibleBelowFloor).sorted { ($0.score, $1.slot) > ($1.score, $0.slot) }
        var win: Win?
        if case .filled(let filled) = result { win = filled }
        return AuctionRecord(
            placement: placement, position: position, minimumFloor: rules.minimumFloor, placementFloor: rules.placementFloors[placement.id],
            floorMultiplierPPM: rules.floorMultiplierPPM, increment: rules.increment, floor: floor, experiment: experiment,
            candidates: kept.map { candidate in
                let campaign = entry(atSlot: candidate.slot).campaign
                return RecordedCandidate(campaignID: campaign.id, advertiserID: campaign.advertiserID, score: Micros(candidate.score))
            }, winner: win?.campaignID, clearingECPM: win?.clearingECPM, price: win?.price
        )
    }

    /// Drains every remaining candidate and describes each campaign's fate.
    mutating func explain(_ result: PlacementResult) -> PlacementExplanation {
        while pullNext() {}
        var candidates: [CandidateExplanation] = []
        func describe(_ slot: Int, _ stage: CandidateStage, _ reason: String) {
            let campaign = entry(atSlot: slot).campaign
            candidates.append(
                CandidateExplanation(
                    campaignID: campaign.id, advertiserID: campaign.advertiserID,
                    score: entry(atSlot: slot).score, stage: stage, reason: reason, priorCTR: campaign.predictedCTR,
                    learnedCTR: campaign.learnedCTR
                ))
        }
        for candidate in eligible {
            if candidate.slot == winnerSlot {
                describe(
                    candidate.slot, .won,
                    "highest score; clears at \(clearing?.price.value ?? 0) micros eCPM (\(clearing?.rule.rawValue ?? ""))")
            } else if candidate.slot == runnerUpSlot {
                describe(candidate.slot, .outbid, "runner-up from another advertiser: sets the price")
            } else {
                describe(candidate.slot, .outbid, "outbid")
            }
        }
        for drop in drops { describe(drop.slot, drop.stage, drop.explanation) }
        candidates.sort { ($0.score, $1.campaignID) > ($1.score, $0.campaignID) }

        let query = request.query(for: placement)
        var rejections = 0
        for (slot, entry) in entries.enumerated() {
            guard let entry, let mismatch = entry.campaign.targetingMismatch(query, hourOfWeek: nil) else { continue }
            rejections += 1
            if rejections <= PlacementExplanation.listedTargetingRejections {
                describe(slot, .targeting, mismatch.description)
            }
        }
        let winner = winnerSlot.map { entry(atSlot: $0).campaign.id }
        let runnerUp = runnerUpSlot.map { entry(atSlot: $0).campaign }
        var noFill: NoFillReason? = nil
        if case .unfilled(let reason) = result { noFill = reason }
        return PlacementExplanation(
            placementID: placement.id, minimumFloor: rules.minimumFloor, placementFloor: rules.placementFloors[placement.id],
            requestFloor: placement.floor, floorMultiplierPPM: rules.floorMultiplierPPM, increment: rules.increment,
            experiment: experiment, floor: floor, candidates: candidates, targetingRejections: rejections,
            winner: winner, runnerUp: runnerUp?.id, runnerUpScore: runnerUpSlot.map { entry(atSlot: $0).score },
            clearingECPM: clearing?.price, price: winnerSlot != nil ? resultPrice(result) : nil, priceRule: clearing?.rule,
            noFillReason: noFill
        )
    }

    private func resultPrice(_ result: PlacementResult) -> Micros? {
        if case .filled(let win) = result { win.price } else { nil }
    }
}
