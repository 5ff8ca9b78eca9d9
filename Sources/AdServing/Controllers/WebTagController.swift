import HTTPTypes
import Hummingbird
import VickreyWire

/// `GET /v1/tag.js`, the web tag pages include to fill their slots (`WebTagScript`), and
/// what lets a page on another origin call `POST /v1/ads`: CORS for both routes (any
/// origin, no credentials: the native API needs none) and the preflight `OPTIONS /v1/ads`.
struct WebTagController: Sendable {
    static let script = ByteBuffer(string: WebTagScript.source)

    func addRoutes(to router: Router<VickreyRequestContext>) {
        router.get("/v1/tag.js") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/javascript; charset=utf-8", .cacheControl: "public, max-age=300"],
                body: ResponseBody(byteBuffer: Self.script))
        }
        router.on("/v1/ads", method: .options) { _, _ in
            Response(
                status: .noContent,
                headers: [
                    .accessControlAllowOrigin: "*", .accessControlAllowMethods: "POST", .accessControlAllowHeaders: "Content-Type",
                    .accessControlMaxAge: "86400",
                ])
        }
    }
}

/// Lets pages on any origin read `POST /v1/ads` and load the tag: `Access-Control-Allow-Origin:
/// *` on every answer of those routes, errors included (it runs outside the error middleware).
struct CORSMiddleware<Context: RequestContext>: RouterMiddleware {
    static var paths: Set<String> { ["/v1/ads", "/v1/tag.js"] }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard Self.paths.contains(request.uri.path) else { return try await next(request, context) }
        var response = try await next(request, context)
        response.headers[.accessControlAllowOrigin] = "*"
        return response
    }
}
