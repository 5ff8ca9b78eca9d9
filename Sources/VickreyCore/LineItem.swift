/// How a campaign is delivered: which tier of a placement's selection it competes in
/// and, for guaranteed line items, what it promised. Campaigns without a `delivery`
/// object are `.pricePriority`: the second-price auction exactly as before line items.
///
/// Tiers, in the order a placement tries them (see `docs/line-items.md`):
/// sponsorship, standard (when its goal pacing needs the request), the auction
/// (price-priority campaigns and standard line items at their booked rate), house.
public enum DeliveryType: Hashable, Sendable {
    /// Takes `sharePercent`% of the matching requests (1–100), at its booked rate.
    case sponsorship(sharePercent: Int)
    /// Delivers `goal` impressions by the campaign's end, paced by `pace`, at its booked rate.
    case standard(goal: Int64, pace: GoalPace)
    /// The second-price auction.
    case pricePriority
    /// Fills only what nothing else fills, and is charged nothing.
    case house

    /// The name the campaign JSON uses.
    public var name: String {
        switch self {
        case .sponsorship: "sponsorship"
        case .standard: "standard"
        case .pricePriority: "price_priority"
        case .house: "house"
        }
    }

    public var tier: DeliveryTier {
        switch self {
        case .sponsorship: .sponsorship
        case .standard: .standard
        case .pricePriority: .pricePriority
        case .house: .house
        }
    }

    /// Whether the campaign is a guaranteed line item charged its booked rate.
    public var isGuaranteed: Bool {
        switch self {
        case .sponsorship, .standard: true
        case .pricePriority, .house: false
        }
    }
}

/// The four tiers, as the index posts them.
public enum DeliveryTier: Int, Hashable, Sendable, CaseIterable, Comparable {
    case sponsorship, standard, pricePriority, house

    /// The name the debug explanation uses for the tier that decided a placement.
    public var name: String {
        switch self {
        case .sponsorship: "sponsorship"
        case .standard: "standard"
        case .pricePriority: "auction"
        case .house: "house"
        }
    }

    public static func < (lhs: DeliveryTier, rhs: DeliveryTier) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// How a standard line item spreads its goal over its flight.
public enum GoalPace: String, Hashable, Sendable, CaseIterable {
    /// In proportion to the traffic the server sees over the flight's hours of the week.
    case even
    /// As fast as requests come, until the goal is reserved.
    case asap
    /// Ahead of `even` early in the flight: the share due by traffic fraction `f` is
    /// `f × (2 − f)`, twice the even rate at the start and none at the end.
    case frontLoaded = "front_loaded"
}

/// A campaign's line-item terms: its delivery type and booked rate, the labels no other
/// ad of the same answer may share, and whether it roadblocks.
public struct LineItemTerms: Hashable, Sendable {
    public var delivery: DeliveryType
    /// The booked CPM of a sponsorship or standard line item (equal to the campaign's
    /// bid, which the auction tier scores it at); zero for price-priority and house.
    public var rate: Micros
    /// Competitive-exclusion labels, sorted and unique.
    public var exclusionLabels: [String]
    /// `roadblock: "all"`: the campaign fills every placement of a request it matches, or none.
    public var roadblock: Bool

    public static let pricePriority = LineItemTerms(delivery: .pricePriority, rate: .zero, exclusionLabels: [], roadblock: false)

    /// At most this many exclusion labels per campaign.
    public static let maximumLabels = 20
    /// The largest standard goal: one trillion impressions.
    public static let maximumGoal: Int64 = 1_000_000_000_000

    public init(delivery: DeliveryType, rate: Micros, exclusionLabels: [String] = [], roadblock: Bool = false) {
        self.delivery = delivery
        self.rate = rate
        self.exclusionLabels = Array(Set(exclusionLabels)).sorted()
        self.roadblock = roadblock
    }

    /// Whether the terms are exactly those of a campaign without line-item fields.
    public var isPlainAuction: Bool { self == .pricePriority }

    /// A standard line item's goal.
    public var goal: Int64? { if case .standard(let goal, _) = delivery { goal } else { nil } }
}

extension Campaign {
    /// What a standard line item may spend at most: its goal at its booked rate, so that
    /// reserving budget reserves goal units (never more than the goal is delivered, under
    /// any concurrency, restart or fleet), or its total budget when that is lower.
    public var spendCap: Nanos {
        guard case .standard(let goal, _) = lineItem.delivery else { return totalBudget.nanos }
        let (product, overflow) = goal.multipliedReportingOverflow(by: lineItem.rate.value)
        return overflow ? totalBudget.nanos : min(totalBudget.nanos, Nanos(product))
    }

    /// Checks the line-item terms against the rest of the campaign; nil when they hold.
    func lineItemProblem() -> CampaignValidationError? {
        func problem(_ field: String, _ message: String) -> CampaignValidationError {
            CampaignValidationError(field: field, message: message)
        }
        let terms = lineItem
        if terms.exclusionLabels.count > LineItemTerms.maximumLabels {
            return problem("exclusion_labels", "at most \(LineItemTerms.maximumLabels) labels")
        }
        switch terms.delivery {
        case .sponsorship(let share):
            if !(1...100).contains(share) { return problem("delivery.goal.share_percent", "must be between 1 and 100") }
        case .standard(let goal, _):
            if !(1...LineItemTerms.maximumGoal).contains(goal) {
                return problem("delivery.goal.impressions", "must be between 1 and \(LineItemTerms.maximumGoal)")
            }
            if start == nil { return problem("start", "a standard line item needs a start (its goal is paced over the flight)") }
            if end == nil { return problem("end", "a standard line item needs an end (its goal is due by then)") }
        case .pricePriority, .house:
            return terms.rate == .zero ? nil : problem("delivery.rate_micros", "applies only to sponsorship and standard line items")
        }
        if terms.rate.value <= 0 || terms.rate > .maximumBid {
            return problem("delivery.rate_micros", "must be between 1 and \(Micros.maximumBid.value)")
        }
        if pricing != .cpm { return problem("pricing", "must be cpm for a \(terms.delivery.name) line item (it pays its booked CPM)") }
        if bid != terms.rate {
            return problem("bid_micros", "must equal delivery.rate_micros (\(terms.rate.value)): a line item bids its booked rate")
        }
        return nil
    }
}
