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
    func process(_ kind: BeaconKind, _ context: Context) async throws -> BeaconProcessor.Accepted {
        do {
            let accepted = try await processor.process(kind, token: try context.parameters.require("token"))
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

    func addRoutes(to router: Router<Context>) {
        router.get("/v1/beacons/impression/:token") { _, context in
            _ = try await process(.impression, context)
            return Response(
                status: .ok, headers: [.contentType: "image/gif", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: TrackingPixel.gif))
            )
        }
        router.get("/v1/beacons/click/:token") { _, context in
            let accepted = try await process(.click, context)
            guard let target = accepted.clickURL else { return Response(status: .noContent, headers: [.cacheControl: "no-store"]) }
            return Response(status: .found, headers: [.location: target, .cacheControl: "no-store"])
        }
    }
}
