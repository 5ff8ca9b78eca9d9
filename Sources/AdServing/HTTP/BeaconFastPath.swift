import Hummingbird
import VickreyCore

/// Answers `GET /v1/beacons/{impression|click}/{token}` without the general router, and
/// hands every other request to it unchanged.
///
/// A beacon's last path segment is a token of about 150 characters, and the router's
/// resolver splits paths by `Character` (grapheme by grapheme): in the full mix that cost
/// about 3% of the server's CPU, nearly all of it on beacons. Here the two routes are
/// matched on the path's bytes. The answer is the same as through the router: the same
/// middleware (metrics, then errors) around the same controller, with the route label
/// the router would have recorded. A path this does not fully recognise (another method,
/// a token with any byte outside base64url, an extra segment) goes to the router, which
/// answers it like any other request.
struct BeaconFastPath<Context: RequestContext>: HTTPResponder {
    let router: RouterResponder<Context>
    let beacons: BeaconController<Context>
    let metrics: MetricsMiddleware<Context>
    let errors = ErrorMiddleware<Context>()

    func respond(to request: Request, context: Context) async throws -> Response {
        guard request.method == .get, let (kind, token) = BeaconPath.match(request.uri.path) else {
            return try await router.respond(to: request, context: context)
        }
        context.coreContext.endpointPath.value = kind == .impression ? BeaconPath.impressionRoute : BeaconPath.clickRoute
        return try await metrics.handle(request, context: context) { request, context in
            try await errors.handle(request, context: context) { _, context in
                try await beacons.respond(kind, token: token, context)
            }
        }
    }
}

/// The two beacon routes, matched on a path's bytes.
enum BeaconPath {
    /// The routes as the router names them (its metric labels).
    static let impressionRoute = "/v1/beacons/impression/{token}"
    static let clickRoute = "/v1/beacons/click/{token}"

    private static let impressionPrefix = Array("/v1/beacons/impression/".utf8)
    private static let clickPrefix = Array("/v1/beacons/click/".utf8)

    /// The beacon kind and token of a beacon path; nil for anything else.
    static func match(_ path: String) -> (BeaconKind, String)? {
        var path = path
        return path.withUTF8 { bytes -> (BeaconKind, String)? in
            let kind: BeaconKind
            let prefixLength: Int
            if bytes.starts(with: impressionPrefix) {
                (kind, prefixLength) = (.impression, impressionPrefix.count)
            } else if bytes.starts(with: clickPrefix) {
                (kind, prefixLength) = (.click, clickPrefix.count)
            } else {
                return nil
            }
            let token = UnsafeBufferPointer(rebasing: bytes[prefixLength...])
            guard !token.isEmpty, token.allSatisfy(isBase64URL) else { return nil }
            return (kind, String(decoding: token, as: UTF8.self))
        }
    }

    private static func isBase64URL(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default: false
        }
    }
}
