import Hummingbird
import VickreyCore
import VickreyWire

/// `POST /openrtb2/auction`: OpenRTB 2.6 BidRequest in, BidResponse out (204 for no bid).
///
/// Each banner impression becomes a placement (`tagid` when it is a valid placement id,
/// else `openrtb`), its `w`/`h` and `format` the accepted sizes, `bidfloor` the floor in
/// exact micros. Impressions in a private auction, with a floor in another currency or
/// without a banner get no bid; so does a request whose `cur` excludes ours, or one that
/// could not be answered within its `tmax`.
struct OpenRTBController<Context: RequestContext>: Sendable {
    static var defaultPlacement: PlacementID { PlacementID("openrtb")! }
    let decisions: AdDecisions
    let metrics: ServerMetrics

    func addRoutes(to router: Router<Context>) {
        router.post("/openrtb2/auction") { request, _ in try await handle(request) }
    }

    func handle(_ request: Request) async throws -> Response {
        let started = ContinuousClock.now
        let body = try await readBody(request, limit: decisions.settings.limits.maximumBodyBytes)
        let bidRequest: OpenRTBRequest
        switch OpenRTBRequest.decode(body, limits: decisions.settings.limits) {
        case .success(let value): bidRequest = value
        case .failure(let error): throw APIError.invalid(error)
        }
        let currency = decisions.settings.currency
        guard bidRequest.currencies.isEmpty || bidRequest.currencies.contains(currency) else {
            metrics.openRTBSkipped(reason: "currency")
            return Response(status: .noContent)
        }
        var placements: [PlacementRequest] = []
        var impressionIDs: [PlacementID: String] = [:]
        for impression in bidRequest.impressions {
            guard impression.hasBanner else {
                metrics.openRTBSkipped(reason: "not_banner")
                continue
            }
            guard !impression.privateAuction else {
                metrics.openRTBSkipped(reason: "private_auction")
                continue
            }
            guard impression.floorCurrency == currency else {
                metrics.openRTBSkipped(reason: "currency")
                continue
            }
            // Placement ids must be unique within one auction request; a repeated tagid
            // keeps only its first impression.
            let placement = impression.tagID.flatMap(PlacementID.init) ?? Self.defaultPlacement
            guard impressionIDs[placement] == nil else {
                metrics.openRTBSkipped(reason: "duplicate_tagid")
                continue
            }
            impressionIDs[placement] = impression.id
            placements.append(PlacementRequest(id: placement, sizes: impression.sizes, floor: impression.floor))
        }
        guard !placements.isEmpty else { return Response(status: .noContent) }
        let auction = AuctionRequest(
            requestID: bidRequest.id, userID: bidRequest.userID, device: bidRequest.device,
            operatingSystem: bidRequest.operatingSystem, country: bidRequest.country, keywords: bidRequest.keywords,
            placements: placements, time: decisions.now()
        )
        let (outcome, signed) = decisions.run(auction, privacy: bidRequest.privacy, isTest: bidRequest.isTest)
        metrics.auction(outcome, endpoint: .openrtb)
        metrics.privacy(outcome.privacy, endpoint: .openrtb)
        if let tmax = bidRequest.maximumMilliseconds, ContinuousClock.now - started >= .milliseconds(tmax) {
            metrics.openRTBSkipped(reason: "tmax")
            return Response(status: .noContent)
        }
        guard !signed.isEmpty else { return Response(status: .noContent) }
        let bids = signed.map {
            OpenRTBResponse.Bid(
                id: $0.impressionID, impressionID: impressionIDs[$0.win.placementID]!, win: $0.win,
                impressionURL: $0.impressionURL, clickURL: $0.clickURL
            )
        }
        return JSONResponse.bytes(OpenRTBResponse.write(requestID: bidRequest.id, bids: bids, currency: currency, seat: "vickrey"))
    }
}
