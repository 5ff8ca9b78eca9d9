import Foundation
import VickreyCore

/// Limits on what one campaign document may contain, so no input can make the
/// store or the index hold unbounded data.
public enum CampaignLimits {
    public static let maximumListLength = 1_000
    public static let maximumDomains = 20
    /// The longest frequency-cap window: 30 days.
    public static let maximumCapWindowSeconds: Int64 = 30 * 86_400
    public static let maximumCapImpressions = 1_000_000
}

extension CampaignDocument {
    /// Reads one JSON object (`CampaignDocument.init(reading:)`), naming the field of the
    /// first problem; a key repeated in any object is refused, as every JSON reader of
    /// Vickrey refuses it.
    public static func decode(_ data: Data) -> Result<CampaignDocument, FieldError> {
        JSONReader.read(CampaignDocument.self, from: data)
    }

    /// One campaign from its JSON, every field validated: what `adctl campaign import`
    /// does to each line and the admin API to each body, so both refuse the same input
    /// with the same field and message.
    public static func parseCampaign(_ data: Data) -> Result<Campaign, FieldError> {
        decode(data).flatMap { $0.campaign() }
    }

    /// One campaign as the JSON object `export` writes on a line (without the newline).
    public static func json(_ campaign: Campaign) throws -> Data {
        var line = try jsonLines([campaign])
        line.removeLast()
        return line
    }

    /// The document of an existing campaign (what `export` writes).
    public init(_ campaign: Campaign) {
        let t = campaign.targeting
        var targeting = TargetingDocument()
        targeting.placements = t.placements.map(\.rawValue).sorted()
        targeting.countries = t.countries.map(\.rawValue).sorted()
        targeting.devices = t.devices.sorted().map(\.rawValue)
        targeting.os = t.operatingSystems.sorted().map(\.rawValue)
        targeting.keywords = t.keywords.map(\.rawValue).sorted()
        targeting.hoursOfWeek = t.hoursOfWeek.sorted
        var exclude = ExclusionDocument()
        exclude.placements = t.exclude.placements.map(\.rawValue).sorted()
        exclude.countries = t.exclude.countries.map(\.rawValue).sorted()
        exclude.devices = t.exclude.devices.sorted().map(\.rawValue)
        exclude.os = t.exclude.operatingSystems.sorted().map(\.rawValue)
        exclude.keywords = t.exclude.keywords.map(\.rawValue).sorted()
        exclude.hoursOfWeek = t.exclude.hoursOfWeek.sorted
        targeting.exclude = exclude
        self.init(
            id: campaign.id.rawValue, advertiserID: campaign.advertiserID.rawValue, name: campaign.name,
            status: campaign.status.rawValue, pricing: campaign.pricing.rawValue, bidMicros: campaign.bid.value,
            predictedCTR: campaign.predictedCTR.map { Decimal($0.partsPerMillion) / Decimal(1_000_000) },
            dailyBudgetMicros: campaign.dailyBudget?.value, totalBudgetMicros: campaign.totalBudget.value,
            start: campaign.start.map(RFC3339.format), end: campaign.end.map(RFC3339.format),
            timeZone: campaign.timeZone.identifier, pacing: campaign.pacing.rawValue,
            frequencyCap: campaign.frequencyCap.map {
                FrequencyCapDocument(impressions: $0.impressions, windowSeconds: $0.windowSeconds, refuseAnonymous: $0.refuseAnonymous)
            },
            targeting: targeting,
            creatives: campaign.creatives.map(CreativeDocument.init)
        )
        deals = campaign.deals.isEmpty ? nil : campaign.deals.map { DealDocument(id: $0.id.rawValue, floorMicros: $0.floor?.value) }
        predictedViewability = campaign.predictedViewability.map { Decimal($0.partsPerMillion) / Decimal(1_000_000) }
        predictedCompletionRate = campaign.predictedCompletionRate.map { Decimal($0.partsPerMillion) / Decimal(1_000_000) }
        let fields = LineItemFields(campaign.lineItem)
        delivery = fields.delivery
        exclusionLabels = fields.exclusionLabels
        roadblock = fields.roadblock
    }

