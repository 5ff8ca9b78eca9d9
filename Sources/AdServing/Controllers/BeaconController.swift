import HTTPTypes
import Logging
import Hummingbird
import NIOCore
import VickreyBilling
import VickreyCore
import VickreySigning
import VickreyTraffic

/// `GET /v1/beacons/{kind}/{token}` for an impression, a viewable event and the video
/// events (each answers a 1×1 GIF), and `GET /v1/beacons/click/{token}` (redirects 302 to the
/// creative's click URL). Each beacon is judged from its own request: its `User-Agent`,
/// its client address (through the trusted proxies) and its prefetch headers.
struct BeaconController: Sendable {
    typealias Context = VickreyRequestContext
    let processor: BeaconProcessor
    let metrics: ServerMetrics
    let traffic: LiveTrafficJudge
    let addresses: ClientAddressResolver

    /// Who sent the request. The client address is read only when excluded address
    /// ranges are configured: reading the peer takes the channel's lock.
    func sender(_ request: Request, _ context: Context) -> BeaconProcessor.Sender {
        let headers = request.headers
        let needsAddress = traffic.current.lists.excludedAddresses.rangeCount > 0
        return BeaconProcessor.Sender(
            userAgent: headers[.userAgent],
            clientAddress: needsAddress
                ? IPAddress(addresses.client(peer: context.peerAddress, forwardedFor: headers[values: .xForwardedFor])) : nil,
            isPrefetch: PrefetchHeaders.isPrefetch(
                secPurpose: headers[Self.secPurpose], purpose: headers[Self.purpose], xMoz: headers[Self.xMoz]))
    }

    static let secPurpose = HTTPField.Name("Sec-Purpose")!
    static let purpose = HTTPField.Name("Purpose")!
    static let xMoz = HTTPField.Name("X-Moz")!

    /// Runs the beacon through billing and counts what happened.
    func process(_ kind: BeaconKind, token: String, _ request: Request, _ context: Context) async throws -> BeaconProcessor.Accepted {
        do {
            let accepted = try await processor.process(kind, token: token, from: sender(request, context))
            metrics.beacon(kind: kind, outcome: accepted.outcome.rawValue)
            // Verdicts are counted per event recorded: a replay was judged when it was first recorded.
            if accepted.outcome != .replay { metrics.verdict(kind: kind, category: accepted.verdict) }
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
    func respond(_ kind: BeaconKind, token: String, _ request: Request, _ context: Context) async throws -> Response {
        let accepted = try await process(kind, token: token, request, context)
        guard kind == .click else {
            return Response(
                status: .ok, headers: [.contentType: "image/gif", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: Self.pixel)
            )
        }
        guard let target = accepted.clickURL else { return Response(status: .noContent, headers: [.cacheControl: "no-store"]) }
        return Response(status: .found, headers: [.location: target, .cacheControl: "no-store"])
    }

    private static var pixel: ByteBuffer { ByteBuffer(bytes: TrackingPixel.gif) }

    /// The routes, for requests `BeaconFastPath` hands to the router.
    func addRoutes(to router: Router<Context>) {
        for kind in BeaconKind.allCases {
            router.get("/v1/beacons/\(kind.rawValue)/:token") { request, context in
                try await respond(kind, token: try context.parameters.require("token"), request, context)
            }
        }
    }
}
