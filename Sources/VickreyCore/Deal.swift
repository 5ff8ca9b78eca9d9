/// Identifies a private-marketplace deal, as exchanges and campaigns name it.
public struct DealID: ValidatedIdentifier {
    public let rawValue: String
    public init(unchecked rawValue: String) { self.rawValue = rawValue }
}

/// A campaign's part in a deal: it bids in the deal's auctions, at no less than its own
/// floor when it has one.
public struct CampaignDeal: Hashable, Sendable {
    public var id: DealID
    public var floor: Micros?

    public init(id: DealID, floor: Micros? = nil) {
        self.id = id
        self.floor = floor
    }

    public static let maximumPerCampaign = 100
}

/// How a deal clears (OpenRTB `at` per deal).
public enum DealAuctionType: Int, Hashable, Sendable {
    /// `at = 1`: the winner pays its bid.
    case firstPrice = 1
    /// `at = 2` (or absent): second price plus the increment among the deal's candidates.
    case secondPrice = 2
    /// `at = 3`: the winner pays the deal floor.
    case fixedPrice = 3
}

/// A deal offered on one placement of a request (OpenRTB `imp.pmp.deals[]`, or the
/// native endpoint's per-placement `deals`).
public struct DealRequest: Hashable, Sendable {
    public var id: String
    /// The deal floor (eCPM, account currency).
    public var floor: Micros?
    public var auctionType: DealAuctionType
    /// `wseat`: the buyer seats allowed (a campaign's seat is its advertiser id); empty: any.
    public var seats: [String]
    /// `wadomain`: the advertiser domains allowed; empty: any.
    public var advertiserDomains: [String]

    public init(
        id: String, floor: Micros? = nil, auctionType: DealAuctionType = .secondPrice, seats: [String] = [],
        advertiserDomains: [String] = []
    ) {
        self.id = id
        self.floor = floor
        self.auctionType = auctionType
        self.seats = seats
        self.advertiserDomains = advertiserDomains
    }

    /// Why `campaign` may not bid in this deal, or nil when it may.
    func refusal(_ campaign: Campaign, creative: Creative?) -> String? {
        guard campaign.deals.contains(where: { $0.id.rawValue == id }) else { return "not in deal \(id)" }
        if !seats.isEmpty, !seats.contains(campaign.advertiserID.rawValue) {
            return "seat \(campaign.advertiserID) is not among the deal's wseat"
        }
        if !advertiserDomains.isEmpty, !(creative?.advertiserDomains.contains(where: advertiserDomains.contains) ?? false) {
            return "no advertiser domain among the deal's wadomain"
        }
        return nil
    }
}
