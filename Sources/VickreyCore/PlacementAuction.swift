/// A candidate that dropped out, and why.
struct Drop {
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

/// One placement's auction: a lazily drained queue of candidates, best score first, each
/// checked as it comes, until the winner and its price are decided. Internal: the deal
/// and replay extensions of `Auctioneer` run it too, and its explanation and auction-log
/// record are written in `PlacementAuction+Explanation.swift`.
struct PlacementAuction {
    let request: AuctionRequest
    let placement: PlacementRequest
    /// Whether the placement takes banners only: the index's size postings then decided the
    /// creative fit exactly, and no candidate needs the video and native checks.
    let bannerOnly: Bool
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
    /// Whether candidates are screened by the policy (caps, pacing, budget) as they are
    /// pulled; false for the line-item tiers, which rank every match first and screen only
    /// the ones they are about to take.
    var screens = true
    /// Labels of the ads this request already holds: a candidate sharing one is excluded.
    var excludedLabels: [String] = []
    /// Slots left out of this placement (a roadblock that could not fill all of its placements).
    var excludedSlots: [Int] = []
    /// Whether roadblock and exclusion rules need checking (some live campaign has them).
    let checksRequestRules: Bool
    /// Candidates below the floor that the policy would have let bid (recording only).
    var eligibleBelowFloor: [Candidate] = []

    var queue: CandidateStream
    /// Candidates that passed every check, in descending score order.
    var eligible: [Candidate] = []
    /// Every drop, in the order they happened, when the request asks for an explanation;
    /// otherwise only the first (drops happen in descending score order, so the first is
    /// the one a no-fill reason needs).
    var drops: [Drop] = []
    /// Hours of the week already worked out, by time zone identifier (a request meets few zones).
    private var hourOfWeekByZone: [(zone: String, hour: Int)] = []
    var winnerSlot: Int?
    var runnerUpSlot: Int?
    var clearing: ClearingPrice?

