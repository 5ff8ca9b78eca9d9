import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import VickreyStore

@Suite("Operations endpoints and the OpenAPI document")
struct OperationsTests {
    let harness = ServerHarness(seedDemo: true)

    @Test func healthReadinessAndMetrics() async throws {
        try await harness.test { client in
            #expect(try await client.get("/healthz").object["status"] as? String == "ok")
            let ready = try await client.get("/readyz")
            #expect(ready.status == .ok)
            #expect(ready.object["campaigns"] as? Int == 5)  // the demo campaigns, seeded into the empty database
            _ = try await client.post("/v1/ads", json: #"{"placements":[{"id":"home_feed","sizes":["300x250"]}]}"#)
            _ = try await client.post("/v1/ads", json: "nope")
            let metrics = try await client.get("/metrics").text
            #expect(metrics.contains(#"http_requests_total{route="/v1/ads",status="200"} 1"#))
            #expect(metrics.contains(#"http_requests_total{route="/v1/ads",status="400"} 1"#))
            #expect(metrics.contains("http_request_duration_seconds_bucket"))
            #expect(metrics.contains(#"vickrey_fills_total{endpoint="native"} 1"#))
            #expect(metrics.contains("vickrey_index_campaigns 5"))
        }
    }

    @Test func unknownRoutesAre404InTheErrorShape() async throws {
        try await harness.test { client in
            let response = try await client.get("/v2/nothing")
            #expect(response.status == .notFound)
            #expect(response.errorCode == "not_found")
        }
    }

    /// Each route's real responses must match the schema the document gives for them.
    /// A known path asked with a method it does not answer: 405 and the methods it does.
    @Test(arguments: [
        ("/v1/ads", HTTPRequest.Method.get, "POST, OPTIONS"), ("/healthz", .delete, "GET"), ("/openrtb2/auction", .put, "POST"),
        ("/v1/beacons/impression/AAAAAAAAAAAAAAAAAAAAAAAAAAAA", .post, "GET"), ("/v1/campaigns/x/budget", .patch, "GET"),
        ("/v1/ledger", .post, "GET"),
    ])
    func anUndeclaredMethodOnAKnownPathIs405WithAllow(path: String, method: HTTPRequest.Method, allowed: String) async throws {
        try await harness.test { client in
            let response = try await client.execute(uri: path, method: method)
            #expect(response.status == .methodNotAllowed)
            #expect(response.headers[HTTPField.Name("Allow")!] == allowed)
            #expect(response.errorCode == "method_not_allowed")
            #expect(try await client.get("/v1/nowhere").status == .notFound)
        }
    }

    @Test func realResponsesMatchTheOpenAPIDocument() async throws {
        let admin = try await harness.debugHeaders()
        try await harness.test { client in
            let document = try #require(try await client.get("/openapi.json").json as? [String: Any])
            #expect(document["openapi"] as? String == "3.1.0")
            let checker = SchemaChecker(root: document)
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            #expect(
                Set(paths.keys) == [
                    "/v1/ads", "/v1/tag.js", "/openrtb2/auction", "/healthz", "/readyz", "/metrics", "/openapi.json",
                    "/v1/beacons/impression/{token}",
                    "/v1/beacons/click/{token}", "/v1/beacons/viewable/{token}", "/v1/beacons/start/{token}",
                    "/v1/beacons/first_quartile/{token}", "/v1/beacons/midpoint/{token}", "/v1/beacons/third_quartile/{token}",
                    "/v1/beacons/complete/{token}", "/v1/beacons/error/{token}", "/v1/ledger", "/v1/ledger/chains",
                    "/v1/campaigns/{id}/budget",
                    "/.well-known/jwks.json", "/v1/admin/advertisers", "/v1/admin/advertisers/{id}", "/v1/admin/campaigns",
                    "/v1/admin/campaigns/{id}", "/v1/admin/campaigns/{id}/pause", "/v1/admin/campaigns/{id}/resume",
                    "/v1/admin/campaigns/{id}/archive", "/v1/admin/campaigns/{id}/delivery", "/v1/admin/campaigns/{id}/line-item",
                    "/v1/admin/line-items", "/v1/admin/forecasts", "/v1/admin/reports", "/v1/admin/experiments",
                    "/v1/admin/experiments/{id}", "/v1/admin/experiments/{id}/stop", "/v1/admin/experiments/{id}/report",
                    "/v1/admin/audit",
                ])
            func schema(_ path: String, _ method: String, _ status: String) -> Any? {
                var response = ((paths[path]?[method] as? [String: Any])?["responses"] as? [String: Any])?[status] as? [String: Any]
                if let reference = response?["$ref"] as? String {
                    response =
                        ((document["components"] as? [String: Any])?["responses"] as? [String: Any])?[
                            String(reference.split(separator: "/").last!)] as? [String: Any]
                }
                return ((response?["content"] as? [String: Any])?["application/json"] as? [String: Any])?["schema"]
            }
            let explained =
                #"{"debug":true,"keywords":["baking"],"placements":[{"id":"home_feed","sizes":["300x250"]},{"id":"none","sizes":["1x1"]}]}"#
            let exchanges: [(String, String, String?, String)] = [
                ("/v1/ads", "post", explained, "200"),
                ("/v1/ads", "post", explained, "403"),
                ("/v1/ads", "post", #"{"placements":"x"}"#, "400"),
                ("/openrtb2/auction", "post", #"{"id":"r","imp":[{"id":"1","banner":{"w":300,"h":250}}]}"#, "200"),
                ("/openrtb2/auction", "post", #"{"id":"r","imp":[]}"#, "400"),
                ("/healthz", "get", nil, "200"),
                ("/readyz", "get", nil, "200"),
                ("/openapi.json", "get", nil, "200"),
            ]
            for (path, method, body, status) in exchanges {
                // The explanation is answered to an admin key only: with one 200, without 403.
                let headers: HTTPFields = body?.contains("debug") == true && status == "200" ? admin : [.contentType: "application/json"]
                let response =
                    body.map { b in { try await client.post(path, json: b, headers: headers) } } ?? { try await client.get(path) }
                let real = try await response()
                #expect("\(real.status.code)" == status, "\(method) \(path)")
                let expected = try #require(schema(path, method, status), "\(method) \(path) \(status) is not documented")
                let problems = checker.problems(real.json as Any, against: expected)
                #expect(problems.isEmpty, "\(method) \(path) \(status): \(problems)")
            }
        }
    }

    /// The billing routes, on a live server (their records need the ledger writer).
    @Test func billingResponsesMatchTheOpenAPIDocument() async throws {
        _ = try await harness.store().importCampaigns([Campaigns.make("one", advertiser: "a", bid: 1_000_000)])
        try await harness.live { client in
            let document = try #require(try await client.get("/openapi.json").json as? [String: Any])
            let checker = SchemaChecker(root: document)
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            func schema(_ path: String, _ status: String) -> Any? {
                var response = ((paths[path]?["get"] as? [String: Any])?["responses"] as? [String: Any])?[status] as? [String: Any]
                if let reference = response?["$ref"] as? String {
                    response =
                        ((document["components"] as? [String: Any])?["responses"] as? [String: Any])?[
                            String(reference.split(separator: "/").last!)] as? [String: Any]
                }
                return ((response?["content"] as? [String: Any])?["application/json"] as? [String: Any])?["schema"]
            }
            let ad = try #require(try await client.ad(#"{"placements":[{"id":"home_feed"}]}"#))
            let auth: HTTPFields = [.authorization: "Bearer \(ServerHarness.billingToken)"]
            let exchanges: [(documented: String, path: String, headers: HTTPFields, status: String)] = [
                ("/v1/beacons/impression/{token}", ad.impression, [:], "200"),
                ("/v1/beacons/impression/{token}", "/v1/beacons/impression/AAAA", [:], "400"),
                ("/v1/beacons/click/{token}", ad.click, [:], "302"),
                ("/v1/ledger", "/v1/ledger?after=0&limit=10", auth, "200"),
                ("/v1/ledger", "/v1/ledger?after=-1", auth, "400"),
                ("/v1/ledger", "/v1/ledger", [:], "401"),
                ("/v1/ledger", "/v1/ledger?server=no%20such", auth, "400"),
                ("/v1/ledger", "/v1/ledger?server=elsewhere", auth, "404"),
                ("/v1/ledger/chains", "/v1/ledger/chains", auth, "200"),
                ("/v1/ledger/chains", "/v1/ledger/chains", [:], "401"),
                ("/v1/campaigns/{id}/budget", "/v1/campaigns/one/budget", auth, "200"),
                ("/v1/campaigns/{id}/budget", "/v1/campaigns/nope/budget", auth, "404"),
                ("/.well-known/jwks.json", "/.well-known/jwks.json", [:], "200"),
            ]
            for exchange in exchanges {
                let real = try await client.get(exchange.path, headers: exchange.headers)
                #expect("\(real.status.code)" == exchange.status, "GET \(exchange.path)")
                let documented = ((paths[exchange.documented]?["get"] as? [String: Any])?["responses"] as? [String: Any])?[exchange.status]
                #expect(documented != nil, "GET \(exchange.documented) \(exchange.status) is not documented")
                if let expected = schema(exchange.documented, exchange.status) {
                    let problems = checker.problems(real.json as Any, against: expected)
                    #expect(problems.isEmpty, "GET \(exchange.path) \(exchange.status): \(problems)")
                }
            }
        }
    }
}
