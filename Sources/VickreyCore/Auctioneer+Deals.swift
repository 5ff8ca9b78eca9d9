extension Auctioneer {
    /// With deals, each deal's auction and (unless the auction is private) the open one
    /// are run dry; the best score wins (ties: deals in request order, then the open
    /// auction), and only that auction runs again to claim the win. Returns the deal to
    /// run (nil: the open auction) and what each deal would have done, for the explanation.
    func chooseDeal(
        request: AuctionRequest, placement: PlacementRequest, position: Int, rules placementRules: AuctionRules,
        snapshot: IndexSnapshot, wonSlots: [Int], policy: some EligibilityPolicy, source: CandidateSource, experiment tag: ExperimentTag?,
        tiers: [DeliveryTier]? = nil
    ) -> (DealRequest?, [DealExplanation]) {
        guard !placement.deals.isEmpty else { return (nil, []) }
        var dealExplanations: [DealExplanation] = []
        var best: (score: Int64, deal: DealRequest?)?
        for deal in placement.deals {
            var dry = PlacementAuction(
                request: request, placement: placement, position: position, rules: placementRules, snapshot: snapshot,
                wonSlots: wonSlots, policy: policy, source: source, experiment: tag, recording: false, deal: deal, claims: false,
                tiers: tiers)
            let result = dry.decide()
            var win: Win?
            if case .filled(let filled) = result { win = filled }
            dealExplanations.append(
                DealExplanation(
                    id: deal.id, auctionType: deal.auctionType, floor: dry.floor, winner: win?.campaignID, clearingECPM: win?.clearingECPM))
            if let win, win.score.value > best?.score ?? Int64.min { best = (win.score.value, deal) }
        }
        if !placement.privateAuction {
            var open = PlacementAuction(
                request: request, placement: placement, position: position, rules: placementRules, snapshot: snapshot,
                wonSlots: wonSlots, policy: policy, source: source, experiment: tag, recording: false, claims: false, tiers: tiers)
            if case .filled(let win) = open.decide(), win.score.value > best?.score ?? Int64.min { best = (win.score.value, nil) }
        }
        return (best?.deal ?? (placement.privateAuction ? placement.deals.first : nil), dealExplanations)
    }
}
