@testable import AdServing
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import VickreyConfig
import VickreyCore
import VickreyStore

/// The failed-authentication limit counts failures per client address (read through the
/// trusted proxies only) and per key id, and never refuses a valid key: no caller can
/// lock another out, and rotating a spoofed `X-Forwarded-For` does not escape the limit.
@Suite("The failed-authentication limit")
struct AuthLimitTests {
    static func key(_ harness: ServerHarness, role: AccessRole = .admin) async throws -> String {
        let store = try await Store.open(StoreLocation(harness.settings.shared.databasePath))
        let (key, record) = APIKeyMaterial.generate(
            role: role, advertiserID: nil, label: "t", at: Instant(secondsSinceEpoch: 1_795_737_600))
        try await store.apiKeys.create(record)
        return key
    }

    static func expect(_ status: HTTPResponse.Status, _ expected: HTTPResponse.Status, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(status == expected, sourceLocation: sourceLocation)
    }

    static func get(_ client: any TestClientProtocol, key: String, from forwarded: String?) async throws -> HTTPResponse.Status {
        var headers: HTTPFields = [.authorization: "Bearer \(key)"]
        if let forwarded { headers[HTTPField.Name("X-Forwarded-For")!] = forwarded }
        return try await client.get("/v1/admin/campaigns", headers: headers).status
    }

    @Test func behindATrustedProxyEachClientIsCountedOnItsOwnAndValidKeysAlwaysPass() async throws {
        let harness = ServerHarness {
            $0.authMaximumFailures = 3
            $0.trustedProxies = [AddressRange("127.0.0.1")!]
        }
        let admin = try await Self.key(harness)
        try await harness.live { client in
            for _ in 0..<3 {
                Self.expect(try await Self.get(client, key: "wrong", from: "198.51.100.7"), .unauthorized)
            }
            Self.expect(try await Self.get(client, key: "wrong", from: "198.51.100.7"), .tooManyRequests)
            // Another client behind the same proxy is not affected, nor is the right key from the first.
            Self.expect(try await Self.get(client, key: "wrong", from: "198.51.100.8"), .unauthorized)
            Self.expect(try await Self.get(client, key: admin, from: "198.51.100.7"), .ok)
            // A client that sends its own X-Forwarded-For through the proxy is still the
            // address the proxy appended (the right-most untrusted one).
            Self.expect(try await Self.get(client, key: "wrong", from: "203.0.113.1, 198.51.100.7"), .tooManyRequests)
        }
    }

    @Test func withoutTrustedProxiesXForwardedForIsIgnored() async throws {
        let harness = ServerHarness { $0.authMaximumFailures = 3 }
        let admin = try await Self.key(harness)
        try await harness.live { client in
            for index in 0..<3 { #expect(try await Self.get(client, key: "wrong", from: "203.0.113.\(index)") == .unauthorized) }
            // A new spoofed address each time: still one client, 127.0.0.1, over its limit.
            Self.expect(try await Self.get(client, key: "wrong", from: "203.0.113.99"), .tooManyRequests)
            Self.expect(try await Self.get(client, key: admin, from: nil), .ok)
        }
    }

    @Test func wrongSecretsAgainstOneKeyAreLimitedWhereverTheyComeFromAndTheRightSecretStillWorks() async throws {
        let harness = ServerHarness {
            $0.authMaximumFailures = 3
            $0.trustedProxies = [AddressRange("127.0.0.1")!]
        }
        let admin = try await Self.key(harness)
        let id = try #require(APIKeyMaterial.parse(admin)?.id)
        let wrong = "vk_\(id)_" + String(repeating: "A", count: 43)
        try await harness.live { client in
            for index in 0..<3 { #expect(try await Self.get(client, key: wrong, from: "198.51.100.\(index)") == .unauthorized) }
            Self.expect(try await Self.get(client, key: wrong, from: "198.51.100.50"), .tooManyRequests)
            Self.expect(try await Self.get(client, key: admin, from: "198.51.100.51"), .ok)
        }
    }

    @Test("A full failure table forgets expired failures, then the older half of recent ones, staying within its bound")
    func theFailureTableStaysBounded() {
        let maximum = Authenticator.maximumTracked
        // Full of failures still inside the 60-second window, from very many addresses.
        var table = Dictionary(
            uniqueKeysWithValues: (0..<maximum).map { ("address \($0)", (windowStart: Int64(1_000 + $0 % 50), count: 1)) })
        Authenticator.forgetOld(&table, now: 1_050, windowSeconds: 60)
        #expect(table.count < maximum / 2 + maximum / 50)
        #expect(table.values.allSatisfy { $0.windowStart > 1_024 })
        // Expired failures go first, and alone when that is enough.
        table = Dictionary(
            uniqueKeysWithValues: (0..<maximum).map { ("address \($0)", (windowStart: Int64($0 < 10 ? 1_049 : 900), count: 1)) })
        Authenticator.forgetOld(&table, now: 1_050, windowSeconds: 60)
        #expect(table.count == 10)
    }
}
