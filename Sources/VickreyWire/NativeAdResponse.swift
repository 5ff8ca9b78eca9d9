import VickreyCore

/// Writes the `POST /v1/ads` response body in the contract's shape.
public enum NativeAdResponse {
    /// The beacon URLs of one filled placement.
    public struct Beacons: Sendable {
        public var impressionURL: String
        public var clickURL: String
        public init(impressionURL: String, clickURL: String) {
            self.impressionURL = impressionURL
            self.clickURL = clickURL
        }
    }

    /// `beacons[i]` belongs to `outcome.wins[i]`.
    public static func write(_ outcome: AuctionOutcome, beacons: [Beacons]) -> [UInt8] {
        var w = JSONWriter(capacity: 256 + 512 * outcome.placements.count)
        w.raw("{\"request_id\":")
        w.string(outcome.requestID)
        w.raw(",\"ads\":[")
        var winIndex = 0
        var unfilled: [String] = []
        for placement in outcome.placements {
            guard case .filled(let win) = placement.result else {
                unfilled.append(placement.placementID.rawValue)
                continue
            }
            if winIndex > 0 { w.comma() }
            writeAd(win, beacons[winIndex], into: &w)
            winIndex += 1
        }
        w.raw("],\"unfilled\":")
        w.stringArray(unfilled)
        if let explanation = outcome.explanation {
            w.raw(",\"debug\":")
            writeExplanation(explanation, into: &w)
        }
        w.raw("}")
        return w.bytes
    }

    private static func writeAd(_ win: Win, _ beacons: Beacons, into w: inout JSONWriter) {
        w.raw("{\"placement_id\":")
        w.string(win.placementID.rawValue)
        w.raw(",\"campaign_id\":")
        w.string(win.campaignID.rawValue)
        w.raw(",\"advertiser_id\":")
        w.string(win.advertiserID.rawValue)
        w.raw(",\"creative\":{\"id\":")
        w.string(win.creative.id.rawValue)
        w.raw(",\"size\":")
        w.string(win.creative.size.description)
        w.raw(",\"image_url\":")
        w.string(win.creative.imageURL)
        w.raw(",\"click_url\":")
        w.string(win.creative.clickURL)
        w.raw(",\"adomain\":")
        w.stringArray(win.creative.advertiserDomains)
        w.raw("},\"pricing\":")
        w.string(win.pricing.rawValue)
        w.raw(",\"clearing_ecpm_micros\":")
        w.integer(win.clearingECPM.value)
        w.raw(",\"price_micros\":")
        w.integer(win.price.value)
        if let deal = win.dealID {
            w.raw(",\"deal_id\":")
            w.string(deal)
        }
        w.raw(",\"impression_url\":")
        w.string(beacons.impressionURL)
        w.raw(",\"click_url\":")
        w.string(beacons.clickURL)
        w.raw("}")
    }

