/// A campaign: what an advertiser buys, how much it pays, how much it may spend, and
/// which requests it wants. Values are validated where they are parsed (ids, sizes,
/// country codes), so a `Campaign` that exists is well-formed except for the checks
/// `validate()` performs across fields.
///
/// A value with copy-on-write storage: its fields live in one heap box that every copy
/// shares until one of them changes a field, so a copy (into a list of changes, the index,
/// an auction's candidate) costs one reference, not the 224 bytes of its fields.
public struct Campaign: Hashable, Sendable {
    public var id: CampaignID {
        get { box.fields.id }
        set {
            makeUnique()
            box.fields.id = newValue
        }
    }
    public var advertiserID: AdvertiserID {
        get { box.fields.advertiserID }
        set {
            makeUnique()
            box.fields.advertiserID = newValue
        }
    }
    public var name: String {
        get { box.fields.name }
        set {
            makeUnique()
            box.fields.name = newValue
        }
    }
    public var status: CampaignStatus {
        get { box.fields.status }
        set {
            makeUnique()
            box.fields.status = newValue
        }
    }
    public var pricing: Pricing {
        get { box.fields.pricing }
        set {
            makeUnique()
            box.fields.pricing = newValue
        }
    }
    /// Per 1000 impressions for `.cpm`, per click for `.cpc`, per 1000 viewable
    /// impressions for `.vcpm`, per completed view for `.cpcv`.
    public var bid: Micros {
        get { box.fields.bid }
        set {
            makeUnique()
            box.fields.bid = newValue
        }
    }
    /// The CTR prior of a CPC campaign (required for `.cpc`, nil otherwise).
    public var predictedCTR: ClickThroughRate? {
        get { box.fields.predictedCTR }
        set {
            makeUnique()
            box.fields.predictedCTR = newValue
        }
    }
    /// The viewability prior of a vCPM campaign, the share of its impressions expected to
    /// be viewable (required for `.vcpm`, nil otherwise).
    public var predictedViewability: ClickThroughRate? {
        get { box.fields.uncommon.group.predictedViewability }
        set {
            makeUnique()
            box.fields.uncommon.set(\.predictedViewability, newValue)
        }
    }
    /// The completion-rate prior of a CPCV campaign, the share of its video impressions
    /// expected to play to the end (required for `.cpcv`, nil otherwise).
    public var predictedCompletionRate: ClickThroughRate? {
        get { box.fields.uncommon.group.predictedCompletionRate }
        set {
            makeUnique()
            box.fields.uncommon.set(\.predictedCompletionRate, newValue)
        }
    }
    /// Nil: no daily budget.
    public var dailyBudget: Micros? {
        get { box.fields.dailyBudget }
        set {
            makeUnique()
            box.fields.dailyBudget = newValue
        }
    }
    public var totalBudget: Micros {
        get { box.fields.totalBudget }
        set {
            makeUnique()
            box.fields.totalBudget = newValue
        }
    }
    /// Nil: serving may start at once.
    public var start: Instant? {
        get { box.fields.start }
        set {
            makeUnique()
            box.fields.start = newValue
        }
    }
    /// Exclusive end of the flight; nil: no end.
    public var end: Instant? {
        get { box.fields.end }
        set {
            makeUnique()
            box.fields.end = newValue
        }
    }
    public var timeZone: CampaignTimeZone {
        get { box.fields.uncommon.group.timeZone }
        set {
            makeUnique()
            box.fields.uncommon.set(\.timeZone, newValue)
        }
    }
    public var pacing: PacingMode {
        get { box.fields.pacing }
        set {
            makeUnique()
            box.fields.pacing = newValue
        }
    }
    public var frequencyCap: FrequencyCap? {
        get { box.fields.frequencyCap }
        set {
            makeUnique()
            box.fields.frequencyCap = newValue
        }
    }
    public var targeting: Targeting {
        _read { yield box.fields.targeting }  // borrowed: reading one set or creative copies no other
        set {
            makeUnique()
            box.fields.targeting = newValue
        }
    }
    /// The first creative whose size a placement accepts is the one served.
    public var creatives: [Creative] {
        _read { yield box.fields.creatives }  // borrowed: reading one set or creative copies no other
        set {
            makeUnique()
            box.fields.creatives = newValue
        }
    }
    /// A CPC campaign's CTR learned from its recorded impressions and clicks, attached by
    /// the index that serves it (never stored: it is rebuilt from the ledger).
    public var learnedCTR: LearnedClickThroughRate? {
        get { box.fields.learned.group.ctr }
        set {
            makeUnique()
            box.fields.learned.set(\.ctr, newValue)
        }
    }
    /// A vCPM campaign's viewability learned from its recorded impressions and viewable
    /// events, attached the same way.
    public var learnedViewability: LearnedClickThroughRate? {
        get { box.fields.learned.group.viewability }
        set {
            makeUnique()
            box.fields.learned.set(\.viewability, newValue)
        }
    }
    /// A CPCV campaign's completion rate learned from its impressions and `complete` events.
    public var learnedCompletionRate: LearnedClickThroughRate? {
        get { box.fields.learned.group.completionRate }
        set {
            makeUnique()
            box.fields.learned.set(\.completionRate, newValue)
        }
    }
    /// The private-marketplace deals the campaign bids in (besides the open auction).
    public var deals: [CampaignDeal] {
        get { box.fields.uncommon.group.deals }
        set {
            makeUnique()
            box.fields.uncommon.set(\.deals, newValue)
        }
    }
    /// Its line-item terms (delivery type, booked rate, exclusion labels, roadblock);
    /// `.pricePriority` for a campaign of the plain auction.
    public var lineItem: LineItemTerms {
        get { box.fields.uncommon.group.lineItem }
        set {
            makeUnique()
            box.fields.uncommon.set(\.lineItem, newValue)
        }
    }

    private var box: Box

    /// Gives this value a box of its own before a field is written.
    private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&box) { box = Box(box.fields) }
    }

    public static func == (lhs: Campaign, rhs: Campaign) -> Bool { lhs.box === rhs.box || lhs.box.fields == rhs.box.fields }
    public func hash(into hasher: inout Hasher) { box.fields.hash(into: &hasher) }
}

extension Campaign: CustomReflectable {
    /// The fields, as a plain struct of them would show (in test failures and `dump`).
    public var customMirror: Mirror { Mirror(reflecting: box.fields) }
}

extension Campaign {

    public init(
        id: CampaignID, advertiserID: AdvertiserID, name: String = "", status: CampaignStatus = .active,
        pricing: Pricing = .cpm, bid: Micros, predictedCTR: ClickThroughRate? = nil, predictedViewability: ClickThroughRate? = nil,
        predictedCompletionRate: ClickThroughRate? = nil, dailyBudget: Micros? = nil,
        totalBudget: Micros, start: Instant? = nil, end: Instant? = nil, timeZone: CampaignTimeZone = .utc,
        pacing: PacingMode = .asap, frequencyCap: FrequencyCap? = nil, targeting: Targeting = .any,
        creatives: [Creative]
    ) {
        box = Box(
            Fields(
                id: id, advertiserID: advertiserID, name: name, bid: bid, predictedCTR: predictedCTR, status: status, pricing: pricing,
                pacing: pacing, dailyBudget: dailyBudget, totalBudget: totalBudget, start: start, end: end, frequencyCap: frequencyCap,
                targeting: targeting, creatives: creatives,
                uncommon: RarelySet(
                    Uncommon(
                        predictedViewability: predictedViewability, predictedCompletionRate: predictedCompletionRate, timeZone: timeZone))
            ))
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
