import AdServing
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import VickreyCore
import VickreyStore
import VickreyTestSupport

/// Invalid traffic over HTTP, on a live server: what its beacons and ad requests say decides
/// the verdict; client addresses come through trusted proxies only; list files change under
/// a running server.
@Suite("Invalid traffic over HTTP")
struct InvalidTrafficTests {
    static let robot = "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"
    static let billing: HTTPFields = [.authorization: "Bearer \(ServerHarness.billingToken)"]
    static let request = #"{"placements":[{"id":"home_feed","floor_micros":500000}]}"#

    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ivt-\(UUID().uuidString)")

    func file(_ name: String, _ text: String) throws -> String {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func harness(_ configure: @escaping (inout ServerSettings) -> Void = { _ in }) async throws -> ServerHarness {
        let harness = ServerHarness {
            $0.minimumClickDelayMilliseconds = 500
            configure(&$0)
        }
        _ = try await harness.store().importCampaigns([Campaigns.make("one", advertiser: "a", bid: 1_000_000)])
        return harness
    }

    static func reasons(_ client: any TestClientProtocol) async throws -> [String] {
        try await client.ledger().map { $0["reason"] as? String ?? "billed" }
    }

    @Test func robotsAndPrefetchesAreRecordedUnbilledAndTheRenderAfterAPrefetchIsBilled() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let harness = try await harness()
        try await harness.live { client in
            let robotAd = try #require(try await client.ad(Self.request))
            #expect(try await client.get(robotAd.impression, headers: [.userAgent: Self.robot]).status == .ok)
            #expect(try await client.get(robotAd.impression).status == .ok, "recorded once: the person's fetch is a replay")

            let prefetched = try #require(try await client.ad(Self.request))
            #expect(try await client.get(prefetched.impression, headers: [HTTPField.Name("Sec-Purpose")!: "prefetch"]).status == .ok)
            #expect(try await client.get(prefetched.impression).status == .ok)
            #expect(try await client.get(prefetched.impression).status == .ok)

            let noAgent = try #require(try await client.ad(Self.request))
            #expect(try await client.execute(uri: noAgent.impression, method: .get).status == .ok)

            #expect(try await Self.reasons(client) == ["ivt_known_robot", "ivt_prefetch", "billed", "ivt_non_browser"])
            let budget = try await client.get("/v1/campaigns/one/budget", headers: Self.billing).object
            #expect(budget["spent_total_nanos"] as? Int == 500_000, "only the render after the prefetch")
            #expect(budget["reserved_nanos"] as? Int == 0)
            let metrics = try await client.get("/metrics").text
            #expect(metrics.contains(#"vickrey_beacon_verdicts_total{kind="impression",verdict="known_robot"} 1"#))
            #expect(metrics.contains(#"vickrey_beacon_verdicts_total{kind="impression",verdict="prefetch"} 1"#))
            #expect(metrics.contains(#"vickrey_beacon_verdicts_total{kind="impression",verdict="valid"} 1"#))
        }
    }

