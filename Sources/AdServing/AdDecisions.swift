import Foundation
import VickreyBilling
import VickreyBudget
import VickreyCore
import VickreySigning
import VickreyStore
import VickreyTraffic
import VickreyWire
import VickreyYield

/// Runs auctions against the live index under the serving policy (caps, pacing,
/// budgets: each win reserves its maximum charge) and signs each win's beacon URLs.
/// Shared by the native and OpenRTB endpoints; holds no lock across any I/O (there is none here).
struct AdDecisions: Sendable {
    let reloader: CampaignIndexReloader
    let auctioneer: Auctioneer
    let policy: ServingPolicy
    let keys: LiveKeyring
    let settings: ServerSettings
    /// The running experiments, and where auctions under them are counted.
    let experiments: ExperimentPlanSource
    let experimentCounter: ExperimentCounter
    /// The sampled auction log (nil: off).
    let auctionLog: AuctionLog?
    /// The sampled requests forecasts are made from (nil: off).
    let requestSample: RequestSample?
    /// The invalid-traffic judge: a request for a robot's device gets no ad.
    let traffic: LiveTrafficJudge

    /// The time auctions happen at, from the configured clock.
    func now() -> Instant { settings.clock.now() }

    /// A win with its signed URLs.
    struct SignedWin {
        var win: Win
        var impressionID: String
        /// Every beacon URL of the ad (impression, click, viewable, the video events).
        var beacons: BeaconURLs
        var impressionURL: String { beacons.impressionURL }
        var clickURL: String { beacons.clickURL }
        var viewableURL: String { beacons.viewableURL }
    }

    /// Whether the device a request is for is known invalid traffic (its user agent on the
    /// robot list, its address in the excluded ranges): the auction then fills nothing.
    func isInvalidTraffic(userAgent: String?, address: IPAddress?) -> Bool {
        traffic.current.preBid(userAgent: userAgent, address: address) != nil
    }

    /// Decides what `signals` allow (the one place that does: the request carries the
    /// decision, and no user id when personal data is not allowed, to the auction, caps,
    /// experiment assignment, the auction log and the metrics), then auctions.
    func run(_ request: AuctionRequest, privacy signals: PrivacySignals, isTest: Bool = false) -> (AuctionOutcome, [SignedWin]) {
        var request = request
        request.privacy = settings.privacy.decide(signals)
        if !request.privacy.allowsPersonalData { request.userID = nil }
        return run(request, isTest: isTest)
    }

    private func run(_ request: AuctionRequest, isTest: Bool) -> (AuctionOutcome, [SignedWin]) {
        policy.lineItems.countRequest(at: request.time)
        let logged = auctionLog?.samples(requestID: request.requestID) ?? false
        let outcome = auctioneer.run(
            request, on: reloader.index.snapshot, policy: policy, experiments: experiments.plan, recording: logged)
        experimentCounter.count(outcome)
        if logged { auctionLog?.append(request, outcome) }
        requestSample?.sample(request)
        let base = settings.beaconBaseURL
        let tokens = keys.tokens
        let signed = outcome.wins.map { win in
            let impressionID = ImpressionID.new(at: request.time)
            let token = tokens.encode(
                BeaconToken(
                    ad: SoldAd(win, impressionID: impressionID, requestID: request.requestID), price: win.price, issuedAt: request.time,
                    expiresAt: request.time.adding(seconds: settings.beaconTimeouts.impressionSeconds),
                    clickExpiresAt: request.time.adding(seconds: settings.beaconTimeouts.clickSeconds), reservationID: win.reservationID,
                    isTest: isTest
                ))
            return SignedWin(win: win, impressionID: impressionID, beacons: BeaconURLs(base: base, token: token))
        }
        return (outcome, signed)
    }

    /// A request id for requests that did not bring one.
    static func newRequestID(at time: Instant) -> String {
        "r-" + ImpressionID.new(at: time)
    }
}
