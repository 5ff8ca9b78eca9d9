extension Auctioneer {
    /// Re-runs one logged placement auction with the same code, over its logged eligible
    /// candidates (bids as logged, every one eligible: no budgets, pacing or caps) under
    /// `rules` (whose `placementFloors` should hold the logged placement floor).
    public func replay(
        requestID: String, position: Int, placement: PlacementRequest, candidates: [RecordedCandidate]
    ) -> PlacementResult {
        var snapshot = IndexSnapshot()
        snapshot.apply(
            candidates.map { candidate in
                .upsert(
                    Campaign(
                        id: candidate.campaignID, advertiserID: candidate.advertiserID, bid: candidate.score, totalBudget: .zero,
                        creatives: [Self.replayCreative]))
            })
        let request = AuctionRequest(requestID: requestID, placements: [placement], time: Instant(secondsSinceEpoch: 0))
        var auction = PlacementAuction(
            request: request, placement: placement, position: position, rules: rules, snapshot: snapshot, wonSlots: [],
            policy: AlwaysEligible(), source: .index, experiment: nil, recording: false
        )
        return auction.decide()
    }

    private static let replayCreative = Creative(
        id: CreativeID(unchecked: "replay"), size: AdSize(width: 1, height: 1)!, imageURL: "", clickURL: "")
}
