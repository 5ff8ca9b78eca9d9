import Hummingbird
import VickreyCore
import VickreyWire

/// `POST /v1/ads`: the native endpoint for the platform's own apps.
struct AdsController<Context: RequestContext>: Sendable {
    let decisions: AdDecisions
    let metrics: ServerMetrics

    func addRoutes(to router: Router<Context>) {
        router.post("/v1/ads") { request, _ in try await handle(request) }
    }

    func handle(_ request: Request) async throws -> Response {
        let body = try await readBody(request, limit: decisions.settings.limits.maximumBodyBytes)
        let parsed: NativeAdRequest
        switch NativeAdRequest.decode(body, limits: decisions.settings.limits) {
        case .success(let value): parsed = value
        case .failure(let error): throw APIError.invalid(error)
        }
        let now = decisions.now()
        let auction = AuctionRequest(
            requestID: parsed.requestID ?? AdDecisions.newRequestID(at: now), userID: parsed.userID, device: parsed.device,
            operatingSystem: parsed.operatingSystem, country: parsed.country, keywords: parsed.keywords,
            placements: parsed.placements, time: now, debug: parsed.debug
        )
        let (outcome, signed) = decisions.run(auction, privacy: parsed.privacy)
        metrics.auction(outcome, endpoint: .native)
        metrics.privacy(outcome.privacy, endpoint: .native)
        let beacons = signed.map { NativeAdResponse.Beacons(impressionURL: $0.impressionURL, clickURL: $0.clickURL) }
        return JSONResponse.bytes(NativeAdResponse.write(outcome, beacons: beacons))
    }
}
