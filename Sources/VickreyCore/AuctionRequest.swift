/// One request for ads: who and where, and the placements to fill in order.
public struct AuctionRequest: Hashable, Sendable {
    /// Seeds the tie-break, so the same id always breaks ties the same way.
    public var requestID: String
    public var userID: String?
    public var device: DeviceType?
    public var operatingSystem: OperatingSystem?
    public var country: CountryCode?
    public var keywords: [Keyword]
    public var placements: [PlacementRequest]
    /// When the auction happens (flight dates, hours of the week).
    public var time: Instant
    /// Ask for an explanation of every decision.
    public var debug: Bool
    /// What the request may use, decided from its privacy signals before the auction
    /// (`PrivacyPolicy`); a request that may not use personal data carries no user id.
    public var privacy: PrivacyDecision = .personalized
    /// The device the request is for is known invalid traffic (a robot's user agent, an
    /// excluded address), decided before the auction: no placement is filled.
    public var isInvalidTraffic = false

    public init(
        requestID: String, userID: String? = nil, device: DeviceType? = nil, operatingSystem: OperatingSystem? = nil,
        country: CountryCode? = nil, keywords: [Keyword] = [], placements: [PlacementRequest], time: Instant,
        debug: Bool = false
    ) {
        self.requestID = requestID
        self.userID = userID
        self.device = device
        self.operatingSystem = operatingSystem
        self.country = country
        self.keywords = keywords
        self.placements = placements
        self.time = time
        self.debug = debug
    }

    /// The targeting attributes of this request for one of its placements.
    public func query(for placement: PlacementRequest) -> TargetingQuery {
        TargetingQuery(
            placement: placement.id, shape: placement.shape, country: country, device: device,
            operatingSystem: operatingSystem, keywords: keywords
        )
    }
}

/// One slot to fill.
public struct PlacementRequest: Hashable, Sendable {
    public var id: PlacementID
    /// The formats and sizes the slot accepts (a banner of any size by default).
    public var shape: AdShape
    /// Accepted banner sizes; empty accepts any (or no banner is accepted at all).
    public var sizes: [AdSize] {
        get { shape.banner ?? [] }
        set { shape.banner = newValue }
    }
    /// The request's own floor (eCPM), if any.
    public var floor: Micros?
    /// Deals offered on this placement, in the request's order.
    public var deals: [DealRequest]
    /// Only the deals compete (OpenRTB `pmp.private_auction = 1`).
    public var privateAuction: Bool

    public init(
        id: PlacementID, sizes: [AdSize] = [], shape: AdShape? = nil, floor: Micros? = nil, deals: [DealRequest] = [],
        privateAuction: Bool = false
    ) {
        self.id = id
        self.shape = shape ?? .banner(sizes)
        self.floor = floor
        self.deals = deals
        self.privateAuction = privateAuction
    }
}

/// The configurable constants of the auction.
public struct AuctionRules: Hashable, Sendable {
    /// The smallest floor any auction uses (default $0.01 CPM).
    public var minimumFloor: Micros
    /// What the winner pays above the runner-up (default $0.01 CPM).
    public var increment: Micros
    /// Per-placement floors configured by the operator (none by default).
    public var placementFloors: [PlacementID: Micros]
    /// Multiplies the placement's and the request's floors (not the minimum), in parts
    /// per million: 1_000_000 (the default) leaves them as they are. Set by experiment arms.
    public var floorMultiplierPPM: Int64

    public init(
        minimumFloor: Micros = Micros(10_000), increment: Micros = Micros(10_000), placementFloors: [PlacementID: Micros] = [:],
        floorMultiplierPPM: Int64 = 1_000_000
    ) {
        self.minimumFloor = minimumFloor
        self.increment = increment
        self.placementFloors = placementFloors
        self.floorMultiplierPPM = floorMultiplierPPM
    }

    /// The floor for one placement of a request.
    public func floor(for placement: PlacementRequest) -> Micros {
        Scoring.floor(
            minimum: minimumFloor, placement: placementFloors[placement.id].map(multiplied), request: placement.floor.map(multiplied))
    }

    /// `floor × floorMultiplierPPM / 1_000_000`, rounded down to the micro.
    public func multiplied(_ floor: Micros) -> Micros {
        floorMultiplierPPM == 1_000_000 ? floor : Micros(Int64((Int128(floor.value) * Int128(floorMultiplierPPM)) / 1_000_000))
    }
}
