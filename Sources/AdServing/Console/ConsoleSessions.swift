import Crypto
import Foundation
import Synchronization
import VickreyStore

/// The console's signed-in sessions, in memory: a random 256-bit session id (the
/// cookie) maps to the key's principal, its id (rechecked against the store on every
/// request, so a revoked key's session ends at once) and a CSRF token every form must
/// carry back. Sessions last `lifetimeSeconds` from sign-in; a restart signs everyone out.
final class ConsoleSessions: Sendable {
    struct Session: Sendable {
        var principal: Principal
        var csrfToken: String
        var expiresAt: Int64
    }

    static let cookieName = "vickrey_session"
    /// The sign-in form's token, set as a cookie and echoed in the form (double submit).
    static let signInCookieName = "vickrey_signin"
    let lifetimeSeconds: Int64 = 8 * 3_600
    static let maximumSessions = 10_000
    private let sessions = Mutex<[String: Session]>([:])
    private let clock: @Sendable () -> Int64
    /// Signs the sign-in form's tokens: a token this server did not issue (one an attacker
    /// planted as both cookie and form field, for login CSRF) does not verify. New per process.
    private let signInKey: [UInt8] = {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }()
    /// How long a sign-in form stays usable.
    static let signInLifetimeSeconds: Int64 = 3_600

    init(clock: @escaping @Sendable () -> Int64) { self.clock = clock }

    /// A token for the sign-in form: random, its expiry, and this server's MAC of both.
    func signInToken() -> String {
        let body = Self.randomToken() + "." + String(clock() + Self.signInLifetimeSeconds)
        return body + "." + mac(body)
    }

    /// Whether `token` is a sign-in token this server issued and that has not expired.
    func isValidSignInToken(_ token: String) -> Bool {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let expiry = Int64(parts[1]), expiry > clock() else { return false }
        return Self.same(mac(parts[0] + "." + parts[1]), String(parts[2]))
    }

    private func mac(_ text: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Array(text.utf8), using: SymmetricKey(data: signInKey)).map { String(format: "%02x", $0) }
            .joined()
    }

    /// Starts a session; returns its id.
    func start(_ principal: Principal) -> (id: String, session: Session) {
        let id = Self.randomToken()
        let session = Session(principal: principal, csrfToken: Self.randomToken(), expiresAt: clock() + lifetimeSeconds)
        let now = clock()
        sessions.withLock { table in
            if table.count >= Self.maximumSessions { table = table.filter { $0.value.expiresAt > now } }
            table[id] = session
        }
        return (id, session)
    }

    func session(_ id: String) -> Session? {
        let now = clock()
        return sessions.withLock { table in
            guard let session = table[id] else { return nil }
            guard session.expiresAt > now else {
                table[id] = nil
                return nil
            }
            return session
        }
    }

    func end(_ id: String) { sessions.withLock { $0[id] = nil } }

    /// Sessions held (expired ones are dropped when read, and all at once when the table is full).
    var count: Int { sessions.withLock { $0.count } }

    /// 32 random bytes as hex.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// Constant-time comparison of two tokens.
    static func same(_ a: String, _ b: String) -> Bool { Authenticator.constantTimeEqual(Array(a.utf8), Array(b.utf8)) }
}

/// `application/x-www-form-urlencoded` bodies and cookie headers.
enum FormData {
    /// The fields of a form body; a repeated field keeps its last value.
    static func parse(_ body: [UInt8]) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: UInt8(ascii: "&")) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0]) else { continue }
            fields[name] = parts.count > 1 ? decode(parts[1]) ?? "" : ""
        }
        return fields
    }

    private static func decode(_ bytes: ArraySlice<UInt8>) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), bytes.distance(from: index, to: bytes.endIndex) >= 3,
                let high = hex(bytes[index + 1]), let low = hex(bytes[index + 2])
            {
                out.append(high << 4 | low)
                index += 2
            } else {
                out.append(byte)
            }
            index += 1
        }
        return String(validating: out, as: UTF8.self)
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// A cookie's value from a `Cookie` header.
    static func cookie(_ name: String, in header: String?) -> String? {
        guard let header else { return nil }
        for part in header.split(separator: ";") {
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0] == name { return String(pair[1]) }
        }
        return nil
    }
}
