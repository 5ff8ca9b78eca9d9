import Logging
import VickreyBudget
import VickreyCore
import VickreyLedger
import VickreySigning
import VickreyStore

/// Turns a verified beacon into money and a ledger record: settles the win's
/// reservation (or charges free budget after a restart), records the event as billed or
/// unbilled with its reason, and answers only once the record is durable. A replay is
/// answered the same way but changes nothing.
struct BeaconProcessor: Sendable {
    let keys: LiveKeyring
    let budgets: BudgetBook
    let ledger: LedgerWriter
    let replays: BeaconReplayGuard
    let reloader: CampaignIndexReloader
    let clock: any VickreyClock
    let metrics: ServerMetrics

    /// What a valid beacon did.
    struct Accepted {
        var event: LedgerEvent?
        /// The creative's click-through URL (clicks only).
        var clickURL: String?
        var isReplay: Bool { event == nil }
    }

    func process(_ kind: BeaconKind, token text: String) async throws -> Accepted {
        let now = clock.now()
        let token: BeaconToken
        switch keys.tokens.decode(text, kind: kind, now: now) {
        case .success(let decoded): token = decoded
        case .failure(let rejection):
            metrics.beaconRejected(kind: kind, reason: rejection.rawValue)
            throw APIError.beacon(rejection)
        }
        let campaign = try reloader.campaign(token.campaignID)
        let clickURL = kind == .click ? campaign.flatMap { c in (c.creatives.first { $0.id == token.creativeID } ?? c.creatives.first)?.clickURL } : nil
        let key = "\(kind.rawValue):\(token.impressionID)"
        guard replays.take(key, at: now) else {
            metrics.beacon(kind: kind, outcome: "replay")
            return Accepted(event: nil, clickURL: clickURL)
        }
        var event = LedgerEvent(
            kind: kind, billed: true, reason: nil, impressionID: token.impressionID, requestID: token.requestID,
            campaignID: token.campaignID, advertiserID: token.advertiserID, creativeID: token.creativeID,
            placementID: token.placementID, pricing: token.pricing, clearingECPM: token.clearingECPM, charge: .zero, eventTime: now
        )
        let amount = Self.charge(for: kind, token)
        if token.isTest {
            event.billed = false
            event.reason = "test"
            if amount > .zero { budgets.release(token.campaignID, reservationID: token.reservationID, at: now) }
        } else if let campaign {
            if amount > .zero {
                switch budgets.charge(campaign.id, limits: BudgetLimits(campaign), amount: amount, reservationID: token.reservationID, at: now) {
                case .billed(let charged): event.charge = charged
                case .unbilled(let reason):
                    event.billed = false
                    event.reason = reason.rawValue
                }
            }
        } else {
            event.billed = false
            event.reason = "unknown_campaign"
        }
        let outcome: LedgerStore.AppendOutcome
        do {
            outcome = try await ledger.append(event)
        } catch {
            // Not recorded, so not charged: undo, and let the client retry.
            if event.charge > .zero { budgets.refund(event.campaignID, amount: event.charge, at: now) }
            replays.giveBack(key)
            throw APIError(code: .unavailable, message: "the ledger could not record the event; retry", field: nil)
        }
        guard case .appended = outcome else {
            if event.charge > .zero { budgets.refund(event.campaignID, amount: event.charge, at: now) }
            metrics.beacon(kind: kind, outcome: "replay")
            return Accepted(event: nil, clickURL: clickURL)
        }
        metrics.beacon(kind: kind, outcome: event.billed ? "billed" : "unbilled")
        return Accepted(event: event, clickURL: clickURL)
    }

    /// What an event costs: a CPM impression its clearing price per thousand, a CPC
    /// click its per-click price; the other pairs cost nothing.
    static func charge(for kind: BeaconKind, _ token: BeaconToken) -> Nanos {
        switch (kind, token.pricing) {
        case (.impression, .cpm): .impression(atCPM: token.clearingECPM)
        case (.click, .cpc): .click(atPrice: token.price)
        default: .zero
        }
    }
}
