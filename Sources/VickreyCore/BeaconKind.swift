/// What a beacon reports: an ad was shown, or clicked.
public enum BeaconKind: String, Hashable, Sendable, CaseIterable {
    case impression, click
}

extension Pricing {
    /// The one event an ad of this pricing is charged for: a CPM ad's impression, a CPC
    /// ad's click. The other event of the pair is recorded and costs nothing.
    public var chargedEvent: BeaconKind { self == .cpm ? .impression : .click }

    /// What an event of `kind` costs an ad sold at `price` (per unit of this pricing):
    /// the charged event costs the price — a CPM impression its CPM in nanos (micros ÷
    /// 1000 per impression, exactly), a CPC click its price — and the other nothing.
    /// The one rule for reservations, charges and the ledger.
    public func cost(of kind: BeaconKind, atPrice price: Micros) -> Nanos {
        guard kind == chargedEvent else { return .zero }
        return switch self {
        case .cpm: .impression(atCPM: price)
        case .cpc: .click(atPrice: price)
        }
    }
}
