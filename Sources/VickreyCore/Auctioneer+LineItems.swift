/// Line-item tiers (see `docs/line-items.md`). For one placement, in order:
///
/// 1. **Sponsorship.** Every matching sponsorship (targeting, hours, flight, creative
///    fit, exclusion; no floor) counts the request as matching; those behind their share
///    (`taken × 100 < share × matched`) are ranked by deficit (`share × matched − taken ×
///    100`, largest first); the first that passes caps, pacing and budget and whose claim
///    succeeds takes the placement at its booked rate.
/// 2. **Standard.** Every matching standard line item whose impressions billed or
///    reserved are below those due by its goal curve needs the request; they are ranked
///    by `(due − progress) × 1,000,000 / goal`, largest first, and the first that passes
///    caps, pacing and budget and claims wins at the booked rate.
/// 3. **Auction.** Deals, then the open second-price auction among price-priority
///    campaigns and standard line items (which bid, and pay, their booked rate).
/// 4. **House.** The highest-scoring eligible house ad, charged nothing.
///
/// Ties in tiers 1 and 2 are broken by the request-id draw (stream `position | (tier + 1) << 32`)
/// over the tied campaigns in id order; tied house ads by the auction's own draw. A roadblock that wins a placement also claims every
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
        // Rules are written out only for an explanation.
        let explains = context.request.debug
        var passed: [String] = []
        let sponsorships = snapshot.hasCampaigns(in: .sponsorship)
        let standards = snapshot.hasCampaigns(in: .standard)
        // A walk of the index per tier: the sparse tier clause comes first, so each costs little
        // more than its own matches (one walk for both would screen every standard item's
        // match on the many requests a sponsorship takes).
        if sponsorships {
            var matches = tierAuction([.sponsorship], context, policy: policy, state: state)
            while matches.pullNext() {}
            if let decision = sponsorshipTier(&matches, context, policy: policy) { return decision }
            if explains { passed.append("sponsorship: none behind its share") }
        }
        if standards {
            var matches = tierAuction([.standard], context, policy: policy, state: state)
            while matches.pullNext() {}
            if let decision = standardTier(&matches, context, policy: policy) { return decision }
            if explains { passed.append("standard: none needs this request") }
        }
        let needsClause = sponsorships || snapshot.hasCampaigns(in: .house)
        var auction = decideByAuction(context, policy: policy, state: state, tiers: needsClause ? [.standard, .pricePriority] : nil)
        if case .filled = auction.result {
            if explains { auction.rule = (passed + ["auction: highest score"]).joined(separator: "; ") }
            return auction
        }
        guard snapshot.hasCampaigns(in: .house) else {
            if explains { auction.rule = (passed + ["auction: no eligible bid"]).joined(separator: "; ") }
            return auction
        }
        var house = tierAuction([.house], context, policy: policy, state: state)
        let result = house.decide()
        let rule =
            explains
            ? (passed + ["auction: no eligible bid", "house: \(filled(result) ? "highest-scoring house ad" : "no eligible house ad")"])
                .joined(separator: "; ") : ""
        return PlacementDecision(auction: house, result: result, tier: .house, rule: rule)
    }

    /// A tier's candidates, screened like the auction's but without a floor.
    private func tierAuction(
        _ tiers: [DeliveryTier], _ context: PlacementContext, policy: some EligibilityPolicy, state: RequestState
    ) -> PlacementAuction {
        var auction = PlacementAuction(
            request: context.request, placement: context.placement, position: context.position, rules: context.rules,
            snapshot: context.snapshot, wonSlots: state.wonSlots, policy: policy, source: context.source, experiment: context.experiment,
            recording: false, tiers: tiers, floor: .zero)
        auction.screens = tiers == [.house]
        auction.excludedLabels = state.labels
        auction.excludedSlots = state.excludedSlots
        return auction
    }

    /// The sponsorship tier over the line items `auction` matched; nil when none takes it.
    private func sponsorshipTier(_ auction: inout PlacementAuction, _ context: PlacementContext, policy: some EligibilityPolicy)
        -> PlacementDecision?
    {
        var slots: [Int] = []
        for candidate in auction.eligible where auction.entry(atSlot: candidate.slot).tier == .sponsorship { slots.append(candidate.slot) }
        guard !slots.isEmpty else { return nil }
        let tallies = policy.countSponsorshipMatches(slots.map { auction.entry(atSlot: $0).id })
        var ranked: [Ranked] = []
        for (slot, tally) in zip(slots, tallies) {
            guard case .sponsorship(let share) = auction.entry(atSlot: slot).delivery else { continue }
            if tally.isBehind(sharePercent: share) {
                ranked.append(Ranked(slot: slot, key: tally.deficit(sharePercent: share), reason: .behindShare(tally, share: share)))
            }
        }
        return take(ranked, tier: .sponsorship, auction: &auction, context: context, policy: policy) { campaign in
            policy.countSponsorshipTake(campaign)
        }
    }

    /// The standard tier over the line items `auction` matched; nil when none takes it.
    private func standardTier(_ auction: inout PlacementAuction, _ context: PlacementContext, policy: some EligibilityPolicy)
        -> PlacementDecision?
    {
        let now = context.request.time
        let shape = policy.trafficShape
        var ranked: [Ranked] = []
        for candidate in auction.eligible {
            let entry = auction.entry(atSlot: candidate.slot)
            guard entry.tier == .standard, case .standard(let goal, let pace) = entry.delivery, let start = entry.flightStart,
                let end = entry.flightEnd
            else { continue }
            // Ahead of its curve until the hint's instant (cleared if its progress falls): no need to ask.
            if !context.request.debug, entry.goalHint.isBlocked(at: now) { continue }
            let due = GoalCurve.units(goal, ppm: GoalCurve.duePPM(pace: pace, start: start, end: end, at: now, shape: shape))
            let progress = policy.goalProgress(entry, at: now)
            if progress >= due {
                let next = GoalCurve.nextDue(after: progress, goal: goal, pace: pace, start: start, end: end, at: now, shape: shape)
                policy.noteAhead(entry, progress: progress, until: next, at: now)
            } else {
                let behind = GoalCurve.behindPPM(due: due, progress: progress, goal: goal)
                ranked.append(
                    Ranked(slot: candidate.slot, key: behind, reason: .behindGoal(progress: progress, due: due, goal: goal, pace: pace)))
            }
        }
        return take(ranked, tier: .standard, auction: &auction, context: context, policy: policy) { _ in }
    }

    /// A line item ranked in its tier: by `key`, largest first.
    private struct Ranked {
        var slot: Int
        var key: Int64
        var reason: Reason

        /// Why it ranks, written out only for the one that takes the placement.
        enum Reason {
            case behindShare(SponsorshipTally, share: Int)
            case behindGoal(progress: Int64, due: Int64, goal: Int64, pace: GoalPace)
        }

        var rule: String {
            switch reason {
            case .behindShare(let tally, let share):
                "sponsorship: behind its share (\(tally.taken) of \(tally.matched) matching requests taken, share \(share)%)"
            case .behindGoal(let progress, let due, let goal, let pace):
                "standard: its goal pacing needs this request (\(progress) of \(due) due, goal \(goal), \(pace.rawValue))"
            }
        }
    }

    /// Claims the best-ranked line item (ties by the request-id draw over campaign ids),
    /// the next when a claim fails; the win is at the booked rate.
    private func take(
        _ ranked: [Ranked], tier: DeliveryTier, auction: inout PlacementAuction, context: PlacementContext,
        policy: some EligibilityPolicy, taken: (CampaignID) -> Void
    ) -> PlacementDecision? {
        guard !ranked.isEmpty else { return nil }
        var remaining = ranked
        var generator = TieBreakGenerator(
            requestID: context.request.requestID, stream: UInt64(context.position) | UInt64(tier.rawValue + 1) << 32)
        while let top = remaining.map(\.key).max() {
            var tied = remaining.filter { $0.key == top }
            tied.sort { auction.entry(atSlot: $0.slot).id < auction.entry(atSlot: $1.slot).id }
            let pick = tied.count > 1 ? tied[generator.index(below: tied.count)] : tied[0]
            let entry = auction.entry(atSlot: pick.slot)
            remaining.removeAll { $0.slot == pick.slot }
            guard auction.screen(slot: pick.slot), let reservation = policy.claim(entry, request: context.request) else { continue }
            taken(entry.id)
            let rate = entry.score
            let clearing = ClearingPrice(price: rate, rule: .bookedRate)
            auction.winnerSlot = pick.slot
            auction.clearing = clearing
            let win = auction.makeWin(entry, score: rate, clearing: clearing, runnerUp: nil, reservationID: reservation)
            let rule = context.request.debug ? "\(entry.id) \(pick.rule)" : ""
            return PlacementDecision(auction: auction, result: .filled(win), tier: tier, rule: rule)
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
