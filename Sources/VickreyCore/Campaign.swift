/// A campaign: what an advertiser buys, how much it pays, how much it may spend, and
/// which requests it wants. Values are validated where they are parsed (ids, sizes,
/// country codes), so a `Campaign` that exists is well-formed except for the checks
/// `validate()` performs across fields.
public struct Campaign: Hashable, Sendable {
    public var id: CampaignID
    public var advertiserID: AdvertiserID
    public var name: String
    public var status: CampaignStatus
    public var pricing: Pricing
    /// Per 1000 impressions for `.cpm`, per click for `.cpc`, per 1000 viewable
    /// impressions for `.vcpm`, per completed view for `.cpcv`.
    public var bid: Micros
    /// The CTR prior of a CPC campaign (required for `.cpc`, nil otherwise).
    public var predictedCTR: ClickThroughRate?
    /// The viewability prior of a vCPM campaign, the share of its impressions expected to
    /// be viewable (required for `.vcpm`, nil otherwise).
    public var predictedViewability: ClickThroughRate?
    /// The completion-rate prior of a CPCV campaign, the share of its video impressions
    /// expected to play to the end (required for `.cpcv`, nil otherwise).
    public var predictedCompletionRate: ClickThroughRate?
    /// Nil: no daily budget.
    public var dailyBudget: Micros?
    public var totalBudget: Micros
    /// Nil: serving may start at once.
    public var start: Instant?
    /// Exclusive end of the flight; nil: no end.
    public var end: Instant?
    public var timeZone: CampaignTimeZone
    public var pacing: PacingMode
    public var frequencyCap: FrequencyCap?
    public var targeting: Targeting
    /// The first creative whose size a placement accepts is the one served.
    public var creatives: [Creative]
    /// A CPC campaign's CTR learned from its recorded impressions and clicks, attached by
    /// the index that serves it (never stored: it is rebuilt from the ledger).
    public var learnedCTR: LearnedClickThroughRate?
    /// A vCPM campaign's viewability learned from its recorded impressions and viewable
    /// events, attached the same way.
    public var learnedViewability: LearnedClickThroughRate?
    /// A CPCV campaign's completion rate learned from its impressions and `complete` events.
    public var learnedCompletionRate: LearnedClickThroughRate?
    /// The private-marketplace deals the campaign bids in (besides the open auction).
    public var deals: [CampaignDeal] = []
    /// Its line-item terms (delivery type, booked rate, exclusion labels, roadblock);
    /// `.pricePriority` for a campaign of the plain auction.
    public var lineItem: LineItemTerms = .pricePriority

    public init(
        id: CampaignID, advertiserID: AdvertiserID, name: String = "", status: CampaignStatus = .active,
        pricing: Pricing = .cpm, bid: Micros, predictedCTR: ClickThroughRate? = nil, predictedViewability: ClickThroughRate? = nil,
        predictedCompletionRate: ClickThroughRate? = nil, dailyBudget: Micros? = nil,
        totalBudget: Micros, start: Instant? = nil, end: Instant? = nil, timeZone: CampaignTimeZone = .utc,
        pacing: PacingMode = .asap, frequencyCap: FrequencyCap? = nil, targeting: Targeting = .any,
        creatives: [Creative]
    ) {
        self.id = id
        self.advertiserID = advertiserID
        self.name = name
        self.status = status
        self.pricing = pricing
        self.bid = bid
        self.predictedCTR = predictedCTR
        self.predictedViewability = predictedViewability
        self.predictedCompletionRate = predictedCompletionRate
        self.dailyBudget = dailyBudget
        self.totalBudget = totalBudget
        self.start = start
        self.end = end
        self.timeZone = timeZone
        self.pacing = pacing
        self.frequencyCap = frequencyCap
        self.targeting = targeting
        self.creatives = creatives
    }

    /// Whether `instant` is inside the flight: `start <= instant < end`.
    public func isInFlight(at instant: Instant) -> Bool { Self.isInFlight(at: instant, start: start, end: end) }

    /// `start <= instant < end`, either bound optional.
    static func isInFlight(at instant: Instant, start: Instant?, end: Instant?) -> Bool {
        if let start, instant < start { return false }
        if let end, instant >= end { return false }
        return true
    }

    /// The most one slot can cost this campaign: its charged event at its bid (for CPM
    /// one impression, `bid` nanos; for CPC one click). A win reserves this much.
    /// A house ad is charged nothing, so it reserves nothing.
    public var maximumCharge: Nanos {
        lineItem.delivery == .house ? .zero : pricing.cost(of: pricing.chargedEvent, atPrice: bid)
    }

    /// The first creative a placement of `shape` can show.
    public func creative(for shape: AdShape) -> Creative? {
        creatives.first { shape.fits($0) }
    }
}

/// Problems across a campaign's fields that no single field's type can rule out.
public struct CampaignValidationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The campaign JSON field at fault, e.g. `predicted_ctr`.
    public var field: String
    public var message: String
    public var description: String { "\(field): \(message)" }
}

extension Campaign {
    public static let maximumNameLength = 256
    public static let maximumCreatives = 100

