import HTTPTypes
import Logging
import Hummingbird
import NIOCore
import VickreySigning
import VickreyWire

/// Every error a client can cause, and the one place that maps it to an HTTP status and
/// the JSON error body `{"error": {"code", "message", "field"}}`.
struct APIError: Error {
    enum Code: String {
        /// The body is not JSON, not an object, or a field is missing, mistyped or invalid.
        case invalidRequest = "invalid_request"
        /// The body is larger than `http.maxBodyBytes`.
        case bodyTooLarge = "body_too_large"
        case unsupportedMediaType = "unsupported_media_type"
        case notFound = "not_found"
        /// A known path asked with a method it does not answer (the `Allow` header lists those it does).
        case methodNotAllowed = "method_not_allowed"
        case notReady = "not_ready"
        /// A beacon token that is malformed, altered, forged or signed with an unknown key.
        case invalidToken = "invalid_token"
        /// A beacon token past its validity.
        case expiredToken = "expired_token"
        /// `GET /v1/ledger` without the configured bearer token.
        case unauthorized
        /// A dependency (the ledger) failed; the client may retry.
        case unavailable
        case internalError = "internal_error"
    }

    var code: Code
    var message: String
    var field: String?

    static func invalid(_ error: FieldError) -> APIError { APIError(code: .invalidRequest, message: error.message, field: error.field) }

    static func beacon(_ rejection: BeaconTokenCodec.Rejection) -> APIError {
        switch rejection {
        case .malformed: APIError(code: .invalidToken, message: "the beacon token is malformed", field: "token")
        case .forged: APIError(code: .invalidToken, message: "the beacon token does not verify: altered or forged", field: "token")
        case .unknownKey: APIError(code: .invalidToken, message: "the beacon token names a key this server does not have", field: "token")
        case .expired: APIError(code: .expiredToken, message: "the beacon token has expired", field: "token")
        }
    }

    var status: HTTPResponse.Status {
        switch code {
        case .invalidRequest: .badRequest
        case .bodyTooLarge: .contentTooLarge
        case .unsupportedMediaType: .unsupportedMediaType
        case .notFound: .notFound
        case .methodNotAllowed: .methodNotAllowed
        case .notReady, .unavailable: .serviceUnavailable
        case .invalidToken: .badRequest
        case .expiredToken: .gone
        case .unauthorized: .unauthorized
        case .internalError: .internalServerError
        }
    }

    var response: Response {
        JSONResponse.bytes(ErrorBody.write(code: code.rawValue, message: message, field: field), status: status)
    }
}

/// JSON responses from bytes the wire layer wrote.
enum JSONResponse {
    static func bytes(_ bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes))
        )
    }
}

/// Turns anything thrown by a route into the JSON error shape, so no client sees a
/// non-JSON error and nothing unexpected escapes as a crash.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return error.response
        } catch let error as HTTPError {
            if error.status == .notFound {
                let allowed = AllowedMethods.documented.methods(for: request.uri.path)
                if !allowed.isEmpty {
                    var response = APIError(
                        code: .methodNotAllowed, message: "\(request.method) is not allowed on \(request.uri.path); allowed: \(allowed.joined(separator: ", "))",
                        field: nil
                    ).response
                    response.headers[HTTPField.Name("Allow")!] = allowed.joined(separator: ", ")
                    return response
                }
            }
            let code: APIError.Code = switch error.status {
            case .contentTooLarge: .bodyTooLarge
            case .notFound: .notFound
            case .unsupportedMediaType: .unsupportedMediaType
            case let status where (400..<500).contains(status.code): .invalidRequest
            default: .internalError
            }
            let message = code == .notFound ? "no route for \(request.method) \(request.uri.path)" : (error.body ?? error.status.reasonPhrase)
            return APIError(code: code, message: message, field: nil).response.with(status: error.status)
        } catch {
            context.logger.error("unhandled error", metadata: ["error": "\(error)"])
            return APIError(code: .internalError, message: "internal error", field: nil).response
        }
    }
}

extension Response {
    func with(status: HTTPResponse.Status) -> Response {
        var copy = self
        copy.status = status
        return copy
    }
}

/// Reads a request body of at most `limit` bytes. A declared Content-Length over the limit
/// is refused before any byte is read; a longer streamed body stops at the limit.
func readBody(_ request: Request, limit: Int) async throws -> [UInt8] {
    if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
        throw APIError(code: .bodyTooLarge, message: "the body is \(declared) bytes; the limit is \(limit)", field: nil)
    }
    let body = request.body
    do {
        let buffer = try await body.collect(upTo: limit)
        return Array(buffer.readableBytesView)
    } catch let error as HTTPError where error.status == .contentTooLarge {
        throw APIError(code: .bodyTooLarge, message: "the body is over the limit of \(limit) bytes", field: nil)
    }
}
