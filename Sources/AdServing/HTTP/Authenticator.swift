import HTTPTypes
import Hummingbird
import Synchronization
import VickreyCore
import VickreyStore

/// Checks API keys (`Authorization: Bearer vk_…`, or a console session's key) against
/// the store on every request, so a revoked key stops working at once; the configured
/// `ledger.bearerToken` still acts as a billing key. Failed attempts are counted per
/// client address: past `maximumFailures` in `windowSeconds`, that address gets 429
/// without its key being looked at, until the window passes.
final class Authenticator: Sendable {
    let keys: any APIKeyStore
    let billingToken: String?
    let metrics: ServerMetrics
    let maximumFailures: Int
    let windowSeconds: Int64
    private let clock: @Sendable () -> Int64
    private let failures = Mutex<[String: (windowStart: Int64, count: Int)]>([:])
    /// The most addresses remembered; past it, windows that have ended are dropped first.
    static let maximumAddresses = 10_000

    init(
        keys: any APIKeyStore, billingToken: String?, metrics: ServerMetrics, maximumFailures: Int = 20, windowSeconds: Int64 = 60,
        clock: @escaping @Sendable () -> Int64
    ) {
        self.keys = keys
        self.billingToken = billingToken
        self.metrics = metrics
        self.maximumFailures = maximumFailures
        self.windowSeconds = windowSeconds
        self.clock = clock
    }

    /// The principal of the request's bearer key; throws 401 (no or bad key) or 429.
    func principal(_ request: Request, from address: String) async throws -> Principal {
        let header = request.headers[.authorization]
        guard let header, header.hasPrefix("Bearer ") else {
            try refuse(address, "missing", "send an API key as 'Authorization: Bearer KEY' (adctl apikey create)")
        }
        return try await principal(key: String(header.dropFirst(7)), from: address)
    }

    /// The principal of a key's text; throws 401 or 429.
    func principal(key text: String, from address: String) async throws -> Principal {
        if isLimited(address) {
            metrics.authFailure(reason: "rate_limited")
            throw APIError(code: .tooManyAttempts, message: "too many failed attempts from this address; wait a minute", field: nil)
        }
        if let billingToken, !billingToken.isEmpty, Self.constantTimeEqual(Array(text.utf8), Array(billingToken.utf8)) {
            return Principal(role: .billing, advertiserID: nil, keyID: nil)
        }
        guard let (id, secret) = APIKeyMaterial.parse(text) else { try refuse(address, "malformed", "that is not an API key") }
        let record: APIKeyRecord?
        do { record = try await keys.key(id: id) } catch {
            throw APIError(code: .unavailable, message: "the key store: \(error)", field: nil)
        }
        guard let record else { try refuse(address, "unknown", "no such API key") }
        guard APIKeyMaterial.matches(secret, record) else { try refuse(address, "wrong_secret", "no such API key") }
        guard record.revokedAt == nil else { try refuse(address, "revoked", "this API key was revoked") }
        return Principal(role: record.role, advertiserID: record.advertiserID, keyID: record.id)
    }

    private func refuse(_ address: String, _ reason: String, _ message: String) throws -> Never {
        metrics.authFailure(reason: reason)
        let now = clock()
        failures.withLock { table in
            if table.count >= Self.maximumAddresses { table = table.filter { now - $0.value.windowStart < windowSeconds } }
            if let entry = table[address], now - entry.windowStart < windowSeconds {
                table[address] = (entry.windowStart, entry.count + 1)
            } else {
                table[address] = (now, 1)
            }
        }
        throw APIError(code: .unauthorized, message: message, field: "Authorization")
    }

    private func isLimited(_ address: String) -> Bool {
        let now = clock()
        return failures.withLock { table in
            guard let entry = table[address], now - entry.windowStart < windowSeconds else { return false }
            return entry.count >= maximumFailures
        }
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
