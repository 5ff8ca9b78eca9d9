/// Line-item tiers (see `docs/line-items.md`). For one placement, in order:
///
/// 1. **Sponsorship.** Every eligible sponsorship (targeting, hours, flight, creative
///    fit, exclusion, caps and budget, no floor) counts the request as matching; those
///    behind their share (`taken × 100 < share × matched`) are ranked by deficit
///    (`share × matched − taken × 100`, largest first); the first whose claim succeeds
///    takes the placement at its booked rate.
/// 2. **Standard.** Every eligible standard line item whose impressions billed or
///    reserved are below those due by its goal curve needs the request; they are ranked
///    by `(due − progress) × 1,000,000 / goal`, largest first, and the first claim wins
///    at the booked rate.
/// 3. **Auction.** Deals, then the open second-price auction among price-priority
///    campaigns and standard line items (which bid, and pay, their booked rate).
/// 4. **House.** The highest-scoring eligible house ad, charged nothing.
///
/// Ties at one rank are broken by the request-id draw (stream `position | (tier + 1) << 32`)
/// over the tied campaigns in id order. A roadblock that wins a placement also claims every
/// later placement of the request it matches; when one claim fails it gives every claim
/// back and the placement is decided again without it.
extension Auctioneer {
    func decideWithLineItems(_ context: PlacementContext, policy: some EligibilityPolicy, state: inout RequestState)
        -> PlacementDecision
    {
        while true {
            let decision = decideTiers(context, policy: policy, state: state)
            guard case .filled(let win) = decision.result, let slot = decision.auction.winnerSlot else { return decision }
            let entry = decision.auction.entry(atSlot: slot)
            guard entry.isRoadblock else { return decision }
            if let companions = claimCompanions(of: win, entry, context: context, policy: policy, state: state) {
                for (position, companion) in companions { state.roadblockWins[position] = companion }
                var decision = decision
                if !companions.isEmpty {
                    let placements = companions.keys.sorted().map { context.request.placements[$0].id.rawValue }
                    decision.rule += "; roadblock: also fills \(placements.joined(separator: ", "))"
                }
                return decision
            }
            policy.release(entry, reservationID: win.reservationID, request: context.request)
            state.excludedSlots.append(slot)
        }
    }

    private func decideTiers(_ context: PlacementContext, policy: some EligibilityPolicy, state: RequestState) -> PlacementDecision {
        let snapshot = context.snapshot
        var passed: [String] = []
        if snapshot.hasCampaigns(in: .sponsorship) {
            let decision = sponsorshipTier(context, policy: policy, state: state)
            if case .filled = decision.result { return decision }
            passed.append(decision.rule)
        }
        if snapshot.hasCampaigns(in: .standard) {
            let decision = standardTier(context, policy: policy, state: state)
            if case .filled = decision.result { return decision }
            passed.append(decision.rule)
        }
        let needsClause = snapshot.hasCampaigns(in: .sponsorship) || snapshot.hasCampaigns(in: .house)
        var auction = decideByAuction(context, policy: policy, state: state, tiers: needsClause ? [.standard, .pricePriority] : nil)
        if case .filled = auction.result {
            auction.rule = (passed + ["auction: highest score"]).joined(separator: "; ")
            return auction
        }
        guard snapshot.hasCampaigns(in: .house) else {
            auction.rule = (passed + ["auction: no eligible bid"]).joined(separator: "; ")
            return auction
        }
        var house = tierAuction(.house, context, policy: policy, state: state)
        let result = house.decide()
        let rule = (passed + ["auction: no eligible bid", "house: \(filled(result) ? "highest-scoring house ad" : "no eligible house ad")"])
        return PlacementDecision(auction: house, result: result, tier: .house, rule: rule.joined(separator: "; "))
    }

    /// A tier's candidates, screened like the auction's but without a floor.
    private func tierAuction(
        _ tier: DeliveryTier, _ context: PlacementContext, policy: some EligibilityPolicy, state: RequestState
    ) -> PlacementAuction {
        var auction = PlacementAuction(
            request: context.request, placement: context.placement, position: context.position, rules: context.rules,
            snapshot: context.snapshot, wonSlots: state.wonSlots, policy: policy, source: context.source, experiment: context.experiment,
            recording: false, tiers: [tier], floor: .zero)
        auction.excludedLabels = state.labels
        auction.excludedSlots = state.excludedSlots
        return auction
    }

    private func sponsorshipTier(_ context: PlacementContext, policy: some EligibilityPolicy, state: RequestState) -> PlacementDecision {
        var auction = tierAuction(.sponsorship, context, policy: policy, state: state)
        while auction.pullNext() {}
        let slots = auction.eligible.map(\.slot)
        let tallies = policy.countSponsorshipMatches(slots.map { auction.entry(atSlot: $0).campaign.id })
        var ranked: [Ranked] = []
        for (slot, tally) in zip(slots, tallies) {
            guard case .sponsorship(let share) = auction.entry(atSlot: slot).campaign.lineItem.delivery else { continue }
            if tally.isBehind(sharePercent: share) {
                let rule = "sponsorship: behind its share (\(tally.taken) of \(tally.matched) matching requests taken, share \(share)%)"
                ranked.append(Ranked(slot: slot, key: tally.deficit(sharePercent: share), rule: rule))
            }
        }
        return take(ranked, tier: .sponsorship, auction: auction, context: context, policy: policy) { campaign in
            policy.countSponsorshipTake(campaign)
        } ?? PlacementDecision(auction: auction, result: .unfilled(.noCandidates), tier: .sponsorship, rule: "sponsorship: none behind its share")
    }