    init(
        request: AuctionRequest, placement: PlacementRequest, position: Int, rules: AuctionRules,
        snapshot: IndexSnapshot, wonSlots: [Int], policy: any EligibilityPolicy, source: Auctioneer.CandidateSource,
        experiment: ExperimentTag?, recording: Bool, deal: DealRequest? = nil, claims: Bool = true,
        tiers: [DeliveryTier]? = nil, floor floorOverride: Micros? = nil
    ) {
        self.checksRequestRules = snapshot.campaignsWithRequestRules > 0
        self.experiment = experiment
        self.recording = recording
        self.deal = deal
        self.claims = claims
        self.request = request
        self.placement = placement
        self.bannerOnly = placement.shape.isBannerOnly
        self.position = position
        self.rules = rules
        self.entries = snapshot.entries
        self.wonSlots = wonSlots
        self.policy = policy
        // A deal's auction: the minimum floor and the deal's own, not the open auction's floors.
        self.floor = floorOverride ?? deal.map { max(rules.minimumFloor, $0.floor ?? .zero) } ?? rules.floor(for: placement)
        let query = request.query(for: placement)
        switch source {
        case .index:
            let conjunction = tiers.map { snapshot.conjunction(for: query, tiers: $0) } ?? snapshot.conjunction(for: query)
            queue = CandidateStream(snapshot: snapshot, conjunction: conjunction)
        case .linearScan:
            var matched: [Candidate] = []
            for (slot, entry) in snapshot.entries.enumerated() {
                if let entry, tiers?.contains(entry.campaign.lineItem.delivery.tier) ?? true,
                    entry.campaign.targetingMismatch(query, hourOfWeek: nil) == nil
                {
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
                switch winner.tier {
                case .house: price = ClearingPrice(price: .zero, rule: .house)
                // A line item pays its booked rate, the score it bid at.
                case .sponsorship, .standard: price = ClearingPrice(price: Micros(top), rule: .bookedRate)
                case .pricePriority:
                    price = Scoring.clearingPrice(
                        winner: Micros(top), runnerUp: runnerUp.map { Micros($0.score) }, floor: winnerFloor, increment: rules.increment)
                }
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
    mutating func pullNext() -> Bool {
        guard let candidate = queue.peek(), candidate.score >= floor.value || request.debug || recording else { return false }
        _ = queue.pop()
        // Read through the shared entry, which holds what is checked per candidate.
        let entry = entry(atSlot: candidate.slot)
        if entry.hasHourTargeting, let mismatch = entry.hoursMismatch(hourOfWeek(for: entry.timeZone)) {
            drop(candidate, .targeting, .targeting(mismatch))
        } else if wonSlots.contains(candidate.slot) {
            drop(candidate, .alreadyWon, .text("won an earlier placement of this request"))
        } else if checksRequestRules, let refusal = requestRuleRefusal(entry, slot: candidate.slot) {
            drop(candidate, .alreadyWon, .text(refusal))
        } else if !entry.isInFlight(at: request.time) {
            drop(candidate, .flight, .text("outside its flight dates"))
        } else if !bannerOnly, entry.campaign.creative(for: placement.shape) == nil {
            // The index matched the format; the creative's video or native rules are checked here.
            drop(candidate, .targeting, .text(placement.shape.refusal(entry.campaign.creatives)))
        } else if let deal, let refusal = deal.refusal(entry.campaign, creative: entry.campaign.creative(for: placement.shape)) {
            drop(candidate, .targeting, .text(refusal))
        } else if deal != nil, candidate.score < effectiveFloor(entry).value {
            drop(candidate, .floor, .belowFloor(floor: effectiveFloor(entry).value))
        } else if candidate.score < floor.value {
            if recording, case .eligible = policy.screen(entry, request: request) { eligibleBelowFloor.append(candidate) }
            drop(candidate, .floor, .belowFloor(floor: floor.value))
        } else if !screens {
            eligible.append(candidate)
        } else if !request.debug, entry.hint.isBlocked(at: request.time) {
            drop(candidate, .budget, .text("budget spent or held"))
        } else if case .refused(let stage, let reason) = policy.screen(entry, request: request) {
            drop(candidate, stage, .text(reason))
        } else {
            eligible.append(candidate)
        }
        return true
    }

    /// Why the request's other ads keep `entry` out of this placement: a shared exclusion
    /// label, a roadblock that could not fill all of its placements, or a roadblock that
    /// matched an earlier placement (it fills all of its placements from the first or none).
    private func requestRuleRefusal(_ entry: IndexedCampaign, slot: Int) -> String? {
        if excludedSlots.contains(slot) { return "roadblock: could not fill every placement of this request it matches" }
        if !excludedLabels.isEmpty, let label = entry.exclusionLabels.first(where: excludedLabels.contains) {
            return "competitive exclusion: an earlier ad of this request has the label '\(label)'"
        }
        if entry.isRoadblock, let earlier = request.placements[..<position].first(where: { Self.matches(entry, $0, request) }) {
            return "roadblock: matched the earlier placement '\(earlier.id)', where it was not chosen"
        }
        return nil
    }

    /// Whether `entry` could show an ad in `placement` of `request`: targeting (hours
    /// included) and a creative that fits.
    static func matches(_ entry: IndexedCampaign, _ placement: PlacementRequest, _ request: AuctionRequest) -> Bool {
        let campaign = entry.campaign
        let hour = request.time.hourOfWeek(offsetSeconds: entry.timeZone.offsetSeconds(at: request.time))
        return campaign.targetingMismatch(request.query(for: placement), hourOfWeek: hour) == nil
            && campaign.creative(for: placement.shape) != nil
    }

    /// The campaign at `slot`: every slot a candidate names holds one (candidates come from
    /// the snapshot's own postings, and a removed campaign's slot is never a candidate).
    func entry(atSlot slot: Int) -> IndexedCampaign {
        guard let entry = entries[slot] else { preconditionFailure("candidate slot \(slot) is empty in its own snapshot") }
        return entry
    }

    /// The floor a candidate must reach: the auction's, or in a deal the larger of the
    /// deal's and the campaign's own floor for that deal.
    private func effectiveFloor(_ entry: IndexedCampaign) -> Micros {
        guard let deal, let own = entry.campaign.deals.first(where: { $0.id.rawValue == deal.id })?.floor else { return floor }
        return max(floor, own)
    }

    /// The policy's screening of `slot` as a candidate of this placement, recorded as a drop
    /// when it is refused (for the line-item tiers, which screen only what they would take).
    mutating func screen(slot: Int) -> Bool {
        let entry = entry(atSlot: slot)
        let score = entry.score.value
        if !request.debug, entry.hint.isBlocked(at: request.time) {
            drop(Candidate(score: score, slot: slot), .budget, .text("budget spent or held"))
        } else if case .refused(let stage, let reason) = policy.screen(entry, request: request) {
            drop(Candidate(score: score, slot: slot), stage, .text(reason))
        } else {
            return true
        }
        eligible.removeAll { $0.slot == slot }
        return false
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

    func makeWin(_ entry: IndexedCampaign, score: Micros, clearing: ClearingPrice, runnerUp: Candidate?, reservationID: UInt64)
        -> Win
    {
        let campaign = entry.campaign
        let price = Scoring.unitPrice(pricing: campaign.pricing, clearingECPM: clearing.price, rate: campaign.scoringRate)
        // The index matched the placement's sizes, and `pullNext` checked video and native fit.
        guard let creative = campaign.creative(for: placement.shape) else {
            preconditionFailure("campaign \(campaign.id) matched a placement it has no creative for")
        }
        return Win(
            placementID: placement.id, indexed: entry, creative: creative,
            score: score, clearingECPM: clearing.price, price: price, priceRule: clearing.rule, floor: floor,
            runnerUpScore: runnerUp.map { Micros($0.score) }, maximumCharge: entry.maximumCharge,
            reservationID: reservationID, experiment: experiment, dealID: deal?.id
        )
    }
}