    /// The auction explanation: per placement, the floor's parts, the decision and every
    /// campaign's stage.
    public static func writeExplanation(_ explanation: AuctionExplanation, into w: inout JSONWriter) {
        w.raw("{\"privacy\":{\"outcome\":")
        w.string(explanation.privacy.outcome.rawValue)
        w.raw(",\"reasons\":")
        w.stringArray(explanation.privacy.reasons)
        w.raw("},\"placements\":[")
        for (index, p) in explanation.placements.enumerated() {
            if index > 0 { w.comma() }
            w.raw("{\"placement_id\":")
            w.string(p.placementID.rawValue)
            w.raw(",\"floor_micros\":")
            w.integer(p.floor.value)
            w.raw(",\"minimum_floor_micros\":")
            w.integer(p.minimumFloor.value)
            w.raw(",\"placement_floor_micros\":")
            optionalInteger(p.placementFloor?.value, &w)
            w.raw(",\"request_floor_micros\":")
            optionalInteger(p.requestFloor?.value, &w)
            w.raw(",\"floor_multiplier_ppm\":")
            w.integer(p.floorMultiplierPPM)
            w.raw(",\"increment_micros\":")
            w.integer(p.increment.value)
            w.raw(",\"deal_id\":")
            w.optionalString(p.dealID)
            w.raw(",\"deals\":[")
            for (index, deal) in p.deals.enumerated() {
                if index > 0 { w.comma() }
                w.raw("{\"id\":")
                w.string(deal.id)
                w.raw(",\"at\":")
                w.integer(deal.auctionType.rawValue)
                w.raw(",\"floor_micros\":")
                w.integer(deal.floor.value)
                w.raw(",\"winner\":")
                w.optionalString(deal.winner?.rawValue)
                w.raw(",\"clearing_ecpm_micros\":")
                optionalInteger(deal.clearingECPM?.value, &w)
                w.raw("}")
            }
            w.raw("]")
            w.raw(",\"experiment\":")
            w.optionalString(p.experiment?.experimentID.rawValue)
            w.raw(",\"arm\":")
            w.optionalString(p.experiment?.arm.rawValue)
            w.raw(",\"winner\":")
            w.optionalString(p.winner?.rawValue)
            w.raw(",\"runner_up\":")
            w.optionalString(p.runnerUp?.rawValue)
            w.raw(",\"runner_up_score_micros\":")
            optionalInteger(p.runnerUpScore?.value, &w)
            w.raw(",\"clearing_ecpm_micros\":")
            optionalInteger(p.clearingECPM?.value, &w)
            w.raw(",\"price_micros\":")
            optionalInteger(p.price?.value, &w)
            w.raw(",\"price_rule\":")
            w.optionalString(p.priceRule?.rawValue)
            w.raw(",\"no_fill_reason\":")
            w.optionalString(p.noFillReason?.rawValue)
            w.raw(",\"targeting_rejections\":")
            w.integer(p.targetingRejections)
            w.raw(",\"candidates\":[")
            for (position, candidate) in p.candidates.enumerated() {
                if position > 0 { w.comma() }
                w.raw("{\"campaign_id\":")
                w.string(candidate.campaignID.rawValue)
                w.raw(",\"advertiser_id\":")
                w.string(candidate.advertiserID.rawValue)
                w.raw(",\"score_micros\":")
                w.integer(candidate.score.value)
                w.raw(",\"stage\":")
                w.string(candidate.stage.rawValue)
                w.raw(",\"reason\":")
                w.string(candidate.reason)
                if let prior = candidate.priorCTR {
                    w.raw(",\"ctr\":{\"prior_ppm\":")
                    w.integer(prior.partsPerMillion)
                    if let learned = candidate.learnedCTR {
                        w.raw(",\"learned_ppm\":")
                        w.integer(learned.rate.partsPerMillion)
                        w.raw(",\"impressions\":")
                        w.integer(learned.evidence.impressions)
                        w.raw(",\"clicks\":")
                        w.integer(learned.evidence.clicks)
                        w.raw(",\"prior_weight\":")
                        w.integer(learned.priorWeight)
                    }
                    w.raw("}")
                }
                w.raw("}")
            }
            w.raw("]}")
        }
        w.raw("]}")
    }

    private static func optionalInteger(_ value: Int64?, _ w: inout JSONWriter) {
        if let value { w.integer(value) } else { w.raw("null") }
    }
}

/// The error body every 4xx and 5xx carries:
/// `{"error": {"code": "…", "message": "…", "field": "…" | null}}`.
public enum ErrorBody {
    public static func write(code: String, message: String, field: String?) -> [UInt8] {
        var w = JSONWriter(capacity: 128)
        w.raw("{\"error\":{\"code\":")
        w.string(code)
        w.raw(",\"message\":")
        w.string(message)
        w.raw(",\"field\":")
        w.optionalString(field)
        w.raw("}}")
        return w.bytes
    }
}