    private func standardTier(_ context: PlacementContext, policy: some EligibilityPolicy, state: RequestState) -> PlacementDecision {
        var auction = tierAuction(.standard, context, policy: policy, state: state)
        while auction.pullNext() {}
        let now = context.request.time
        let shape = policy.trafficShape
        var ranked: [Ranked] = []
        for candidate in auction.eligible {
            let entry = auction.entry(atSlot: candidate.slot)
            let campaign = entry.campaign
            guard case .standard(let goal, let pace) = campaign.lineItem.delivery, let start = campaign.start, let end = campaign.end
            else { continue }
            let due = GoalCurve.units(goal, ppm: GoalCurve.duePPM(pace: pace, start: start, end: end, at: now, shape: shape))
            let progress = policy.goalProgress(entry, at: now)
            if progress < due {
                let behind = Int64(Int128(due - progress) * 1_000_000 / Int128(goal))
                let rule = "standard: its goal pacing needs this request (\(progress) of \(due) due, goal \(goal), \(pace.rawValue))"
                ranked.append(Ranked(slot: candidate.slot, key: behind, rule: rule))
            }
        }
        return take(ranked, tier: .standard, auction: auction, context: context, policy: policy) { _ in }
            ?? PlacementDecision(
                auction: auction, result: .unfilled(.noCandidates), tier: .standard, rule: "standard: none needs this request")
    }

    /// A line item ranked in its tier: by `key`, largest first.
    private struct Ranked {
        var slot: Int
        var key: Int64
        var rule: String
    }

    /// Claims the best-ranked line item (ties by the request-id draw over campaign ids),
    /// the next when a claim fails; the win is at the booked rate.
    private func take(
        _ ranked: [Ranked], tier: DeliveryTier, auction: PlacementAuction, context: PlacementContext, policy: some EligibilityPolicy,
        taken: (CampaignID) -> Void
    ) -> PlacementDecision? {
        var auction = auction
        var remaining = ranked
        var generator = TieBreakGenerator(
            requestID: context.request.requestID, stream: UInt64(context.position) | UInt64(tier.rawValue + 1) << 32)
        while let top = remaining.map(\.key).max() {
            var tied = remaining.filter { $0.key == top }
            tied.sort { auction.entry(atSlot: $0.slot).campaign.id < auction.entry(atSlot: $1.slot).campaign.id }
            let pick = tied.count > 1 ? tied[generator.index(below: tied.count)] : tied[0]
            let entry = auction.entry(atSlot: pick.slot)
            remaining.removeAll { $0.slot == pick.slot }
            guard let reservation = policy.claim(entry, request: context.request) else { continue }
            taken(entry.campaign.id)
            let rate = entry.campaign.lineItem.rate
            let clearing = ClearingPrice(price: rate, rule: .bookedRate)
            auction.winnerSlot = pick.slot
            auction.clearing = clearing
            let win = auction.makeWin(entry, score: rate, clearing: clearing, runnerUp: nil, reservationID: reservation)
            return PlacementDecision(auction: auction, result: .filled(win), tier: tier, rule: "\(entry.campaign.id) \(pick.rule)")
        }
        return nil
    }

    /// The later placements a roadblock's win also fills, each claimed; nil (every claim
    /// given back) when one of them cannot be.
    private func claimCompanions(
        of win: Win, _ entry: IndexedCampaign, context: PlacementContext, policy: some EligibilityPolicy, state: RequestState
    ) -> [Int: Win]? {
        var companions: [Int: Win] = [:]
        let request = context.request
        for (position, placement) in request.placements.enumerated()
        where position > context.position && PlacementAuction.matches(entry, placement, request) {
            guard state.roadblockWins[position] == nil, let creative = entry.campaign.creative(for: placement.shape),
                let reservation = policy.claim(entry, request: request)
            else {
                for companion in companions.values { policy.release(entry, reservationID: companion.reservationID, request: request) }
                return nil
            }
            var companion = win
            companion.placementID = placement.id
            companion.creative = creative
            companion.reservationID = reservation
            companions[position] = companion
        }
        return companions
    }

    /// The explanation of a placement a roadblock filled from an earlier one.
    static func companionExplanation(_ win: Win) -> PlacementExplanation {
        var explanation = PlacementExplanation(
            placementID: win.placementID, minimumFloor: .zero, placementFloor: nil, requestFloor: nil, floorMultiplierPPM: 1_000_000,
            increment: .zero, floor: win.floor, candidates: [], targetingRejections: 0, winner: win.campaignID, runnerUp: nil,
            runnerUpScore: nil, clearingECPM: win.clearingECPM, price: win.price, priceRule: win.priceRule, noFillReason: nil)
        explanation.tier = win.campaign.lineItem.delivery.tier
        explanation.tierRule = "roadblock: \(win.campaignID) fills every placement of the request it matches"
        return explanation
    }
}

private func filled(_ result: PlacementResult) -> Bool {
    if case .filled = result { true } else { false }
}
