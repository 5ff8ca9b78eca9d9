/// One ad an auction sold: what was shown, where, to which campaign, in answer to which
/// request, at what clearing price. Made once from a win; the beacon token carries it
/// (with the per-unit price and the reservation that only the server needs) and the
/// ledger event records it whole, so no layer copies its facts field by field.
public struct SoldAd: Hashable, Sendable {
    /// The ad's own id (24 hex characters): the idempotency key of its beacons.
    public var impressionID: String
    public var requestID: String
    public var placementID: PlacementID
    public var campaignID: CampaignID
    public var advertiserID: AdvertiserID
    public var creativeID: CreativeID
    public var pricing: Pricing
    /// The auction's clearing price as eCPM.
    public var clearingECPM: Micros
    /// The experiment and arm the auction ran under, with the unit's bucket; nil outside experiments.
    public var experiment: ExperimentTag?

    public init(
        impressionID: String, requestID: String, placementID: PlacementID, campaignID: CampaignID, advertiserID: AdvertiserID,
        creativeID: CreativeID, pricing: Pricing, clearingECPM: Micros, experiment: ExperimentTag? = nil
    ) {
        self.experiment = experiment
        self.impressionID = impressionID
        self.requestID = requestID
        self.placementID = placementID
        self.campaignID = campaignID
        self.advertiserID = advertiserID
        self.creativeID = creativeID
        self.pricing = pricing
        self.clearingECPM = clearingECPM
    }

    /// The ad `win` sold in answer to `requestID`.
    public init(_ win: Win, impressionID: String, requestID: String) {
        self.init(
            impressionID: impressionID, requestID: requestID, placementID: win.placementID, campaignID: win.campaignID,
            advertiserID: win.advertiserID, creativeID: win.creative.id, pricing: win.pricing, clearingECPM: win.clearingECPM,
            experiment: win.experiment
        )
    }
}
