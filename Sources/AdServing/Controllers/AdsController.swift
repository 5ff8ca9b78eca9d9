import Hummingbird
import VickreyCore
import VickreyStore
import VickreyWire

/// `POST /v1/ads`: the native endpoint for the platform's own apps. The auction's
/// explanation (`debug: true`) names every competing campaign, advertiser and score, so
/// it is answered only to a request carrying an admin API key; without one the request
/// is refused (403 naming `debug`), never served without the explanation it asked for.
struct AdsController: Sendable {
    let decisions: AdDecisions
    let metrics: ServerMetrics
    let auth: Authenticator

    func addRoutes(to router: Router<VickreyRequestContext>) {
        router.post("/v1/ads") { request, context in try await handle(request, context) }
    }

    func handle(_ request: Request, _ context: VickreyRequestContext) async throws -> Response {
        let body = try await readBody(request, limit: decisions.settings.limits.maximumBodyBytes)
        let parsed: NativeAdRequest
        switch NativeAdRequest.decode(body, limits: decisions.settings.limits) {
        case .success(let value): parsed = value
        case .failure(let error): throw APIError.invalid(error)
        }
        if parsed.debug { try await requireAdmin(request, context) }
        let now = decisions.now()
        var auction = AuctionRequest(
            requestID: parsed.requestID ?? AdDecisions.newRequestID(at: now), userID: parsed.userID, device: parsed.device,
            operatingSystem: parsed.operatingSystem, country: parsed.country, keywords: parsed.keywords,
            placements: parsed.placements, time: now, debug: parsed.debug
        )
        auction.isInvalidTraffic = decisions.isInvalidTraffic(userAgent: parsed.userAgent, address: parsed.ipAddress)
        let (outcome, signed) = decisions.run(auction, privacy: parsed.privacy)
        metrics.auction(outcome, endpoint: .native)
        metrics.privacy(outcome.privacy, endpoint: .native)
        let beacons = signed.map { NativeAdResponse.SoldBeacons(impressionID: $0.impressionID, urls: $0.beacons) }
        return JSONResponse.bytes(NativeAdResponse.write(outcome, beacons: beacons))
    }

    /// The explanation is an admin's: the request must carry an admin key.
    private func requireAdmin(_ request: Request, _ context: VickreyRequestContext) async throws {
        guard request.headers[.authorization] != nil else {
            throw APIError(
                code: .forbidden,
                message: "the auction's explanation is for admins: send an admin API key (Authorization: Bearer KEY) or leave debug out",
                field: "debug")
        }
        let principal = try await auth.principal(request, from: context.peerAddress)
        guard principal.role == .admin else {
            throw APIError(
                code: .forbidden, message: "the auction's explanation needs an admin key, not a \(principal.role.rawValue) key",
                field: "debug")
        }
    }
}
