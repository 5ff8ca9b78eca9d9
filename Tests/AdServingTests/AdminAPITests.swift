import AdServing
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import VickreyConfig
import VickreyCore
import VickreyStore

@Suite("Admin API: every role against every route")
struct AdminAPITests {
    enum Caller: String, CaseIterable, Sendable {
        case nobody, badKey, admin, acme, billing, legacyToken
    }

    struct Case: Sendable, CustomStringConvertible {
        var caller: Caller
        var method: HTTPRequest.Method
        var path: String
        var body: String?
        var status: Int
        var description: String { "\(caller) \(method) \(path) → \(status)" }
    }

    static func campaignJSON(_ id: String, advertiser: String, bid: Int = 1_000_000) -> String {
        #"{"id":"\#(id)","advertiser_id":"\#(advertiser)","name":"\#(id)","status":"active","pricing":"cpm","bid_micros":\#(bid),"predicted_ctr":null,"daily_budget_micros":null,"total_budget_micros":100000000,"start":null,"end":null,"time_zone":"UTC","pacing":"asap","frequency_cap":null,"targeting":{"placements":[],"countries":[],"devices":[],"os":[],"keywords":[],"hours_of_week":[],"exclude":{}},"creatives":[{"id":"\#(id)-cr","size":"300x250","image_url":"https://cdn.example/x.png","click_url":"https://x.example/","adomain":[]}]}"#
    }

    static let experiment =
        #"{"id":"floors","placements":["home_feed"],"arms":[{"name":"control","weight":1},{"name":"high","weight":1,"minimum_floor_micros":500000}]}"#

    /// The table, in the order it runs (later rows see earlier rows' changes).
    static let table: [Case] = {
        var cases: [Case] = []
        func add(_ path: String, _ method: HTTPRequest.Method, body: String? = nil, _ statuses: [Caller: Int]) {
            for caller in Caller.allCases {
                cases.append(Case(caller: caller, method: method, path: path, body: body, status: statuses[caller] ?? 401))
            }
        }
        func add(_ path: String, _ statuses: [Caller: Int]) { add(path, .get, statuses) }
        let adminOnly: [Caller: Int] = [.admin: 200, .acme: 403, .billing: 403, .legacyToken: 403]
        add("/v1/admin/advertisers", [.admin: 200, .acme: 200, .billing: 403, .legacyToken: 403])
        add(
            "/v1/admin/advertisers", .post, body: #"{"id":"newcomer","name":"New"}"#,
            [.admin: 201, .acme: 403, .billing: 403, .legacyToken: 403])
        add("/v1/admin/advertisers/acme", [.admin: 200, .acme: 200, .billing: 403, .legacyToken: 403])
        add("/v1/admin/advertisers/zeta", [.admin: 200, .acme: 404, .billing: 403, .legacyToken: 403])
        add("/v1/admin/campaigns", [.admin: 200, .acme: 200, .billing: 403, .legacyToken: 403])
        add(
            "/v1/admin/campaigns", .post, body: campaignJSON("made-by-api", advertiser: "acme"),
            [.admin: 201, .acme: 403, .billing: 403, .legacyToken: 403])
        add("/v1/admin/campaigns/acme-1", [.admin: 200, .acme: 200, .billing: 403, .legacyToken: 403])
        add("/v1/admin/campaigns/zeta-1", [.admin: 200, .acme: 404, .billing: 403, .legacyToken: 403])
        add("/v1/admin/campaigns/nope", [.admin: 404, .acme: 404, .billing: 403, .legacyToken: 403])
        add(
            "/v1/admin/campaigns/acme-1", .put, body: campaignJSON("acme-1", advertiser: "acme", bid: 1_500_000),
            [.admin: 200, .acme: 403, .billing: 403, .legacyToken: 403])
        add("/v1/admin/campaigns/zeta-1/pause", .post, [.admin: 200, .acme: 404, .billing: 403, .legacyToken: 403])
        add("/v1/admin/campaigns/zeta-1/resume", .post, [.admin: 200, .acme: 404, .billing: 403, .legacyToken: 403])
        // Paused by the acme key first; the admin then finds it already paused.
        cases += [
            Case(caller: .acme, method: .post, path: "/v1/admin/campaigns/acme-1/pause", body: nil, status: 200),
            Case(caller: .admin, method: .post, path: "/v1/admin/campaigns/acme-1/pause", body: nil, status: 409),
            Case(caller: .billing, method: .post, path: "/v1/admin/campaigns/acme-1/resume", body: nil, status: 403),
            Case(caller: .acme, method: .post, path: "/v1/admin/campaigns/acme-1/resume", body: nil, status: 200),
            Case(caller: .acme, method: .post, path: "/v1/admin/campaigns/made-by-api/archive", body: nil, status: 403),
            Case(caller: .admin, method: .post, path: "/v1/admin/campaigns/made-by-api/archive", body: nil, status: 200),
        ]
        add("/v1/admin/campaigns/acme-1/delivery", [.admin: 200, .acme: 200, .billing: 403, .legacyToken: 403])
        add("/v1/admin/campaigns/zeta-1/delivery", [.admin: 200, .acme: 404, .billing: 403, .legacyToken: 403])
        add("/v1/admin/reports?by=day", [.admin: 200, .acme: 200, .billing: 403, .legacyToken: 403])
        add("/v1/admin/experiments", adminOnly)
        add("/v1/admin/audit?campaign=acme-1", adminOnly)
        cases.append(Case(caller: .admin, method: .post, path: "/v1/admin/experiments", body: experiment, status: 201))
        cases.append(Case(caller: .acme, method: .post, path: "/v1/admin/experiments", body: experiment, status: 403))
        add("/v1/admin/experiments/floors", adminOnly)
        add("/v1/admin/experiments/floors/report", adminOnly)
        add("/v1/admin/experiments/floors/stop", .post, [.admin: 200, .acme: 403, .billing: 403, .legacyToken: 403])
        add("/v1/ledger", [.admin: 200, .acme: 403, .billing: 200, .legacyToken: 200])
        add("/v1/ledger/chains", [.admin: 200, .acme: 403, .billing: 200, .legacyToken: 200])
        add("/v1/campaigns/acme-1/budget", [.admin: 200, .acme: 403, .billing: 200, .legacyToken: 200])
        return cases
    }()