    /// Validates every field and builds the campaign; the error names the first bad field.
    public func campaign() -> Result<Campaign, FieldError> {
        do { return .success(try makeCampaign()) } catch { return .failure(error) }
    }

    /// A rate per impression (a CTR, a viewability) in (0, 1], exact to the ppm.
    private static func rate(_ value: Decimal?, field: String) throws(FieldError) -> ClickThroughRate? {
        guard let value else { return nil }
        guard let parsed = ClickThroughRate(decimal: value.description) else {
            throw FieldError(field: field, message: "must be a number greater than 0 and at most 1")
        }
        return parsed
    }

    private func makeCampaign() throws(FieldError) -> Campaign {
        let id = try Self.identifier(CampaignID.self, id, field: "id")
        let advertiser = try Self.identifier(AdvertiserID.self, advertiserID, field: "advertiser_id")
        let status = try Self.choice(CampaignStatus.self, status ?? "active", field: "status")
        let pricing = try Self.choice(Pricing.self, pricing, field: "pricing")
        let pacing = try Self.choice(PacingMode.self, pacing ?? "asap", field: "pacing")
        let ctr = try Self.rate(predictedCTR, field: "predicted_ctr")
        let viewability = try Self.rate(predictedViewability, field: "predicted_viewability")
        let completion = try Self.rate(predictedCompletionRate, field: "predicted_completion_rate")
        guard let zone = CampaignTimeZone(identifier: timeZone ?? "UTC") else {
            throw FieldError(field: "time_zone", message: "'\(timeZone ?? "")' is not a known IANA time zone (e.g. UTC, America/New_York)")
        }
        var cap: FrequencyCap?
        if let frequencyCap {
            guard (1...CampaignLimits.maximumCapImpressions).contains(frequencyCap.impressions) else {
                throw FieldError(
                    field: "frequency_cap.impressions", message: "must be between 1 and \(CampaignLimits.maximumCapImpressions)")
            }
            guard (1...CampaignLimits.maximumCapWindowSeconds).contains(frequencyCap.windowSeconds) else {
                throw FieldError(
                    field: "frequency_cap.window_seconds",
                    message: "must be between 1 and \(CampaignLimits.maximumCapWindowSeconds) (30 days)")
            }
            cap = FrequencyCap(
                impressions: frequencyCap.impressions, windowSeconds: frequencyCap.windowSeconds,
                refuseAnonymous: frequencyCap.refuseAnonymous)
        }
        let campaign = Campaign(
            id: id, advertiserID: advertiser, name: name ?? "", status: status, pricing: pricing, bid: Micros(bidMicros),
            predictedCTR: ctr, predictedViewability: viewability, predictedCompletionRate: completion,
            dailyBudget: dailyBudgetMicros.map(Micros.init),
            totalBudget: Micros(totalBudgetMicros),
            start: try Self.instant(start, field: "start"), end: try Self.instant(end, field: "end"),
            timeZone: zone, pacing: pacing, frequencyCap: cap, targeting: try (targeting ?? TargetingDocument()).targeting(),
            creatives: try (creatives ?? []).enumerated().map { index, creative throws(FieldError) in try creative.creative(at: index) }
        )
        var withDeals = campaign
        guard (deals ?? []).count <= CampaignDeal.maximumPerCampaign else {
            throw FieldError(field: "deals", message: "at most \(CampaignDeal.maximumPerCampaign) per campaign")
        }
        withDeals.deals = try (deals ?? []).enumerated().map { index, deal throws(FieldError) in
            CampaignDeal(
                id: try Self.identifier(DealID.self, deal.id, field: "deals[\(index)].id"), floor: deal.floorMicros.map(Micros.init))
        }
        withDeals.lineItem = try lineItemTerms()
        if let problem = withDeals.validate() { throw FieldError(field: problem.field, message: problem.message) }
        return withDeals
    }

    static func identifier<ID: ValidatedIdentifier>(_ type: ID.Type, _ text: String, field: String) throws(FieldError) -> ID {
        do { return try ID(validating: text) } catch { throw FieldError(field: field, message: error.description) }
    }

