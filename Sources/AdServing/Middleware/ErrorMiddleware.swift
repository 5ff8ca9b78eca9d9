import HTTPTypes
import Hummingbird
import Logging

/// Turns anything thrown by a route into the JSON error shape, so no client sees a
/// non-JSON error and nothing unexpected escapes as a crash.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return Self.isConsole(request) ? ConsoleHTML.errorResponse(error) : error.response
        } catch let error as AdministrationError {
            return Self.isConsole(request) ? ConsoleHTML.errorResponse(APIError(error)) : APIError(error).response
        } catch let redirect as ConsoleRedirect {
            return Response(status: .seeOther, headers: [.location: redirect.location])
        } catch let error as HTTPError {
            if error.status == .notFound {
                let allowed = AllowedMethods.documented.methods(for: request.uri.path)
                if !allowed.isEmpty {
                    var response = APIError(
                        code: .methodNotAllowed,
                        message: "\(request.method) is not allowed on \(request.uri.path); allowed: \(allowed.joined(separator: ", "))",
                        field: nil
                    ).response
                    response.headers[HTTPField.Name("Allow")!] = allowed.joined(separator: ", ")
                    return response
                }
            }
            let code: APIError.Code =
                switch error.status {
                case .contentTooLarge: .bodyTooLarge
                case .notFound: .notFound
                case .unsupportedMediaType: .unsupportedMediaType
                case let status where (400..<500).contains(status.code): .invalidRequest
                default: .internalError
                }
            let message =
                code == .notFound ? "no route for \(request.method) \(request.uri.path)" : (error.body ?? error.status.reasonPhrase)
            return APIError(code: code, message: message, field: nil).response.with(status: error.status)
        } catch {
            context.logger.error("unhandled error", metadata: ["error": "\(error)"])
            return APIError(code: .internalError, message: "internal error", field: nil).response
        }
    }
}

extension ErrorMiddleware {
    /// A console page is answered with a page, not JSON, when it is refused.
    static func isConsole(_ request: Request) -> Bool { request.uri.path.hasPrefix("/console/") }
}

extension Response {
    func with(status: HTTPResponse.Status) -> Response {
        var copy = self
        copy.status = status
        return copy
    }
}
