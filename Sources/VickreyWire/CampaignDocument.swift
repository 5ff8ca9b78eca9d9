import Foundation
import VickreyCore

/// A campaign in the contract's campaign JSON format (`adctl campaign import` /
/// `export`, one object per line). Field names are part of the contract and never
/// change; unknown fields are ignored so newer producers stay readable.
///
/// Reading (`init(reading:)`) only checks JSON types; `campaign()` validates values and reports the
/// first bad field by its path. Encoding always writes every field, `null` included.
public struct CampaignDocument: Encodable, Hashable, Sendable {
    public var id: String
    public var advertiserID: String
    public var name: String?
    public var status: String?
    public var pricing: String
    public var bidMicros: Int64
    public var predictedCTR: Decimal?
    public var dailyBudgetMicros: Int64?
    public var totalBudgetMicros: Int64
    public var start: String?
    public var end: String?
    public var timeZone: String?
    public var pacing: String?
    public var frequencyCap: FrequencyCapDocument?
    public var targeting: TargetingDocument?
    public var creatives: [CreativeDocument]?
    /// The deals the campaign bids in; written only when there are some, so campaigns
    /// without deals export exactly as before deals existed.
    public var deals: [DealDocument]?
    /// A vCPM campaign's viewability prior in (0, 1]; written only for vCPM campaigns, so
    /// other campaigns export exactly as before.
    public var predictedViewability: Decimal?
    /// A CPCV campaign's completion-rate prior in (0, 1]; written only for CPCV campaigns.
    public var predictedCompletionRate: Decimal?
    /// A line item's delivery type, goal, booked rate and pace; written only for campaigns
    /// that are not plain `price_priority`, so others export exactly as before line items.
    public var delivery: DeliveryDocument?
    /// Competitive-exclusion labels; written only when there are some.
    public var exclusionLabels: [String]?
    /// `"all"` for a roadblock; written only then.
    public var roadblock: String?

    enum CodingKeys: String, CodingKey {
        case id, name, status, pricing, start, end, pacing, targeting, creatives, deals, delivery, roadblock
        case exclusionLabels = "exclusion_labels"
        case advertiserID = "advertiser_id"
        case bidMicros = "bid_micros"
        case predictedCTR = "predicted_ctr"
        case predictedViewability = "predicted_viewability"
        case predictedCompletionRate = "predicted_completion_rate"
        case dailyBudgetMicros = "daily_budget_micros"
        case totalBudgetMicros = "total_budget_micros"
        case timeZone = "time_zone"
        case frequencyCap = "frequency_cap"
    }

    public init(
        id: String, advertiserID: String, name: String?, status: String?, pricing: String, bidMicros: Int64,
        predictedCTR: Decimal?, dailyBudgetMicros: Int64?, totalBudgetMicros: Int64, start: String?, end: String?,
        timeZone: String?, pacing: String?, frequencyCap: FrequencyCapDocument?, targeting: TargetingDocument?,
        creatives: [CreativeDocument]?
    ) {
        self.id = id
        self.advertiserID = advertiserID
        self.name = name
        self.status = status
        self.pricing = pricing
        self.bidMicros = bidMicros
        self.predictedCTR = predictedCTR
        self.dailyBudgetMicros = dailyBudgetMicros
        self.totalBudgetMicros = totalBudgetMicros
        self.start = start
        self.end = end
        self.timeZone = timeZone
        self.pacing = pacing
        self.frequencyCap = frequencyCap
        self.targeting = targeting
        self.creatives = creatives
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(advertiserID, forKey: .advertiserID)
        try container.encode(name ?? "", forKey: .name)
        try container.encode(status ?? CampaignStatus.active.rawValue, forKey: .status)
        try container.encode(pricing, forKey: .pricing)
        try container.encode(bidMicros, forKey: .bidMicros)
        try container.encode(predictedCTR, forKey: .predictedCTR)
        try container.encode(dailyBudgetMicros, forKey: .dailyBudgetMicros)
        try container.encode(totalBudgetMicros, forKey: .totalBudgetMicros)
        try container.encode(start, forKey: .start)
        try container.encode(end, forKey: .end)
        try container.encode(timeZone ?? "UTC", forKey: .timeZone)
        try container.encode(pacing ?? PacingMode.asap.rawValue, forKey: .pacing)
        try container.encode(frequencyCap, forKey: .frequencyCap)
        try container.encode(targeting ?? TargetingDocument(), forKey: .targeting)
        try container.encode(creatives ?? [], forKey: .creatives)
        if let deals, !deals.isEmpty { try container.encode(deals, forKey: .deals) }
        if let predictedViewability { try container.encode(predictedViewability, forKey: .predictedViewability) }
        if let predictedCompletionRate { try container.encode(predictedCompletionRate, forKey: .predictedCompletionRate) }
        if let delivery { try container.encode(delivery, forKey: .delivery) }
        if let exclusionLabels, !exclusionLabels.isEmpty { try container.encode(exclusionLabels, forKey: .exclusionLabels) }
        if let roadblock, roadblock != RoadblockMode.none.rawValue { try container.encode(roadblock, forKey: .roadblock) }
    }
}

