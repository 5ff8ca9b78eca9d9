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
