import HTTPTypes
import Logging
import Hummingbird
import NIOCore
import VickreyBilling
import VickreySigning
import VickreyStore
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
        /// No key, or one that is not valid (unknown, revoked, wrong secret).
        case unauthorized
        /// A valid key whose role may not do this.
        case forbidden
        /// Too many failed sign-ins from this address; retry later.
        case tooManyAttempts = "too_many_attempts"
        /// The request conflicts with what exists (an id taken, a state that does not allow it).
        case conflict
        /// A dependency (the ledger) failed; the client may retry.
        case unavailable
        case internalError = "internal_error"
    }

    var code: Code
    var message: String
    var field: String?

    static func invalid(_ error: FieldError) -> APIError { APIError(code: .invalidRequest, message: error.message, field: error.field) }

    /// What billing's refusal of a beacon means to the client.
    init(_ failure: BeaconFailure) {
        switch failure {
        case .token(.malformed): self.init(code: .invalidToken, message: "the beacon token is malformed", field: "token")
        case .token(.forged): self.init(code: .invalidToken, message: "the beacon token does not verify: altered or forged", field: "token")
        case .token(.unknownKey):
            self.init(code: .invalidToken, message: "the beacon token names a key this server does not have", field: "token")
        case .token(.expired): self.init(code: .expiredToken, message: "the beacon token has expired", field: "token")
        case .unavailable: self.init(code: .unavailable, message: "the event could not be recorded; retry", field: nil)
        }
    }

    /// What an administration use case's refusal means to the client; a store error
    /// means what `adctl`'s exit code for it means (not found → 404, refused → 409,
    /// invalid data → 400, database → 503).
    init(_ error: AdministrationError) {
        switch error {
        case .notFound(let message, let field): self.init(code: .notFound, message: message, field: field)
        case .forbidden(let message): self.init(code: .forbidden, message: message, field: nil)
        case .invalid(let message, let field): self.init(code: .invalidRequest, message: message, field: field)
        case .store(let error):
            switch error.code {
            case .notFound, .unknownAdvertiser: self.init(code: .notFound, message: error.message, field: nil)
            case .alreadyExists, .conflict, .invalidState: self.init(code: .conflict, message: error.message, field: nil)
            case .rejected, .caller: self.init(code: .invalidRequest, message: error.message, field: nil)
            case .database: self.init(code: .unavailable, message: error.message, field: nil)
            }
        }
    }

    init(code: Code, message: String, field: String?) {
        self.code = code
        self.message = message
        self.field = field
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
        case .forbidden: .forbidden
        case .tooManyAttempts: .tooManyRequests
        case .conflict: .conflict
        case .internalError: .internalServerError
        }
    }

    var response: Response {
        JSONResponse.bytes(ErrorBody.write(code: code.rawValue, message: message, field: field), status: status)
    }
}