    @Test func everyRoleGetsItsStatusOnEveryRoute() async throws {
        let harness = ServerHarness { $0.authMaximumFailures = 1_000 }
        let keys = try await Self.seed(harness)
        try await harness.test { client in
            var failures: [String] = []
            for row in Self.table {
                var headers: HTTPFields = [.contentType: "application/json"]
                switch row.caller {
                case .nobody: break
                case .badKey: headers[.authorization] = "Bearer vk_0000000000000000_notthesecretnotthesecretnotthesecret00"
                case .legacyToken: headers[.authorization] = "Bearer \(ServerHarness.billingToken)"
                case .admin, .acme, .billing: headers[.authorization] = "Bearer \(keys[row.caller]!)"
                }
                let response = try await client.execute(
                    uri: row.path, method: row.method, headers: headers, body: row.body.map { ByteBuffer(string: $0) })
                if Int(response.status.code) != row.status { failures.append("\(row): got \(response.status.code) \(response.text)") }
            }
            #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        }
    }

    /// An advertiser key's lists, reports and filters hold its own advertiser only.
    @Test func anAdvertiserKeySeesOnlyItsOwnData() async throws {
        let harness = ServerHarness()
        let keys = try await Self.seed(harness)
        try await harness.test { client in
            let auth: HTTPFields = [.authorization: "Bearer \(keys[.acme]!)"]
            let campaigns = try await client.get("/v1/admin/campaigns", headers: auth).object["campaigns"] as? [[String: Any]]
            #expect(campaigns?.map { $0["id"] as? String } == ["acme-1", "acme-2"])
            let filtered =
                try await client.get("/v1/admin/campaigns?advertiser=zeta", headers: auth).object["campaigns"] as? [[String: Any]]
            #expect(filtered?.isEmpty == true)
            let advertisers = try await client.get("/v1/admin/advertisers", headers: auth).object["advertisers"] as? [[String: Any]]
            #expect(advertisers?.map { $0["id"] as? String } == ["acme"])
            let all = try await client.get("/v1/admin/campaigns?limit=2", headers: [.authorization: "Bearer \(keys[.admin]!)"]).object
            #expect((all["campaigns"] as? [[String: Any]])?.count == 2 && all["next_after"] as? String == "acme-2")
            let rest = try await client.get(
                "/v1/admin/campaigns?limit=2&after=acme-2", headers: [.authorization: "Bearer \(keys[.admin]!)"]
            ).object
            #expect((rest["campaigns"] as? [[String: Any]])?.map { $0["id"] as? String } == ["zeta-1"] && rest["next_after"] is NSNull)
        }
    }

    /// A bad campaign is refused with the field `adctl` names; a revoked key stops at
    /// once; failed attempts from one address are limited and counted, valid keys never.
    @Test func validationRevocationAndRateLimiting() async throws {
        let harness = ServerHarness { $0.authMaximumFailures = 5 }
        let keys = try await Self.seed(harness)
        try await harness.test { client in
            let auth: HTTPFields = [.authorization: "Bearer \(keys[.admin]!)", .contentType: "application/json"]
            let bad = try await client.post("/v1/admin/campaigns", json: Self.campaignJSON("x", advertiser: "acme", bid: -5), headers: auth)
            #expect(bad.status == .badRequest && bad.errorField == "bid_micros")
            let taken = try await client.post("/v1/admin/campaigns", json: Self.campaignJSON("acme-1", advertiser: "acme"), headers: auth)
            #expect(taken.status == .conflict)
            let unknown = try await client.post("/v1/admin/campaigns", json: Self.campaignJSON("y", advertiser: "nobody"), headers: auth)
            #expect(unknown.status == .notFound)

            let store = try await Store.open(StoreLocation(harness.settings.shared.databasePath))
            try await store.apiKeys.revoke(id: APIKeyMaterial.parse(keys[.billing]!)!.id, at: Instant(secondsSinceEpoch: 1_795_000_000))
            await store.close()
            #expect(try await client.get("/v1/ledger", headers: [.authorization: "Bearer \(keys[.billing]!)"]).status == .unauthorized)

            // The revoked key was this address's first failure; four more reach the limit of
            // five, and the next failure is answered 429; the right key is never refused.
            for _ in 0..<4 {
                #expect(try await client.get("/v1/admin/campaigns", headers: [.authorization: "Bearer wrong"]).status == .unauthorized)
            }
            #expect(try await client.get("/v1/admin/campaigns", headers: [.authorization: "Bearer wrong"]).status == .tooManyRequests)
            #expect(try await client.get("/v1/admin/campaigns", headers: [.authorization: "Bearer \(keys[.admin]!)"]).status == .ok)
            let metrics = try await client.get("/metrics").text
            #expect(metrics.contains(#"vickrey_auth_failures_total{reason="malformed"} 5"#))
            #expect(metrics.contains(#"vickrey_auth_failures_total{reason="revoked"} 1"#))
            #expect(metrics.contains(#"vickrey_auth_failures_total{reason="rate_limited"} 1"#))
        }
    }

    /// Advertisers acme (campaigns acme-1, acme-2) and zeta (zeta-1); one key per role.
    static func seed(_ harness: ServerHarness) async throws -> [Caller: String] {
        let store = try await Store.open(StoreLocation(harness.settings.shared.databasePath))
        _ = try await store.campaigns.importCampaigns([
            Campaigns.make("acme-1", advertiser: "acme", bid: 1_000_000), Campaigns.make("acme-2", advertiser: "acme", bid: 900_000),
            Campaigns.make("zeta-1", advertiser: "zeta", bid: 800_000),
        ])
        var keys: [Caller: String] = [:]
        let now = Instant(secondsSinceEpoch: 1_795_000_000)
        for (caller, role, advertiser) in [
            (Caller.admin, AccessRole.admin, nil), (.acme, .advertiser, AdvertiserID("acme")), (.billing, .billing, nil),
        ] {
            let (key, record) = APIKeyMaterial.generate(role: role, advertiserID: advertiser, label: caller.rawValue, at: now)
            try await store.apiKeys.create(record)
            keys[caller] = key
        }
        await store.close()
        return keys
    }

    /// Every admin route's real answers against the served OpenAPI document.
    @Test func adminResponsesMatchTheOpenAPIDocument() async throws {
        let harness = ServerHarness()
        let keys = try await Self.seed(harness)
        try await harness.test { client in
            let document = try #require(try await client.get("/openapi.json").json as? [String: Any])
            let checker = SchemaChecker(root: document)
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            func schema(_ path: String, _ method: String, _ status: String) -> Any? {
                var response = ((paths[path]?[method] as? [String: Any])?["responses"] as? [String: Any])?[status] as? [String: Any]
                if let reference = response?["$ref"] as? String {
                    response =
                        ((document["components"] as? [String: Any])?["responses"] as? [String: Any])?[
                            String(reference.split(separator: "/").last!)] as? [String: Any]
                }
                return ((response?["content"] as? [String: Any])?["application/json"] as? [String: Any])?["schema"]
            }
            let exchanges: [(documented: String, method: HTTPRequest.Method, path: String, body: String?, status: String)] = [
                ("/v1/admin/advertisers", .get, "/v1/admin/advertisers?limit=1", nil, "200"),
                ("/v1/admin/advertisers", .post, "/v1/admin/advertisers", #"{"id":"fresh","name":"Fresh"}"#, "201"),
                ("/v1/admin/advertisers/{id}", .get, "/v1/admin/advertisers/acme", nil, "200"),
                ("/v1/admin/campaigns", .get, "/v1/admin/campaigns?status=active", nil, "200"),
                ("/v1/admin/campaigns", .post, "/v1/admin/campaigns", Self.campaignJSON("fresh-1", advertiser: "fresh"), "201"),
                ("/v1/admin/campaigns", .post, "/v1/admin/campaigns", Self.campaignJSON("fresh-1", advertiser: "fresh"), "409"),
                ("/v1/admin/campaigns/{id}", .get, "/v1/admin/campaigns/acme-1", nil, "200"),
                ("/v1/admin/campaigns/{id}", .put, "/v1/admin/campaigns/acme-1", Self.campaignJSON("acme-1", advertiser: "acme"), "200"),
                ("/v1/admin/campaigns/{id}/pause", .post, "/v1/admin/campaigns/acme-2/pause", nil, "200"),
                ("/v1/admin/campaigns/{id}/delivery", .get, "/v1/admin/campaigns/acme-1/delivery?hours=24", nil, "200"),
                ("/v1/admin/reports", .get, "/v1/admin/reports?by=day", nil, "200"),
                ("/v1/admin/reports", .get, "/v1/admin/reports?by=advertiser&until=2030-01-01T00:00:00Z", nil, "200"),
                ("/v1/admin/reports", .get, "/v1/admin/reports?by=placement&since=2020-01-01T00:00:00Z", nil, "200"),
                ("/v1/admin/reports", .get, "/v1/admin/reports?by=creative", nil, "200"),
                ("/v1/admin/reports", .get, "/v1/admin/reports?by=region", nil, "400"),
                ("/v1/admin/experiments", .post, "/v1/admin/experiments", Self.experiment, "201"),
                ("/v1/admin/experiments", .get, "/v1/admin/experiments", nil, "200"),
                ("/v1/admin/experiments/{id}", .get, "/v1/admin/experiments/floors", nil, "200"),
                ("/v1/admin/experiments/{id}/report", .get, "/v1/admin/experiments/floors/report", nil, "200"),
                ("/v1/admin/experiments/{id}/stop", .post, "/v1/admin/experiments/floors/stop", nil, "200"),
                ("/v1/admin/campaigns", .get, "/v1/admin/campaigns?limit=0", nil, "400"),
                ("/v1/admin/audit", .get, "/v1/admin/audit?limit=2", nil, "200"),
                ("/v1/admin/audit", .get, "/v1/admin/audit?campaign=acme-2", nil, "200"),
                ("/v1/admin/audit", .get, "/v1/admin/audit?campaign=", nil, "400"),
            ]
            for exchange in exchanges {
                let response = try await client.execute(
                    uri: exchange.path, method: exchange.method,
                    headers: [.authorization: "Bearer \(keys[.admin]!)", .contentType: "application/json"],
                    body: exchange.body.map { ByteBuffer(string: $0) })
                #expect("\(response.status.code)" == exchange.status, "\(exchange.method) \(exchange.path): \(response.text)")
                let expected = try #require(
                    schema(exchange.documented, exchange.method.rawValue.lowercased(), exchange.status),
                    "\(exchange.method) \(exchange.documented) \(exchange.status) is not documented")
                let problems = checker.problems(response.json as Any, against: expected)
                #expect(problems.isEmpty, "\(exchange.method) \(exchange.path): \(problems)")
            }
        }
    }
}