    /// Reports disclose what was filtered: gross, invalid by category, net, measured,
    /// viewable and the viewability rate, in the admin API (the same rows as adctl's).
    @Test func reportsDiscloseGrossInvalidNetAndViewability() async throws {
        let harness = try await harness()
        let admin = try await harness.adminKey()
        try await harness.live { client in
            let robotAd = try #require(try await client.ad(Self.request))
            _ = try await client.get(robotAd.impression, headers: [.userAgent: Self.robot])
            let shown = try #require(try await client.post("/v1/ads", json: Self.request).object["ads"] as? [[String: Any]]).first
            let impression = try #require((shown?["impression_url"] as? String).flatMap(URL.init(string:))?.path)
            let viewable = try #require((shown?["viewable_url"] as? String).flatMap(URL.init(string:))?.path)
            _ = try await client.get(impression, headers: [HTTPField.Name("Purpose")!: "prefetch"])
            _ = try await client.get(impression)
            _ = try await client.get(viewable)
            _ = try #require(try await client.ad(Self.request))  // served, never rendered
            let unseen = try #require(try await client.ad(Self.request))
            _ = try await client.get(unseen.impression)

            let rows = try #require(
                try await client.get("/v1/admin/reports?by=campaign", headers: [.authorization: "Bearer \(admin)"]).json as? [[String: Any]]
            )
            let row = try #require(rows.first)
            #expect(row["gross_impressions"] as? Int == 4)
            #expect(row["impressions"] as? Int == 2, "net: the two renders")
            #expect(
                row["invalid"] as? [String: Int] == [
                    "known_robot": 1, "non_browser": 0, "datacenter": 0, "prefetch": 1, "click_too_fast": 0,
                ])
            #expect(row["measured_impressions"] as? Int == 2)
            #expect(row["viewable_impressions"] as? Int == 1)
            #expect(row["viewability_ppm"] as? Int == 500_000)
            #expect(row["spend_nanos"] as? Int == 1_000_000)
        }
    }

    @Test func aClickTooFastIsInvalidAndALaterOneIsNot() async throws {
        let harness = try await harness()
        try await harness.live { client in
            let fast = try #require(try await client.ad(Self.request))
            #expect(try await client.get(fast.click).status == .found)
            let slow = try #require(try await client.ad(Self.request))
            try await Task.sleep(for: .milliseconds(550))
            #expect(try await client.get(slow.click).status == .found)
            #expect(try await Self.reasons(client) == ["ivt_click_too_fast", "billed"])
        }
    }

    /// The live test server's peer is 127.0.0.1: excluded or not, and what `X-Forwarded-For`
    /// may change about that, depending on whether the peer is a trusted proxy.
    @Test(arguments: [
        // (excluded ranges, trusted proxies, X-Forwarded-For) → the verdict
        ("203.0.113.0/24", "", "203.0.113.5", "billed"),  // a header from an untrusted peer is ignored
        ("203.0.113.0/24", "127.0.0.1", "203.0.113.5", "ivt_datacenter"),  // through a trusted proxy, the client it names
        ("127.0.0.0/8", "", "198.51.100.7", "ivt_datacenter"),  // a data-centre client cannot clean itself with the header
        ("127.0.0.0/8", "127.0.0.1", "198.51.100.7", "billed"),  // the proxy's client is a home address
        ("203.0.113.0/24", "127.0.0.1", "203.0.113.9, 127.0.0.1", "ivt_datacenter"),  // right-most not a trusted proxy
    ])
    func clientAddressesComeThroughTrustedProxiesOnly(excluded: String, trusted: String, forwardedFor: String, expected: String)
        async throws
    {
        defer { try? FileManager.default.removeItem(at: directory) }
        let ranges = try file("cidr.txt", excluded + "\n")
        let harness = try await harness {
            $0.ivtExcludedAddressesPath = ranges
            $0.trustedProxies = trusted.isEmpty ? [] : [AddressRange(trusted)!]
        }
        try await harness.live { client in
            let ad = try #require(try await client.ad(Self.request))
            #expect(try await client.get(ad.impression, headers: [HTTPField.Name("X-Forwarded-For")!: forwardedFor]).status == .ok)
            #expect(try await Self.reasons(client) == [expected])
        }
    }

    @Test func aListFileChangedOrBrokenUnderARunningServer() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let robots = try file("robots.txt", "# ours\nfirstbot\n")
        let harness = try await harness { $0.ivtRobotsPath = robots }
        try await harness.live { client in
            func verdict(_ userAgent: String) async throws -> String {
                let ad = try #require(try await client.ad(Self.request))
                _ = try await client.get(ad.impression, headers: [.userAgent: userAgent])
                return try await Self.reasons(client).last ?? ""
            }
            /// Waits until the server has read the file again (it checks every 250 ms).
            func until(_ userAgent: String, is expected: String) async throws {
                for _ in 0..<40 {
                    if try await verdict(userAgent) == expected { return }
                    try await Task.sleep(for: .milliseconds(100))
                }
                Issue.record("\(userAgent) never became \(expected)")
            }
            #expect(try await verdict("FirstBot/1.0") == "ivt_known_robot")
            // Only the file's list, not the default one, is in force.
            #expect(try await verdict(Self.robot) == "billed")

            try Data("secondbot\n".utf8).write(to: URL(fileURLWithPath: robots))
            try await until("SecondBot/1.0", is: "ivt_known_robot")
            #expect(try await verdict("FirstBot/1.0") == "billed")

            // A broken file keeps the lists in force.
            try Data("secondbot\n(unclosed\n".utf8).write(to: URL(fileURLWithPath: robots))
            try await Task.sleep(for: .milliseconds(600))
            #expect(try await verdict("SecondBot/1.0") == "ivt_known_robot")
        }
    }

    @Test func aBadListFileStopsTheServerAtStartNamingTheLine() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let robots = try file("robots.txt", "fine\n[unclosed\n")
        let harness = ServerHarness { $0.ivtRobotsPath = robots }
        await #expect(throws: (any Error).self) { try await harness.test { _ in } }
        do { try await harness.test { _ in } } catch { #expect("\(error)".contains("robots.txt:2")) }
    }

    @Test(arguments: [
        (
            #"{"device":{"ua":"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"},"placements":[{"id":"a"},{"id":"b"}]}"#,
            true
        ),
        (#"{"device":{"ip":"203.0.113.40"},"placements":[{"id":"a"},{"id":"b"}]}"#, true),
        (
            #"{"device":{"ua":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0.0.0 Safari/537.36","ip":"192.0.2.1"},"placements":[{"id":"a"},{"id":"b"}]}"#,
            false
        ),
    ])
    func aRobotsDeviceGetsNoAdBeforeTheAuction(body: String, invalid: Bool) async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let ranges = try file("cidr.txt", "203.0.113.0/24\n")
        let harness = try await harness { $0.ivtExcludedAddressesPath = ranges }
        try await harness.test { client in
            let response = try await client.post("/v1/ads", json: body).object
            #expect((response["ads"] as? [Any])?.isEmpty == invalid)
            if invalid { #expect(response["unfilled"] as? [String] == ["a", "b"]) }
            let metrics = try await client.get("/metrics").text
            let counted = metrics.contains(#"vickrey_no_fills_total{endpoint="native",reason="ivt"} 2"#)
            #expect(counted == invalid)
        }
    }

    @Test(arguments: [
        (#""device":{"ua":"Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"}"#, 204),
        (#""device":{"ip":"203.0.113.40"}"#, 204),
        (#""device":{"ipv6":"2001:db8::7"}"#, 204),
        (#""device":{"ip":"203.0.113"}"#, 200),  // a masked address is ignored
        (#""device":{"ua":"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Mobile/15E148 Safari/604.1"}"#, 200),
    ])
    func anOpenRTBRobotGetsNoBid(device: String, status: Int) async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let ranges = try file("cidr.txt", "203.0.113.0/24\n2001:db8::/32\n")
        let harness = try await harness { $0.ivtExcludedAddressesPath = ranges }
        try await harness.test { client in
            let body = #"{"id":"r-1",\#(device),"imp":[{"id":"1","tagid":"home_feed","banner":{"w":300,"h":250}}]}"#
            let response = try await client.post("/openrtb2/auction", json: body)
            #expect(response.status.code == status)
        }
    }
}
