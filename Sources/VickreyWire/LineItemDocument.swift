import Foundation
import VickreyCore

/// A campaign's `delivery` object: `{"type": "standard", "goal": {"impressions": 2000000},
/// "rate_micros": 4000000, "pace": "even"}`. Written only for campaigns that are not
/// plain `price_priority`, so other campaigns export exactly as before line items.
public struct DeliveryDocument: Encodable, Hashable, Sendable {
    public var type: String
    public var goal: GoalDocument?
    public var rateMicros: Int64?
    public var pace: String?

    enum CodingKeys: String, CodingKey {
        case type, goal, pace
        case rateMicros = "rate_micros"
    }

    public init(type: String, goal: GoalDocument? = nil, rateMicros: Int64? = nil, pace: String? = nil) {
        self.type = type
        self.goal = goal
        self.rateMicros = rateMicros
        self.pace = pace
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(type, forKey: .type)
        if let goal { try container.encode(goal, forKey: .goal) }
        if let rateMicros { try container.encode(rateMicros, forKey: .rateMicros) }
        if let pace { try container.encode(pace, forKey: .pace) }
    }
}

/// A line item's goal: `{"impressions": N}` (standard) or `{"share_percent": P}` (sponsorship).
public struct GoalDocument: Encodable, Hashable, Sendable {
    public var impressions: Int64?
    public var sharePercent: Int?

    enum CodingKeys: String, CodingKey {
        case impressions
        case sharePercent = "share_percent"
    }

    public init(impressions: Int64? = nil, sharePercent: Int? = nil) {
        self.impressions = impressions
        self.sharePercent = sharePercent
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        if let impressions { try container.encode(impressions, forKey: .impressions) }
        if let sharePercent { try container.encode(sharePercent, forKey: .sharePercent) }
    }
}

/// The values `roadblock` takes: `"all"` (fill every placement the campaign matches, or
/// none) or `"none"` (the default, never written).
public enum RoadblockMode: String, CaseIterable, Sendable {
    case all, none
}

extension DeliveryDocument {
    /// The document of a campaign's terms; nil for a plain auction campaign.
    init?(_ terms: LineItemTerms) {
        switch terms.delivery {
        case .pricePriority: return nil
        case .house: self.init(type: "house")
        case .sponsorship(let share):
            self.init(type: "sponsorship", goal: GoalDocument(sharePercent: share), rateMicros: terms.rate.value)
        case .standard(let goal, let pace):
            self.init(type: "standard", goal: GoalDocument(impressions: goal), rateMicros: terms.rate.value, pace: pace.rawValue)
        }
    }

    /// The delivery type and booked rate this object describes; the error names the field.
    func terms() throws(FieldError) -> (DeliveryType, Micros) {
        let kinds = ["sponsorship", "standard", "price_priority", "house"]
        guard kinds.contains(type) else {
            throw FieldError(field: "delivery.type", message: "'\(type.prefix(64))' is not one of: \(kinds.joined(separator: ", "))")
        }
        func refuse(_ field: String, _ why: String) -> FieldError { FieldError(field: "delivery.\(field)", message: why) }
        if type != "standard", pace != nil { throw refuse("pace", "applies only to standard line items") }
        if type != "standard", goal?.impressions != nil { throw refuse("goal.impressions", "applies only to standard line items") }
        if type != "sponsorship", goal?.sharePercent != nil { throw refuse("goal.share_percent", "applies only to sponsorships") }
        let rate = Micros(rateMicros ?? 0)
        switch type {
        case "sponsorship":
            guard let share = goal?.sharePercent else { throw refuse("goal.share_percent", "is required for a sponsorship") }
            guard rateMicros != nil else { throw refuse("rate_micros", "is required for a sponsorship (its booked CPM)") }
            return (.sponsorship(sharePercent: share), rate)
        case "standard":
            guard let impressions = goal?.impressions else { throw refuse("goal.impressions", "is required for a standard line item") }
            guard rateMicros != nil else { throw refuse("rate_micros", "is required for a standard line item (its booked CPM)") }
            let pace = try CampaignDocument.choice(GoalPace.self, pace ?? "even", field: "delivery.pace")
            return (.standard(goal: impressions, pace: pace), rate)
        default:
            if goal != nil { throw refuse("goal", "applies only to sponsorship and standard line items") }
            return (type == "house" ? .house : .pricePriority, rate)
        }
    }
}

/// The campaign JSON's line-item fields on their own: how both stores keep a campaign's
/// terms in one text column, and how the campaign document reads them.
public struct LineItemFields: Encodable, Hashable, Sendable {
    public var delivery: DeliveryDocument?
    public var exclusionLabels: [String]?
    public var roadblock: String?

    enum CodingKeys: String, CodingKey {
        case delivery, roadblock
        case exclusionLabels = "exclusion_labels"
    }

    public init(delivery: DeliveryDocument?, exclusionLabels: [String]?, roadblock: String?) {
        self.delivery = delivery
        self.exclusionLabels = exclusionLabels
        self.roadblock = roadblock
    }

    /// The fields of `terms`, each nil when it has its default.
    public init(_ terms: LineItemTerms) {
        self.init(
            delivery: DeliveryDocument(terms), exclusionLabels: terms.exclusionLabels.isEmpty ? nil : terms.exclusionLabels,
            roadblock: terms.roadblock ? RoadblockMode.all.rawValue : nil)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        if let delivery { try container.encode(delivery, forKey: .delivery) }
        if let exclusionLabels, !exclusionLabels.isEmpty { try container.encode(exclusionLabels, forKey: .exclusionLabels) }
        if let roadblock, roadblock != RoadblockMode.none.rawValue { try container.encode(roadblock, forKey: .roadblock) }
    }

    /// The terms these fields describe; the error names the first bad field.
    public func terms() throws(FieldError) -> LineItemTerms {
        let (delivery, rate) = try self.delivery?.terms() ?? (.pricePriority, .zero)
        let labels = exclusionLabels ?? []
        guard labels.count <= LineItemTerms.maximumLabels else {
            throw FieldError(field: "exclusion_labels", message: "at most \(LineItemTerms.maximumLabels) labels")
        }
        for (index, label) in labels.enumerated() where !IdentifierRules.isValid(label) {
            throw FieldError(
                field: "exclusion_labels[\(index)]",
                message: "'\(label.prefix(64))' is not a label: use 1–64 characters from A-Z a-z 0-9 . _ -")
        }
        let roadblock = try CampaignDocument.choice(RoadblockMode.self, self.roadblock ?? "none", field: "roadblock")
        return LineItemTerms(delivery: delivery, rate: rate, exclusionLabels: labels, roadblock: roadblock == .all)
    }

    /// The text a store keeps for `terms`: nil for a plain auction campaign.
    public static func column(_ terms: LineItemTerms) -> String? {
        guard !terms.isPlainAuction else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(LineItemFields(terms))).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The terms a store's column holds (nil: a plain auction campaign); nil result when
    /// the text is not valid terms.
    public static func terms(column: String?) -> LineItemTerms? {
        guard let column else { return .pricePriority }
        guard let fields = try? JSONReader.read(LineItemFields.self, from: column.utf8).get() else { return nil }
        return try? fields.terms()
    }
}

extension CampaignDocument {
    /// The line-item terms of the document's `delivery`, `exclusion_labels` and `roadblock`.
    func lineItemTerms() throws(FieldError) -> LineItemTerms {
        try LineItemFields(delivery: delivery, exclusionLabels: exclusionLabels, roadblock: roadblock).terms()
    }
}