    /// Checks the rules that tie fields together; returns the first problem found.
    public func validate() -> CampaignValidationError? {
        func problem(_ field: String, _ message: String) -> CampaignValidationError {
            CampaignValidationError(field: field, message: message)
        }
        if let nameProblem = TextRules.nameProblem(name, maximumBytes: Self.maximumNameLength) { return problem("name", nameProblem) }
        if bid.value <= 0 { return problem("bid_micros", "must be greater than zero") }
        if bid > .maximumBid { return problem("bid_micros", "must be at most \(Micros.maximumBid.value)") }
        if pricing == .cpc, predictedCTR == nil { return problem("predicted_ctr", "is required for cpc pricing") }
        if pricing != .cpc, predictedCTR != nil { return problem("predicted_ctr", "must be null for \(pricing.rawValue) pricing") }
        if pricing == .vcpm, predictedViewability == nil {
            return problem("predicted_viewability", "is required for vcpm pricing")
        }
        if pricing != .vcpm, predictedViewability != nil {
            return problem("predicted_viewability", "must be null for \(pricing.rawValue) pricing")
        }
        if pricing == .cpcv, predictedCompletionRate == nil {
            return problem("predicted_completion_rate", "is required for cpcv pricing")
        }
        if pricing != .cpcv, predictedCompletionRate != nil {
            return problem("predicted_completion_rate", "must be null for \(pricing.rawValue) pricing")
        }
        if pricing == .cpcv, let index = creatives.firstIndex(where: { $0.format != .video }) {
            return problem("creatives[\(index)].format", "must be video for cpcv pricing (only a video completes)")
        }
        if let dailyBudget, dailyBudget.value < 0 || dailyBudget > .maximum {
            return problem("daily_budget_micros", "must be between 0 and \(Micros.maximum.value)")
        }
        if totalBudget.value < 0 || totalBudget > .maximum {
            return problem("total_budget_micros", "must be between 0 and \(Micros.maximum.value)")
        }
        if let start, let end, end <= start { return problem("end", "must be after start") }
        if creatives.count > Self.maximumCreatives { return problem("creatives", "at most \(Self.maximumCreatives) per campaign") }
        var seen = Set<CreativeID>()
        for creative in creatives where !seen.insert(creative.id).inserted {
            return problem("creatives", "creative id '\(creative.id)' appears twice")
        }
        if let lineItemProblem = lineItemProblem() { return lineItemProblem }
        if deals.count > CampaignDeal.maximumPerCampaign {
            return problem("deals", "at most \(CampaignDeal.maximumPerCampaign) per campaign")
        }
        var dealIDs = Set<DealID>()
        for (index, deal) in deals.enumerated() {
            guard dealIDs.insert(deal.id).inserted else { return problem("deals[\(index)].id", "deal '\(deal.id)' appears twice") }
            if let floor = deal.floor, floor.value < 0 || floor > .maximumBid {
                return problem("deals[\(index)].floor_micros", "must be between 0 and \(Micros.maximumBid.value)")
            }
        }
        return nil
    }
}

/// How a campaign pays.
public enum Pricing: String, Hashable, Sendable, CaseIterable {
    /// Per 1000 impressions.
    case cpm
    /// Per click.
    case cpc
    /// Per 1000 viewable impressions (MRC: half the pixels in view for a second).
    case vcpm
    /// Per completed view of a video (VAST `complete`).
    case cpcv
}

/// Whether a campaign may serve. Only `active` campaigns enter auctions.
public enum CampaignStatus: String, Hashable, Sendable, CaseIterable {
    case active, paused, archived
}

/// How a campaign spreads its daily budget.
public enum PacingMode: String, Hashable, Sendable, CaseIterable {
    /// Spend as fast as auctions are won.
    case asap
    /// Spread the daily budget over the day by throttling participation.
    case even
}

/// At most `impressions` ads per user within any `windowSeconds` window. Requests
/// without a user id are not capped, unless `refuseAnonymous` keeps the campaign out of them.
public struct FrequencyCap: Hashable, Sendable {
    public var impressions: Int
    public var windowSeconds: Int64
    public var refuseAnonymous: Bool

    public init(impressions: Int, windowSeconds: Int64, refuseAnonymous: Bool = false) {
        self.impressions = impressions
        self.windowSeconds = windowSeconds
        self.refuseAnonymous = refuseAnonymous
    }
}

/// An ad a campaign can show and where a click goes: a banner (an image of one size), a
/// video (`video` set) or native assets (`native` set); see `CreativeFormats.swift`.
public struct Creative: Hashable, Sendable {
    public var id: CreativeID
    /// A banner's size; a video's first media file's, a native creative's main image's.
    public var size: AdSize
    /// A banner's image; a native creative's main image; empty for a video.
    public var imageURL: String
    public var clickURL: String
    /// Advertiser domains, reported to exchanges as OpenRTB `adomain`.
    public var advertiserDomains: [String]
    /// A video's or native creative's own part, boxed: a banner (most creatives, copied with
    /// every win) stays as small as before formats existed.
    var details: CreativeDetailsBox?

    public init(id: CreativeID, size: AdSize, imageURL: String, clickURL: String, advertiserDomains: [String] = []) {
        self.id = id
        self.size = size
        self.imageURL = imageURL
        self.clickURL = clickURL
        self.advertiserDomains = advertiserDomains
    }
}