    static func choice<Value: RawRepresentable & CaseIterable>(_ type: Value.Type, _ text: String, field: String) throws(FieldError)
        -> Value
    where Value.RawValue == String {
        guard let value = Value(rawValue: text) else {
            let allowed = Value.allCases.map(\.rawValue).joined(separator: ", ")
            throw FieldError(field: field, message: "'\(text.prefix(64))' is not one of: \(allowed)")
        }
        return value
    }

    static func instant(_ text: String?, field: String) throws(FieldError) -> Instant? {
        guard let text else { return nil }
        guard let instant = RFC3339.parse(text) else {
            throw FieldError(field: field, message: "'\(text.prefix(64))' is not an RFC 3339 date-time (e.g. 2026-11-01T00:00:00Z)")
        }
        return instant
    }
}

extension TargetingDocument {
    func targeting() throws(FieldError) -> Targeting {
        let exclude = self.exclude ?? ExclusionDocument()
        return Targeting(
            placements: try Self.set(placements, "targeting.placements") { PlacementID($0) },
            countries: try Self.set(countries, "targeting.countries") { CountryCode($0) },
            devices: try Self.set(devices, "targeting.devices") { DeviceType(rawValue: $0) },
            operatingSystems: try Self.set(os, "targeting.os") { OperatingSystem(rawValue: $0) },
            keywords: KeywordSet(try Self.set(keywords, "targeting.keywords") { Keyword($0) }),
            hoursOfWeek: try Self.hours(hoursOfWeek, "targeting.hours_of_week"),
            exclude: Targeting.Exclusions(
                placements: try Self.set(exclude.placements, "targeting.exclude.placements") { PlacementID($0) },
                countries: try Self.set(exclude.countries, "targeting.exclude.countries") { CountryCode($0) },
                devices: try Self.set(exclude.devices, "targeting.exclude.devices") { DeviceType(rawValue: $0) },
                operatingSystems: try Self.set(exclude.os, "targeting.exclude.os") { OperatingSystem(rawValue: $0) },
                keywords: KeywordSet(try Self.set(exclude.keywords, "targeting.exclude.keywords") { Keyword($0) }),
                hoursOfWeek: try Self.hours(exclude.hoursOfWeek, "targeting.exclude.hours_of_week")
            )
        )
    }

    static func set<Value: Hashable>(_ values: [String]?, _ field: String, _ parse: (String) -> Value?) throws(FieldError) -> Set<Value> {
        guard let values else { return [] }
        guard values.count <= CampaignLimits.maximumListLength else {
            throw FieldError(field: field, message: "at most \(CampaignLimits.maximumListLength) entries")
        }
        var result = Set<Value>()
        for (index, text) in values.enumerated() {
            guard let value = parse(text) else {
                throw FieldError(field: "\(field)[\(index)]", message: "'\(text.prefix(64))' is not a valid \(Self.noun(field))")
            }
            result.insert(value)
        }
        return result
    }

    static func hours(_ values: [Int]?, _ field: String) throws(FieldError) -> HoursOfWeek {
        guard let values else { return .any }
        for (index, hour) in values.enumerated() where !(0..<HoursOfWeek.count).contains(hour) {
            throw FieldError(field: "\(field)[\(index)]", message: "\(hour) is not an hour of the week (0–167, 0 = Monday 00:00)")
        }
        return HoursOfWeek(values) ?? .any
    }

    private static func noun(_ field: String) -> String {
        switch field.split(separator: ".").last {
        case "placements": "placement id ([A-Za-z0-9._-], 1–64 characters)"
        case "countries": "ISO 3166-1 alpha-2 country code"
        case "devices": "device type (mobile, tablet, desktop, ctv)"
        case "os": "operating system (ios, android, windows, macos, linux, other)"
        default: "keyword (1–64 characters, no control characters)"
        }
    }
}

extension CampaignDocument {
    /// Campaigns as JSON lines exactly as `adctl campaign export` writes them (sorted
    /// keys, unescaped slashes, one campaign per line, each line ending in a newline).
    public static func jsonLines(_ campaigns: some Sequence<Campaign>) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var output = Data()
        for campaign in campaigns {
            output.append(try encoder.encode(CampaignDocument(campaign)))
            output.append(UInt8(ascii: "\n"))
        }
        return output
    }
}
