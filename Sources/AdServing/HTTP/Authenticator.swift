import HTTPTypes
import Hummingbird
import Synchronization
import VickreyCore
import VickreyStore

/// Checks API keys (`Authorization: Bearer vk_…`, or a console session's key) against
/// the store on every request, so a revoked key stops working at once; a configured
/// `ledger.bearerToken` acts as a billing key.
///
/// Failed attempts are counted per client address (through the trusted proxies:
/// `ClientAddressResolver`) and per key id. A valid key is never refused: past
/// `maximumFailures` failures in `windowSeconds`, only further *failed* attempts from that
/// address, or against that key id, are answered 429 instead of 401 until the window
/// passes, so nobody can lock another caller out (behind a proxy every client shares an
/// address). An unknown key id costs the same digest comparison as a wrong secret, so
/// timing does not tell which ids exist.
final class Authenticator: Sendable {
    let keys: any APIKeyStore
    let billingToken: String?
    let metrics: ServerMetrics
    let maximumFailures: Int
    let windowSeconds: Int64
    let addresses: ClientAddressResolver
    private let clock: @Sendable () -> Int64
    private let failures = Mutex<[String: (windowStart: Int64, count: Int)]>([:])
    /// The most addresses and key ids remembered; past it, windows that have ended are dropped first.
    static let maximumTracked = 10_000
    /// Compared against when the key id is unknown, so that path costs a digest too.
    private static let absentRecord = APIKeyRecord(
        id: "0000000000000000", role: .billing, advertiserID: nil, label: "", secretHash: String(repeating: "0", count: 64),
        createdAt: Instant(secondsSinceEpoch: 0), revokedAt: nil)

    init(
        keys: any APIKeyStore, billingToken: String?, metrics: ServerMetrics, maximumFailures: Int = 20, windowSeconds: Int64 = 60,
        addresses: ClientAddressResolver = ClientAddressResolver(), clock: @escaping @Sendable () -> Int64
    ) {
        self.keys = keys
        self.billingToken = billingToken
        self.metrics = metrics
        self.maximumFailures = maximumFailures
        self.windowSeconds = windowSeconds
        self.addresses = addresses
        self.clock = clock
    }

    /// The principal of the request's bearer key; throws 401 (no or bad key) or 429.
    /// `peer`: the TCP peer's address (the client is resolved through trusted proxies).
    func principal(_ request: Request, from peer: String) async throws -> Principal {
        let client = addresses.client(peer: peer, forwardedFor: request.headers[values: .xForwardedFor])
        let header = request.headers[.authorization]
        guard let header, header.hasPrefix("Bearer ") else {
            try refuse(client: client, keyID: nil, "missing", "send an API key as 'Authorization: Bearer KEY' (adctl apikey create)")
        }
        return try await principal(key: String(header.dropFirst(7)), client: client)
    }

    /// The principal of a key's text presented by `client` (an address already resolved);
    /// throws 401 or 429.
    func principal(key text: String, client: String) async throws -> Principal {
        if let billingToken, !billingToken.isEmpty, Self.constantTimeEqual(Array(text.utf8), Array(billingToken.utf8)) {
            return Principal(role: .billing, advertiserID: nil, keyID: nil)
        }
        guard let (id, secret) = APIKeyMaterial.parse(text) else {
            try refuse(client: client, keyID: nil, "malformed", "that is not an API key")
        }
        let record: APIKeyRecord?
        do { record = try await keys.key(id: id) } catch {
            throw APIError(code: .unavailable, message: "the key store: \(error)", field: nil)
        }
        let matches = APIKeyMaterial.matches(secret, record ?? Self.absentRecord)
        guard let record else { try refuse(client: client, keyID: id, "unknown", "no such API key") }
        guard matches else { try refuse(client: client, keyID: id, "wrong_secret", "no such API key") }
        guard record.revokedAt == nil else { try refuse(client: client, keyID: id, "revoked", "this API key was revoked") }
        return Principal(role: record.role, advertiserID: record.advertiserID, keyID: record.id)
    }

    /// Makes room in a full failure table: forgets failures older than the window, and when
    /// it is still full (recent failures from very many addresses) the older half, so the
    /// table stays within `maximumTracked`.
    static func forgetOld(_ table: inout [String: (windowStart: Int64, count: Int)], now: Int64, windowSeconds: Int64) {
        table = table.filter { now - $0.value.windowStart < windowSeconds }
        guard table.count >= maximumTracked else { return }
        let median = table.values.map(\.windowStart).sorted()[table.count / 2]
        table = table.filter { $0.value.windowStart > median }
    }

    /// Addresses and key ids with recent failed attempts.
    var trackedFailures: Int { failures.withLock { $0.count } }

    /// Counts a failed attempt against the client's address and the key id it named, and
    /// throws: 429 when either is over its limit, 401 otherwise.
    private func refuse(client: String, keyID: String?, _ reason: String, _ message: String) throws -> Never {
        metrics.authFailure(reason: reason)
        let now = clock()
        let limited = failures.withLock { table in
            if table.count >= Self.maximumTracked { Self.forgetOld(&table, now: now, windowSeconds: windowSeconds) }
            var limited = false
            for subject in ["address " + client] + (keyID.map { ["key " + $0] } ?? []) {
                var entry: (windowStart: Int64, count: Int) = (now, 0)
                if let current = table[subject], now - current.windowStart < windowSeconds { entry = current }
                entry.count += 1
                table[subject] = entry
                if entry.count > maximumFailures { limited = true }
            }
            return limited
        }
        if limited {
            metrics.authFailure(reason: "rate_limited")
            throw APIError(
                code: .tooManyAttempts, message: "too many failed attempts from this address or against this key; wait a minute",
                field: "Authorization")
        }
        throw APIError(code: .unauthorized, message: message, field: "Authorization")
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}

extension HTTPField.Name {
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
}
