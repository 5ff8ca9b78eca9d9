import HTTPTypes
import Logging
import Hummingbird
import NIOCore
import VickreyBilling
import VickreyCore
import VickreySigning

/// `GET /v1/beacons/impression/{token}` (answers a 1×1 GIF) and
/// `GET /v1/beacons/click/{token}` (redirects 302 to the creative's click URL).
struct BeaconController<Context: RequestContext>: Sendable {
    let processor: BeaconProcessor
    let metrics: ServerMetrics

    /// Runs the beacon through billing and counts what happened.
    func process(_ kind: BeaconKind, token: String, _ context: Context) async throws -> BeaconProcessor.Accepted {
        do {
            let accepted = try await processor.process(kind, token: token)
            metrics.beacon(kind: kind, outcome: accepted.outcome.rawValue)
            return accepted
        } catch let failure as BeaconFailure {
            switch failure {
            case .token(let rejection): metrics.beaconRejected(kind: kind, reason: rejection.rawValue)
            case .unavailable(let reason):
                // The client is told to retry; the operator is told why.
                context.logger.error("a beacon could not be recorded", metadata: ["beacon.kind": "\(kind.rawValue)", "error": "\(reason)"])
            }
            throw APIError(failure)
        }
    }

    /// The beacon's answer: a 1×1 GIF for an impression, a redirect to the creative's
    /// click URL for a click (204 when the campaign is gone).
    func respond(_ kind: BeaconKind, token: String, _ context: Context) async throws -> Response {
        let accepted = try await process(kind, token: token, context)
        switch kind {
        case .impression, .viewable:
            return Response(
                status: .ok, headers: [.contentType: "image/gif", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: Self.pixel)
            )
        case .click:
            guard let target = accepted.clickURL else { return Response(status: .noContent, headers: [.cacheControl: "no-store"]) }
            return Response(status: .found, headers: [.location: target, .cacheControl: "no-store"])
        }
    }

    private static var pixel: ByteBuffer { ByteBuffer(bytes: TrackingPixel.gif) }

    /// The routes, for requests `BeaconFastPath` hands to the router (and for tests that
    /// build a router of their own).
    func addRoutes(to router: Router<Context>) {
        router.get("/v1/beacons/impression/:token") { _, context in
            try await respond(.impression, token: try context.parameters.require("token"), context)
        }
        router.get("/v1/beacons/click/:token") { _, context in
            try await respond(.click, token: try context.parameters.require("token"), context)
        }
    }
}
