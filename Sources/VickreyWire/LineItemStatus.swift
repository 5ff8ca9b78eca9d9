import VickreyCore

/// Where a line item stands: a standard item against its goal (`GoalStanding`), a
/// sponsorship against its share, a house ad's impressions. What `adctl campaign show` /
/// `list`, the admin API, the console and `/metrics` report, computed one way.
public struct LineItemStatus: Sendable {
    public var campaignID: CampaignID
    public var delivery: DeliveryType
    public var rate: Micros
    /// Impressions billed: the campaign's billed spend at its booked rate.
    public var delivered: Int64
    /// A standard item's standing.
    public var standing: GoalStanding?
    /// A sponsorship's matching and taken requests on this server (nil where unknown: `adctl`).
    public var tally: SponsorshipTally?

    /// The status of `campaign` with `billedSpend` billed, or nil when it is not a sponsorship
    /// or standard line item (house ads, charged nothing, are counted in the delivery reports).
    public init?(
        _ campaign: Campaign, billedSpend: Nanos, tally: SponsorshipTally? = nil, shape: TrafficShape = .uniform, at now: Instant
    ) {
        let terms = campaign.lineItem
        guard terms.delivery.isGuaranteed else { return nil }
        campaignID = campaign.id
        self.delivery = terms.delivery
        rate = terms.rate
        delivered = terms.rate.value > 0 ? billedSpend.value / terms.rate.value : 0
        self.tally = tally
        if case .standard(let goal, let pace) = terms.delivery, let start = campaign.start, let end = campaign.end {
            standing = GoalStanding(goal: goal, pace: pace, delivered: self.delivered, start: start, end: end, at: now, shape: shape)
        }
    }

    /// `on_track`, `behind`, `at_risk` or `completed` for a standard item; for a sponsorship
    /// `on_track` while it holds its share within 2 points (or has matched nothing), else
    /// `behind`.
    public var status: String? {
        if let standing { return standing.status.rawValue }
        guard case .sponsorship(let share) = delivery else { return nil }
        guard let tally, tally.matched > 0 else { return DeliveryHealth.onTrack.rawValue }
        return tally.taken * 100 >= Int64(share - 2) * tally.matched ? DeliveryHealth.onTrack.rawValue : DeliveryHealth.behind.rawValue
    }

    /// The status as a JSON object.
    public func write(into out: inout JSONWriter) {
        out.object { out in
            out.field("campaign_id", campaignID.rawValue)
            out.field("type", delivery.name)
            out.field("rate_micros", rate.value)
            out.field("delivered", delivered)
            switch delivery {
            case .standard(let goal, let pace):
                out.field("goal", goal)
                out.field("pace", pace.rawValue)
                out.field("expected_to_date", standing?.expectedToDate)
                out.field("pacing_ratio_ppm", standing?.pacingRatioPPM)
                out.field("projected", standing?.projected)
            case .sponsorship(let share):
                out.field("share_percent", share)
                out.field("matched", tally?.matched)
                out.field("taken", tally?.taken)
            case .pricePriority, .house: break
            }
            out.field("status", status)
        }
    }

    /// One line for a terminal, e.g. `standard: 1200 of 2000 delivered, 1500 expected to date
    /// (ratio 80.0%), projected 1600 by the end: behind`.
    public var summary: String {
        switch delivery {
        case .standard(let goal, _):
            guard let standing else { return "standard: \(delivered) of \(goal) delivered" }
            return "standard: \(delivered) of \(goal) delivered, \(standing.expectedToDate) expected to date (ratio "
                + "\(Self.percent(standing.pacingRatioPPM))), projected \(standing.projected) by the end: \(standing.status.rawValue)"
        case .sponsorship(let share):
            let taken = tally.map { ", \($0.taken) of \($0.matched) matching requests taken on this server" } ?? ""
            return "sponsorship: \(share)% share, \(delivered) delivered\(taken): \(status ?? "")"
        case .house, .pricePriority: return delivery.name
        }
    }

    /// Parts per million as a percentage with one decimal (`80.0%`).
    public static func percent(_ ppm: Int64) -> String {
        let tenths = ppm / 1_000
        return "\(tenths / 10).\(tenths % 10)%"
    }
}
