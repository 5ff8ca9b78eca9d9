/// The result of auctioning every placement of one request, in request order.
public struct AuctionOutcome: Sendable {
    public var requestID: String
    public var placements: [PlacementOutcome]
    /// Present when the request asked for debug.
    public var explanation: AuctionExplanation?
    /// What the request's privacy signals allowed.
    public var privacy: PrivacyDecision = .personalized

    /// The filled placements' wins, in request order.
    public var wins: [Win] {
        placements.compactMap { if case .filled(let win) = $0.result { win } else { nil } }
    }
}

/// What happened to one placement.
public struct PlacementOutcome: Sendable {
    public var placementID: PlacementID
    public var result: PlacementResult
    /// The experiment and arm the placement was auctioned under, if any.
    public var experiment: ExperimentTag?
    /// Every candidate eligible at any floor, when the auction was run recording.
    public var record: AuctionRecord?

    public init(placementID: PlacementID, result: PlacementResult, experiment: ExperimentTag? = nil, record: AuctionRecord? = nil) {
        self.placementID = placementID
        self.result = result
        self.experiment = experiment
        self.record = record
    }
}

/// One placement auction as the auction log keeps it: what a replay needs to decide it
/// again under other parameters (the floor's parts, the increment, every candidate
/// eligible at any floor with its score) and what was decided.
public struct AuctionRecord: Hashable, Sendable {
    public var placement: PlacementRequest
    /// The placement's place in its request (seeds the tie-break with the request id).
    public var position: Int
    public var minimumFloor: Micros
    public var placementFloor: Micros?
    public var floorMultiplierPPM: Int64
    public var increment: Micros
    /// The floor used.
    public var floor: Micros
    public var experiment: ExperimentTag?
    /// Best score first.
    public var candidates: [RecordedCandidate]
    public var winner: CampaignID?
    public var clearingECPM: Micros?
    public var price: Micros?

    public init(
        placement: PlacementRequest, position: Int, minimumFloor: Micros, placementFloor: Micros?, floorMultiplierPPM: Int64,
        increment: Micros, floor: Micros, experiment: ExperimentTag?, candidates: [RecordedCandidate], winner: CampaignID?,
        clearingECPM: Micros?, price: Micros?
    ) {
        self.placement = placement
        self.position = position
        self.minimumFloor = minimumFloor
        self.placementFloor = placementFloor
        self.floorMultiplierPPM = floorMultiplierPPM
        self.increment = increment
        self.floor = floor
        self.experiment = experiment
        self.candidates = candidates
        self.winner = winner
        self.clearingECPM = clearingECPM
        self.price = price
    }

    /// The rules this auction ran under.
    public var rules: AuctionRules {
        AuctionRules(
            minimumFloor: minimumFloor, increment: increment, placementFloors: placementFloor.map { [placement.id: $0] } ?? [:],
            floorMultiplierPPM: floorMultiplierPPM)
    }
}

/// A candidate of a logged auction: who bid and with what eCPM score.
public struct RecordedCandidate: Hashable, Sendable {
    public var campaignID: CampaignID
    public var advertiserID: AdvertiserID
    public var score: Micros

    public init(campaignID: CampaignID, advertiserID: AdvertiserID, score: Micros) {
        self.campaignID = campaignID
        self.advertiserID = advertiserID
        self.score = score
    }
}

/// Filled with a win, or left unfilled for a reason.
public enum PlacementResult: Sendable {
    case filled(Win)
    case unfilled(NoFillReason)
}

/// Why a placement went unfilled: no campaign matched, or the stage at which the
/// best-scoring matching campaign dropped out.
public enum NoFillReason: String, Hashable, Sendable, CaseIterable {
    case noCandidates = "no_candidates"
    case targeting
    case alreadyWon = "already_won"
    case flight
    case belowFloor = "below_floor"
    case frequencyCap = "frequency_cap"
    case pacing
    case budget
    /// The request's privacy signals allow no ad at all (GDPR without a basis to serve).
    case privacy
    /// The device is known invalid traffic (`docs/counting.md`): no ad at all.
    case ivt

    init(_ stage: CandidateStage) {
        switch stage {
        case .targeting: self = .targeting
        case .alreadyWon: self = .alreadyWon
        case .flight: self = .flight
        case .floor: self = .belowFloor
        case .frequencyCap: self = .frequencyCap
        case .pacing: self = .pacing
        case .budget, .outbid, .won: self = .budget
        }
    }
}

