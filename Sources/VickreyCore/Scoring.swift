/// The contract's scoring and pricing arithmetic, in integer micros.
public enum Scoring {
    /// A campaign's eCPM score: a CPM bid as it is; a CPC bid as `cpc × ppm / 1000`,
    /// rounded down.
    public static func effectiveCPM(pricing: Pricing, bid: Micros, ctr: ClickThroughRate?) -> Micros {
        switch pricing {
        case .cpm: return bid
        case .cpc: return Micros(bid.value * (ctr?.partsPerMillion ?? 1) / 1000)
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

    /// What a CPC winner pays per click for a clearing eCPM: `ecpm × 1000 / ppm`,
    /// rounded down to the micro. Never more than the CPC bid.
    public static func perClickPrice(clearingECPM: Micros, ctr: ClickThroughRate) -> Micros {
        Micros(clearingECPM.value * 1000 / ctr.partsPerMillion)
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
}
