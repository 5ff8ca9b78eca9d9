import Hummingbird
import VickreyCore

/// Answers `GET /v1/beacons/{impression|click|viewable}/{token}` without the general
/// router, and hands every other request to it unchanged.
///
/// A beacon's last path segment is a token of about 150 characters, and the router's
/// resolver splits paths by `Character` (grapheme by grapheme): in the full mix that cost
/// about 3% of the server's CPU, nearly all of it on beacons. Here the two routes are
/// matched on the path's bytes. The answer is the same as through the router: the same
/// middleware (metrics, then errors) around the same controller, with the route label
/// the router would have recorded. A path this does not fully recognise (another method,
/// a token with any byte outside base64url, an extra segment) goes to the router, which
/// answers it like any other request.
struct BeaconFastPath: HTTPResponder {
    typealias Context = VickreyRequestContext
    let router: RouterResponder<Context>
    let beacons: BeaconController
    let metrics: MetricsMiddleware<Context>
    let errors = ErrorMiddleware<Context>()

    func respond(to request: Request, context: Context) async throws -> Response {
        guard request.method == .get, let (kind, token) = BeaconPath.match(request.uri.path) else {
            return try await router.respond(to: request, context: context)
        }
        context.coreContext.endpointPath.value = BeaconPath.route(kind)
        return try await metrics.handle(request, context: context) { request, context in
            try await errors.handle(request, context: context) { request, context in
                try await beacons.respond(kind, token: token, request, context)
            }
        }
    }
}

/// The beacon routes, matched on a path's bytes.
enum BeaconPath {
    /// The route as the router names it (its metric label).
    static func route(_ kind: BeaconKind) -> String { "/v1/beacons/\(kind.rawValue)/{token}" }

    private static let prefixes = BeaconKind.allCases.map { (kind: $0, bytes: Array("/v1/beacons/\($0.rawValue)/".utf8)) }

    /// The beacon kind and token of a beacon path; nil for anything else.
    static func match(_ path: String) -> (BeaconKind, String)? {
        var path = path
        return path.withUTF8 { bytes -> (BeaconKind, String)? in
            guard let prefix = prefixes.first(where: { bytes.starts(with: $0.bytes) }) else { return nil }
            let kind = prefix.kind
            let token = UnsafeBufferPointer(rebasing: bytes[prefix.bytes.count...])
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
