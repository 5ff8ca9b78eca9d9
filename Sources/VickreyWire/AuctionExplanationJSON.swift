import VickreyCore

/// The debug explanation's JSON (`debug` in `POST /v1/ads`' answer): per placement, the
/// floor's parts, the decision and every campaign's stage and reason.
public enum AuctionExplanationJSON {
    public static func write(_ explanation: AuctionExplanation, into w: inout JSONWriter) {
        w.beginObject()
        w.key("privacy")
        w.beginObject()
        w.field("outcome", explanation.privacy.outcome.rawValue)
        w.key("reasons")
        w.stringArray(explanation.privacy.reasons)
        w.endObject()
        w.key("placements")
        w.beginArray()
        for placement in explanation.placements { write(placement, into: &w) }
        w.endArray()
        w.endObject()
    }

    private static func write(_ p: PlacementExplanation, into w: inout JSONWriter) {
        w.beginObject()
        w.field("placement_id", p.placementID.rawValue)
        w.field("floor_micros", p.floor.value)
        w.field("minimum_floor_micros", p.minimumFloor.value)
        w.field("placement_floor_micros", p.placementFloor?.value)
        w.field("request_floor_micros", p.requestFloor?.value)
        w.field("floor_multiplier_ppm", p.floorMultiplierPPM)
        w.field("increment_micros", p.increment.value)
        w.field("deal_id", p.dealID)
        w.key("deals")
        w.beginArray()
        for deal in p.deals {
            w.beginObject()
            w.field("id", deal.id)
            w.field("at", deal.auctionType.rawValue)
            w.field("floor_micros", deal.floor.value)
            w.field("winner", deal.winner?.rawValue)
            w.field("clearing_ecpm_micros", deal.clearingECPM?.value)
            w.endObject()
        }
        w.endArray()
        w.field("experiment", p.experiment?.experimentID.rawValue)
        w.field("arm", p.experiment?.arm.rawValue)
        w.field("winner", p.winner?.rawValue)
        w.field("runner_up", p.runnerUp?.rawValue)
        w.field("runner_up_score_micros", p.runnerUpScore?.value)
        w.field("clearing_ecpm_micros", p.clearingECPM?.value)
        w.field("price_micros", p.price?.value)
        w.field("price_rule", p.priceRule?.rawValue)
        w.field("no_fill_reason", p.noFillReason?.rawValue)
        if let tier = p.tier {
            w.field("tier", tier.name)
            w.field("tier_rule", p.tierRule)
        }
        w.field("targeting_rejections", p.targetingRejections)
        w.key("candidates")
        w.beginArray()
        for candidate in p.candidates {
            w.beginObject()
            w.field("campaign_id", candidate.campaignID.rawValue)
            w.field("advertiser_id", candidate.advertiserID.rawValue)
            w.field("score_micros", candidate.score.value)
            w.field("stage", candidate.stage.rawValue)
            w.field("reason", candidate.reason)
            if let prior = candidate.priorCTR {
                w.key("ctr")
                writeRate(prior: prior, learned: candidate.learnedCTR, events: "clicks", into: &w)
            }
            if let prior = candidate.priorViewability {
                w.key("viewability")
                writeRate(prior: prior, learned: candidate.learnedViewability, events: "viewables", into: &w)
            }
            if let prior = candidate.priorCompletionRate {
                w.key("completion_rate")
                writeRate(prior: prior, learned: candidate.learnedCompletionRate, events: "completes", into: &w)
            }
            w.endObject()
        }
        w.endArray()
        w.endObject()
    }

    /// A learned rate as the explanation and `adctl campaign show --json` give it: a CPC
    /// campaign's `ctr` (`{"prior_ppm", "learned_ppm", "impressions", "clicks",
    /// "prior_weight"}`) or a vCPM campaign's `viewability` (`viewables` for `clicks`);
    /// the learned part only where the index learns.
    public static func writeRate(prior: ClickThroughRate, learned: LearnedClickThroughRate?, events: String, into w: inout JSONWriter) {
        w.beginObject()
        for (key, value) in rateFields(prior: prior, learned: learned, events: events) {
            w.key(named: key)
            w.integer(value)
        }
        w.endObject()
    }

    /// The rate object's members, in order: its one declaration. `events` names the count
    /// of events the rate is learned from (`clicks`, `viewables`).
    public static func rateFields(prior: ClickThroughRate, learned: LearnedClickThroughRate?, events: String) -> [(String, Int64)] {
        var fields = [("prior_ppm", prior.partsPerMillion)]
        if let learned {
            fields += [
                ("learned_ppm", learned.rate.partsPerMillion), ("impressions", learned.impressions), (events, learned.events),
                ("prior_weight", learned.priorWeight),
            ]
        }
        return fields
    }
}