/// `{"id": "deal-1", "floor_micros": 4000000}` (`floor_micros` optional).
public struct DealDocument: Encodable, Hashable, Sendable {
    public var id: String
    public var floorMicros: Int64?

    enum CodingKeys: String, CodingKey {
        case id
        case floorMicros = "floor_micros"
    }

    public init(id: String, floorMicros: Int64?) {
        self.id = id
        self.floorMicros = floorMicros
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        if let floorMicros { try container.encode(floorMicros, forKey: .floorMicros) }
    }
}

/// `{"impressions": 3, "window_seconds": 86400}`, plus `"refuse_anonymous": true` for a
/// campaign that stays out of requests without a user id (written only when true).
public struct FrequencyCapDocument: Encodable, Hashable, Sendable {
    public var impressions: Int
    public var windowSeconds: Int64
    public var refuseAnonymous: Bool

    enum CodingKeys: String, CodingKey {
        case impressions
        case windowSeconds = "window_seconds"
        case refuseAnonymous = "refuse_anonymous"
    }

    public init(impressions: Int, windowSeconds: Int64, refuseAnonymous: Bool = false) {
        self.impressions = impressions
        self.windowSeconds = windowSeconds
        self.refuseAnonymous = refuseAnonymous
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(impressions, forKey: .impressions)
        try container.encode(windowSeconds, forKey: .windowSeconds)
        if refuseAnonymous { try container.encode(true, forKey: .refuseAnonymous) }
    }
}

/// Include lists (absent or empty: any) and an `exclude` object with the same lists.
public struct TargetingDocument: Encodable, Hashable, Sendable {
    public var placements: [String]?
    public var countries: [String]?
    public var devices: [String]?
    public var os: [String]?
    public var keywords: [String]?
    public var hoursOfWeek: [Int]?
    public var exclude: ExclusionDocument?

    enum CodingKeys: String, CodingKey {
        case placements, countries, devices, os, keywords, exclude
        case hoursOfWeek = "hours_of_week"
    }

    public init() {}

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(placements ?? [], forKey: .placements)
        try container.encode(countries ?? [], forKey: .countries)
        try container.encode(devices ?? [], forKey: .devices)
        try container.encode(os ?? [], forKey: .os)
        try container.encode(keywords ?? [], forKey: .keywords)
        try container.encode(hoursOfWeek ?? [], forKey: .hoursOfWeek)
        try container.encode(exclude ?? ExclusionDocument(), forKey: .exclude)
    }
}

/// The lists a request must not match.
public struct ExclusionDocument: Encodable, Hashable, Sendable {
    public var placements: [String]?
    public var countries: [String]?
    public var devices: [String]?
    public var os: [String]?
    public var keywords: [String]?
    public var hoursOfWeek: [Int]?

    enum CodingKeys: String, CodingKey {
        case placements, countries, devices, os, keywords
        case hoursOfWeek = "hours_of_week"
    }

    public init() {}

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(placements ?? [], forKey: .placements)
        try container.encode(countries ?? [], forKey: .countries)
        try container.encode(devices ?? [], forKey: .devices)
        try container.encode(os ?? [], forKey: .os)
        try container.encode(keywords ?? [], forKey: .keywords)
        try container.encode(hoursOfWeek ?? [], forKey: .hoursOfWeek)
    }
}
