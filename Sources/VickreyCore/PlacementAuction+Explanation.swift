extension PlacementAuction {
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
                    learnedCTR: campaign.learnedCTR, priorViewability: campaign.predictedViewability,
                    learnedViewability: campaign.learnedViewability, priorCompletionRate: campaign.predictedCompletionRate,
                    learnedCompletionRate: campaign.learnedCompletionRate
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
