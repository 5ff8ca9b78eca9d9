/// The contract's scoring and pricing arithmetic, in integer micros.
public enum Scoring {
    /// A campaign's eCPM score: a CPM bid as it is; a CPC bid as `cpc × ctr_ppm / 1000`
    /// (a CPCV bid likewise, with its completion rate);
    /// a vCPM bid as `vcpm × viewability_ppm / 1,000,000`; rounded down. `rate` is the
    /// campaign's scoring rate of its charged event (`Campaign.scoringRate`).
    public static func effectiveCPM(pricing: Pricing, bid: Micros, rate: ClickThroughRate?) -> Micros {
        switch pricing {
        case .cpm: bid
        case .cpc, .cpcv: Micros(bid.value * (rate?.partsPerMillion ?? 1) / 1000)
        case .vcpm: Micros(bid.value * (rate?.partsPerMillion ?? 1) / 1_000_000)
        }
    }

    /// The floor an auction uses: the largest of the configured minimum, the
    /// placement's configured floor and the request's floor.
    public static func floor(minimum: Micros, placement: Micros?, request: Micros?) -> Micros {
        max(minimum, placement ?? .zero, request ?? .zero)
    }

    /// OpenRTB "second price plus": `min(winner, max(runnerUp + increment, floor))`.
    /// With no runner-up (a lone bidder) the price is the floor.
    public static func clearingPrice(winner: Micros, runnerUp: Micros?, floor: Micros, increment: Micros) -> ClearingPrice {
        guard let runnerUp else {
            return ClearingPrice(price: min(winner, floor), rule: .floor)
        }
        let secondPrice = runnerUp + increment
        if secondPrice >= winner { return ClearingPrice(price: winner, rule: .winnerScore) }
        if floor > secondPrice { return ClearingPrice(price: min(winner, floor), rule: .floor) }
        return ClearingPrice(price: secondPrice, rule: .runnerUpPlusIncrement)
    }

    /// What a winner pays per unit of its pricing for a clearing eCPM, rounded down to the
    /// micro and never more than its bid: a CPM winner the eCPM; a CPC winner per click
    /// `ecpm × 1000 / ctr_ppm` (a CPCV winner per completed view, with its completion rate);
    /// a vCPM winner per 1000 viewables `ecpm × 1,000,000 / viewability_ppm`.
    public static func unitPrice(pricing: Pricing, clearingECPM: Micros, rate: ClickThroughRate?) -> Micros {
        let ppm = max(1, rate?.partsPerMillion ?? 1)
        return switch pricing {
        case .cpm: clearingECPM
        case .cpc, .cpcv: Micros(clearingECPM.value * 1000 / ppm)
        case .vcpm: Micros(clearingECPM.value * 1_000_000 / ppm)
        }
    }
}

/// An auction's clearing eCPM and the rule that set it.
public struct ClearingPrice: Hashable, Sendable {
    public var price: Micros
    public var rule: PriceRule
}

/// Which term of `min(winner, max(runnerUp + increment, floor))` set the price.
public enum PriceRule: String, Hashable, Sendable {
    /// No runner-up, or the floor was above the runner-up plus the increment.
    case floor
    /// The runner-up's score plus the increment.
    case runnerUpPlusIncrement = "runner_up_plus_increment"
    /// Capped at the winner's own score (a tie, or a runner-up within one increment).
    case winnerScore = "winner_score"
    /// A sponsorship or standard line item's booked CPM.
    case bookedRate = "booked_rate"
    /// A house ad: charged nothing.
    case house
}
