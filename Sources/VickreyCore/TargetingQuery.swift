/// The attributes of one placement request that targeting is evaluated against.
public struct TargetingQuery: Hashable, Sendable {
    public var placement: PlacementID
    /// The formats and sizes the placement accepts.
    public var shape: AdShape
    /// Banner sizes the placement accepts; empty means any size.
    public var sizes: [AdSize] { shape.banner ?? [] }
    public var country: CountryCode?
    public var device: DeviceType?
    public var operatingSystem: OperatingSystem?
    public var keywords: [Keyword]

    public init(
        placement: PlacementID, sizes: [AdSize] = [], shape: AdShape? = nil, country: CountryCode? = nil, device: DeviceType? = nil,
        operatingSystem: OperatingSystem? = nil, keywords: [Keyword] = []
    ) {
        self.placement = placement
        self.shape = shape ?? .banner(sizes)
        self.country = country
        self.device = device
        self.operatingSystem = operatingSystem
        self.keywords = keywords
    }
}

/// The targeting dimensions a campaign can include or exclude.
public enum TargetingDimension: String, Hashable, Sendable, CaseIterable {
    case placement, size, country, device, os, keyword
    case hourOfWeek = "hour_of_week"
}

/// Why a campaign's targeting does not match a request.
public enum TargetingMismatch: Hashable, Sendable, CustomStringConvertible {
    /// The campaign includes values on this dimension and the request has none of them.
    case notIncluded(TargetingDimension)
    /// The request has a value the campaign excludes on this dimension.
    case excluded(TargetingDimension)

    public var description: String {
        switch self {
        case .notIncluded(.size): "no creative the placement accepts (format or size)"
        case .notIncluded(let dimension): "\(dimension.rawValue) not in the campaign's include list"
        case .excluded(let dimension): "\(dimension.rawValue) excluded by the campaign"
        }
    }
}

extension Campaign {
    /// The direct, campaign-by-campaign evaluation of targeting and creative sizes:
    /// nil when the campaign matches `query` at `hourOfWeek` (in the campaign's zone),
    /// else the first reason it does not. The index returns exactly the campaigns for
    /// which this is nil (hours of the week aside, which the auction checks per campaign).
    public func targetingMismatch(_ query: TargetingQuery, hourOfWeek: Int?) -> TargetingMismatch? {
        let t = targeting
        func check<V: Hashable>(_ dimension: TargetingDimension, _ values: [V], _ include: Set<V>, _ exclude: Set<V>) -> TargetingMismatch?
        {
            check(dimension, values, include.isEmpty, include.contains, exclude.contains)
        }
        func check<V>(
            _ dimension: TargetingDimension, _ values: [V], _ includesAny: Bool, _ included: (V) -> Bool, _ excluded: (V) -> Bool
        ) -> TargetingMismatch? {
            if !includesAny, !values.contains(where: included) { return .notIncluded(dimension) }
            if values.contains(where: excluded) { return .excluded(dimension) }
            return nil
        }
        if let m = check(.placement, [query.placement], t.placements, t.exclude.placements) { return m }
        if creative(for: query.shape) == nil { return .notIncluded(.size) }
        if let m = check(.country, query.country.map { [$0] } ?? [], t.countries, t.exclude.countries) { return m }
        if let m = check(.device, query.device.map { [$0] } ?? [], t.devices, t.exclude.devices) { return m }
        if let m = check(.os, query.operatingSystem.map { [$0] } ?? [], t.operatingSystems, t.exclude.operatingSystems) { return m }
        if let m = check(.keyword, query.keywords, t.keywords.isEmpty, t.keywords.contains, t.exclude.keywords.contains) { return m }
        if let hourOfWeek { return hoursMismatch(hourOfWeek) }
        return nil
    }

    /// Nil when the campaign serves in `hourOfWeek` (counted in its own time zone).
    public func hoursMismatch(_ hourOfWeek: Int) -> TargetingMismatch? {
        TargetingMismatch.hours(hourOfWeek, include: targeting.hoursOfWeek, exclude: targeting.exclude.hoursOfWeek)
    }
}

extension TargetingMismatch {
    /// Nil when `hourOfWeek` is in `include` (or `include` is empty) and not in `exclude`.
    static func hours(_ hourOfWeek: Int, include: HoursOfWeek, exclude: HoursOfWeek) -> TargetingMismatch? {
        if !include.isEmpty, !include.contains(hourOfWeek) { return .notIncluded(.hourOfWeek) }
        if exclude.contains(hourOfWeek) { return .excluded(.hourOfWeek) }
        return nil
    }
}