/// One placement's winner and what it pays.
public struct Win: Sendable {
    public var placementID: PlacementID
    /// The winning campaign as the index holds it: shared, so copying a win (it travels
    /// through outcomes, signing and metrics) does not copy every field of a `Campaign`.
    public var indexed: IndexedCampaign
    public var campaign: Campaign { indexed.campaign }
    /// The first of the campaign's creatives the placement accepts.
    public var creative: Creative
    /// The winner's eCPM score.
    public var score: Micros
    /// The auction's clearing price as eCPM.
    public var clearingECPM: Micros
    /// What the campaign pays per unit of its pricing: per 1000 impressions (CPM, equal to
    /// `clearingECPM`) or per click (CPC, `clearingECPM × 1000 / ppm` rounded down).
    public var price: Micros
    public var priceRule: PriceRule
    /// The floor the auction used.
    public var floor: Micros
    /// The best score from another advertiser, if any.
    public var runnerUpScore: Micros?
    /// What the win reserved against the budgets: the most this slot can cost.
    public var maximumCharge: Nanos
    /// The eligibility policy's reservation for this win (0 when nothing was reserved).
    public var reservationID: UInt64
    /// The experiment and arm that set the auction's parameters, if any.
    public var experiment: ExperimentTag?
    /// The deal the ad was won in (nil: the open auction).
    public var dealID: String?

    public var campaignID: CampaignID { campaign.id }
    public var advertiserID: AdvertiserID { campaign.advertiserID }
    public var pricing: Pricing { campaign.pricing }
}

/// Why the auction decided as it did, for a request sent with debug.
public struct AuctionExplanation: Sendable {
    public var placements: [PlacementExplanation]
    /// What the request's privacy signals allowed, and why.
    public var privacy: PrivacyDecision = .personalized

    public init(placements: [PlacementExplanation], privacy: PrivacyDecision = .personalized) {
        self.placements = placements
        self.privacy = privacy
    }
}

/// One placement's auction, step by step.
public struct PlacementExplanation: Sendable {
    /// At most this many targeting rejections are listed one by one; the rest are counted.
    public static let listedTargetingRejections = 50

    public var placementID: PlacementID
    public var minimumFloor: Micros
    public var placementFloor: Micros?
    public var requestFloor: Micros?
    /// What multiplied the placement's and the request's floors (1_000_000: nothing).
    public var floorMultiplierPPM: Int64
    public var increment: Micros
    /// The experiment and arm whose parameters the auction used, if any.
    public var experiment: ExperimentTag?
    /// Each deal offered on the placement: its rule, floor and who would win it.
    public var deals: [DealExplanation] = []
    /// The deal the placement was won in (nil: the open auction, or unfilled).
    public var dealID: String?
    /// The floor used: the largest of the minimum and the multiplied placement and request floors.
    public var floor: Micros
    /// Every campaign that matched targeting, best score first, then the first
    /// `listedTargetingRejections` campaigns that did not, each with its stage.
    public var candidates: [CandidateExplanation]
    /// How many indexed campaigns failed targeting (listed or not).
    public var targetingRejections: Int
    public var winner: CampaignID?
    public var runnerUp: CampaignID?
    public var runnerUpScore: Micros?
    public var clearingECPM: Micros?
    public var price: Micros?
    public var priceRule: PriceRule?
    public var noFillReason: NoFillReason?
    /// The delivery tier that decided the placement, when any live campaign is a line
    /// item, house ad or roadblock (nil: the plain auction), and the rule it applied.
    public var tier: DeliveryTier? = nil
    public var tierRule: String? = nil
}

/// One deal's auction on a placement, as the debug explanation shows it.
public struct DealExplanation: Sendable {
    public var id: String
    public var auctionType: DealAuctionType
    /// The deal's floor (the minimum floor at least).
    public var floor: Micros
    /// Who would win the deal and at what price (nil: no campaign of the deal could bid).
    public var winner: CampaignID?
    public var clearingECPM: Micros?

    public init(id: String, auctionType: DealAuctionType, floor: Micros, winner: CampaignID?, clearingECPM: Micros?) {
        self.id = id
        self.auctionType = auctionType
        self.floor = floor
        self.winner = winner
        self.clearingECPM = clearingECPM
    }
}

/// One campaign's fate in one placement's auction.
public struct CandidateExplanation: Sendable {
    public var campaignID: CampaignID
    public var advertiserID: AdvertiserID
    public var score: Micros
    public var stage: CandidateStage
    public var reason: String
    /// A CPC campaign's declared CTR prior.
    public var priorCTR: ClickThroughRate?
    /// A CPC campaign's learned CTR and the counts behind it, when the index learns.
    public var learnedCTR: LearnedClickThroughRate?
    /// A vCPM campaign's declared viewability prior.
    public var priorViewability: ClickThroughRate? = nil
    /// A vCPM campaign's learned viewability and the counts behind it, when the index learns.
    public var learnedViewability: LearnedClickThroughRate? = nil
    /// A CPCV campaign's declared completion-rate prior.
    public var priorCompletionRate: ClickThroughRate? = nil
    /// A CPCV campaign's learned completion rate and the counts behind it.
    public var learnedCompletionRate: LearnedClickThroughRate? = nil
}

/// The stage at which a campaign left an auction, in the order stages are checked:
/// targeting, already won, flight, floor, then the eligibility policy (frequency cap,
/// pacing, budget); survivors are outbid or win.
public enum CandidateStage: String, Hashable, Sendable, CaseIterable {
    case targeting
    /// Won an earlier placement of the same request.
    case alreadyWon = "already_won"
    case flight
    case floor
    case frequencyCap = "frequency_cap"
    case pacing
    case budget
    case outbid
    case won
}
