/// What a beacon reports: an ad began to render (impression; for a video its first
/// frame), was clicked, or was in view (viewable: at least half its pixels on a visible
/// page for one continuous second, two for a video); and for a video how far it played
/// (VAST tracking events `start`, `firstQuartile`, `midpoint`, `thirdQuartile`, `complete`)
/// or that the player failed (VAST `Error`).
public enum BeaconKind: String, Hashable, Sendable, CaseIterable {
    case impression, click, viewable
    case start
    case firstQuartile = "first_quartile"
    case midpoint
    case thirdQuartile = "third_quartile"
    case complete
    case error

    /// The VAST player events, in the order a full play fires them.
    public static let videoEvents: [BeaconKind] = [.start, .firstQuartile, .midpoint, .thirdQuartile, .complete]

    /// Whether the beacon's URL lives as long as the impression URL (the click URL has its own TTL).
    public var expiresWithImpression: Bool { self != .click }
}

extension Pricing {
    /// The one event an ad of this pricing is charged for: a CPM ad's impression, a CPC
    /// ad's click, a vCPM ad's viewable impression, a CPCV ad's completed view. Its other
    /// events are recorded and cost nothing.
    public var chargedEvent: BeaconKind {
        switch self {
        case .cpm: .impression
        case .cpc: .click
        case .vcpm: .viewable
        case .cpcv: .complete
        }
    }

    /// What an event of `kind` costs an ad sold at `price` (per unit of this pricing):
    /// the charged event costs the price — a CPM impression its CPM in nanos (micros ÷
    /// 1000 per impression, exactly), a vCPM viewable impression the same per viewable,
    /// a CPC click and a CPCV completed view their price — and the others nothing. The one rule for reservations,
    /// charges and the ledger.
    public func cost(of kind: BeaconKind, atPrice price: Micros) -> Nanos {
        guard kind == chargedEvent else { return .zero }
        return switch self {
        case .cpm, .vcpm: .impression(atCPM: price)
        case .cpc, .cpcv: .click(atPrice: price)
        }
    }
}
