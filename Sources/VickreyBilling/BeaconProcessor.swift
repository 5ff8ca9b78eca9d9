import VickreyBudget
import VickreyCore
import VickreyLedger
import VickreySigning
import VickreyStore
import VickreyTraffic

/// Turns a verified beacon into money and a ledger record: judges whether it is invalid
/// traffic, settles the win's reservation (or charges free budget after a restart),
/// records the event as billed or unbilled with its reason, and returns only once the
/// record is durable. A replay is answered the same way but changes nothing. Invalid
/// traffic is recorded once, unbilled (`ivt_<category>`), its reservation released —
/// except a prefetch, recorded apart, which leaves the reservation for the render after it.
///
/// It knows nothing of HTTP: it throws `BeaconFailure`, which the server maps to a
/// status in one place.
public struct BeaconProcessor: Sendable {
    let keys: LiveKeyring
    let budgets: BudgetBook
    let ledger: LedgerWriter
    let replays: BeaconReplayGuard
    let campaigns: CampaignIndexReloader
    let traffic: LiveTrafficJudge
    let clock: any VickreyClock

    public init(
        keys: LiveKeyring, budgets: BudgetBook, ledger: LedgerWriter, replays: BeaconReplayGuard, campaigns: CampaignIndexReloader,
        traffic: LiveTrafficJudge, clock: any VickreyClock
    ) {
        self.traffic = traffic
        self.keys = keys
        self.budgets = budgets
        self.ledger = ledger
        self.replays = replays
        self.campaigns = campaigns
        self.clock = clock
    }

    /// What happened to a valid beacon.
    public enum Outcome: String, Sendable {
        case billed, unbilled, replay
    }

    /// Who sent a beacon, as its request says.
    public struct Sender: Sendable {
        public var userAgent: String?
        /// The client: the TCP peer, or through trusted proxies the forwarded client.
        public var clientAddress: IPAddress?
        /// The request said it was a prefetch (`PrefetchHeaders`).
        public var isPrefetch: Bool

        public init(userAgent: String?, clientAddress: IPAddress?, isPrefetch: Bool = false) {
            self.userAgent = userAgent
            self.clientAddress = clientAddress
            self.isPrefetch = isPrefetch
        }
    }

    /// What a valid beacon did.
    public struct Accepted: Sendable {
        public var outcome: Outcome
        /// The invalid-traffic verdict (nil: valid traffic).
        public var verdict: TrafficCategory?
        /// The record appended (nil for a replay).
        public var event: LedgerEvent?
        /// The creative's click-through URL (clicks only).
        public var clickURL: String?
    }

    public func process(_ kind: BeaconKind, token text: String, from sender: Sender) async throws(BeaconFailure) -> Accepted {
        let now = clock.now()
        let token: BeaconToken
        switch keys.tokens.decode(text, kind: kind, now: now) {
        case .success(let decoded): token = decoded
        case .failure(let rejection): throw .token(rejection)
        }
        let ad = token.ad
        let campaign: Campaign?
        do { campaign = try await campaigns.campaign(ad.campaignID) } catch { throw .unavailable("the campaign store: \(error)") }
        let clickURL =
            kind == .click ? campaign.flatMap { c in (c.creatives.first { $0.id == ad.creativeID } ?? c.creatives.first)?.clickURL } : nil
        let verdict = traffic.current.verdict(
            BeaconRequestFacts(
                kind: kind, userAgent: sender.userAgent, clientAddress: sender.clientAddress, isPrefetch: sender.isPrefetch,
                servedAt: token.issuedAt, now: now))
        let key = BeaconKey(kind, ad.impressionID, prefetch: verdict == .prefetch)
        guard replays.take(key, at: now, expiringAt: token.expiry(of: kind)) else {
            return Accepted(outcome: .replay, verdict: verdict, event: nil, clickURL: clickURL)
        }
        var event = LedgerEvent(ad: ad, kind: kind, billed: true, reason: nil, charge: .zero, eventTime: now)
        let cost = token.cost(of: kind)
        // In a fleet, an ad won on another server has its reservation there: the record
        // tells that server to let it go (checked before the charge takes a local one). A
        // prefetch lets nothing go: the render after it settles the reservation.
        let foreignReservation =
            budgets.isLeased && cost > .zero && token.reservationID != ReservationLimits.unreserved && verdict != .prefetch
                && !budgets.holdsReservation(ad.campaignID, token.reservationID)
            ? token.reservationID : nil
        if token.isTest {
            event.billed = false
            event.reason = .test
            if cost > .zero { budgets.release(ad.campaignID, reservationID: token.reservationID, at: now) }
        } else if let verdict {
            event.billed = false
            event.reason = verdict.unbilledReason
            if cost > .zero, verdict != .prefetch { budgets.release(ad.campaignID, reservationID: token.reservationID, at: now) }
        } else if let campaign {
            if cost > .zero {
                switch budgets.charge(
                    campaign.id, limits: BudgetLimits(campaign), amount: cost, reservationID: token.reservationID, at: now)
                {
                case .billed(let charged): event.charge = charged
                case .unbilled(let reason):
                    event.billed = false
                    event.reason = reason
                }
            }
        } else {
            event.billed = false
            event.reason = .unknownCampaign
        }
        // A fleet server's billed charge is drawn from its leases in the database too.
        let settlement =
            budgets.isLeased
            ? FleetSettlement(
                leaseDay: campaign.flatMap { budgets.budgetDay(BudgetLimits($0), at: now) }, foreignReservation: foreignReservation)
            : nil
        let appended: LedgerAppendOutcome
        do {
            appended = try await ledger.append(event, settlement: settlement)
        } catch {
            // Not recorded, so not charged: undo, and let the client retry.
            if event.charge > .zero { budgets.refund(ad.campaignID, amount: event.charge, at: now) }
            replays.giveBack(key)
            throw .unavailable("the ledger could not record the event: \(error)")
        }
        switch appended {
        case .appended:
            if event.charge > .zero { budgets.chargeRecorded(ad.campaignID, amount: event.charge) }
            return Accepted(outcome: event.billed ? .billed : .unbilled, verdict: verdict, event: event, clickURL: clickURL)
        case .recordedUnbilled(_, let reason):
            // The database's leases or budget could not cover it: recorded, not charged.
            budgets.refund(ad.campaignID, amount: event.charge, toLease: false, at: now)
            event.billed = false
            event.reason = reason
            event.charge = .zero
            return Accepted(outcome: .unbilled, verdict: verdict, event: event, clickURL: clickURL)
        case .duplicate:
            if event.charge > .zero { budgets.refund(ad.campaignID, amount: event.charge, at: now) }
            return Accepted(outcome: .replay, verdict: verdict, event: nil, clickURL: clickURL)
        }
    }
}

/// Why a beacon was not taken.
public enum BeaconFailure: Error, Sendable {
    /// The token is malformed, altered, forged, signed with an unknown key, or expired.
    case token(BeaconTokenCodec.Rejection)
    /// A dependency failed before the event was recorded; nothing was charged, and the
    /// client may retry.
    case unavailable(String)
}
