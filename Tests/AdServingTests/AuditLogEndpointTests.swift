import AdServing
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import VickreyCore
import VickreyStore

/// The audit log through the admin API and the console: a change names the key that made
/// it, shows the campaign before and after, pages newest first, and only admins read it.
@Suite("The audit log over HTTP and in the console")
struct AuditLogEndpointTests {
    static func keyID(_ key: String) -> String { APIKeyMaterial.parse(key)!.id }

    @Test func changesNameTheirKeyAndShowBeforeAndAfter() async throws {
        let harness = ServerHarness()
        let keys = try await AdminAPITests.seed(harness)
        try await harness.test { client in
            let admin: HTTPFields = [.authorization: "Bearer \(keys[.admin]!)", .contentType: "application/json"]
            let acme: HTTPFields = [.authorization: "Bearer \(keys[.acme]!)"]
            let put = try await client.execute(
                uri: "/v1/admin/campaigns/acme-1", method: .put, headers: admin,
                body: ByteBuffer(string: AdminAPITests.campaignJSON("acme-1", advertiser: "acme", bid: 1_500_000)))
            #expect(put.status == .ok)
            #expect(try await client.execute(uri: "/v1/admin/campaigns/acme-1/pause", method: .post, headers: acme).status == .ok)

            let page = try await client.get("/v1/admin/audit?campaign=acme-1", headers: admin).object
            let entries = try #require(page["entries"] as? [[String: Any]])
            #expect(entries.map { $0["action"] as? String } == ["campaign.pause", "campaign.update"])
            #expect(entries.map { $0["actor"] as? String } == [Self.keyID(keys[.acme]!), Self.keyID(keys[.admin]!)])
            #expect((entries[1]["before"] as? [String: Any])?["bid_micros"] as? Int == 1_000_000)
            #expect((entries[1]["after"] as? [String: Any])?["bid_micros"] as? Int == 1_500_000)
            #expect((entries[0]["after"] as? [String: Any])?["status"] as? String == "paused")
            #expect(page["next_before"] is NSNull)

            // A page of one, then the next.
            let first = try await client.get("/v1/admin/audit?campaign=acme-1&limit=1", headers: admin).object
            let next = try #require(first["next_before"] as? Int)
            #expect((first["entries"] as? [[String: Any]])?.first?["id"] as? Int == next)
            let second = try await client.get("/v1/admin/audit?campaign=acme-1&limit=1&before=\(next)", headers: admin).object
            #expect((second["entries"] as? [[String: Any]])?.first?["action"] as? String == "campaign.update")

            // Everything, newest first: the two changes above the seeded import and keys.
            let all = try #require(try await client.get("/v1/admin/audit", headers: admin).object["entries"] as? [[String: Any]])
            #expect(all.prefix(2).map { $0["action"] as? String } == ["campaign.pause", "campaign.update"])
            #expect(all.contains { $0["action"] as? String == "campaigns.import" && $0["actor"] as? String == "server" })

            #expect(try await client.get("/v1/admin/audit", headers: acme).status == .forbidden)
            for (query, field) in [("campaign=not%20an%20id", "campaign"), ("limit=0", "limit"), ("before=-3", "before")] {
                let refused = try await client.get("/v1/admin/audit?\(query)", headers: admin)
                #expect(refused.status == .badRequest && refused.errorField == field, "\(query): \(refused.text)")
            }
        }
    }

    @Test func theConsoleListsAChangeMadeThereWithWhatItChanged() async throws {
        let harness = ServerHarness()
        let keys = try await AdminAPITests.seed(harness)
        try await harness.test { client in
            let admin = try await ConsoleTests.signIn(client, key: keys[.admin]!)
            var headers = ConsoleTests.formHeaders
            headers[.cookie] = admin.cookie
            let paused = try await client.execute(
                uri: "/console/campaigns/acme-2/pause", method: .post, headers: headers,
                body: ByteBuffer(string: ConsoleTests.form(["csrf": admin.csrf])))
            #expect(paused.status == .seeOther)
            let campaign = try await client.get("/console/campaigns/acme-2", headers: [.cookie: admin.cookie]).text
            #expect(campaign.contains(#"href="/console/audit?campaign=acme-2""#))
            // The campaign's page spells out its settings.
            #expect(campaign.contains(#"<td id="targeting">placements: any<br>countries: any"#), "\(campaign)")
            #expect(campaign.contains(#"<td id="flight">"#) && campaign.contains(#"<figure class="preview" id="preview-acme-2-0">"#))
            let page = try await client.get("/console/audit?campaign=acme-2", headers: [.cookie: admin.cookie]).text
            let row = try #require(page.firstMatch(of: /<tr id="audit-\d+">(.*?)<\/tr>/)?.1)
            #expect(row.contains(Self.keyID(keys[.admin]!)) && row.contains("campaign.pause"))
            #expect(row.contains("<code>status</code>: &quot;active&quot; → &quot;paused&quot;"), "\(row)")
            #expect(!page.contains("audit-") || !page.contains("campaign acme-1"), "the filter keeps other campaigns out")

            let acme = try await ConsoleTests.signIn(client, key: keys[.acme]!)
            #expect(try await client.get("/console/audit", headers: [.cookie: acme.cookie]).status == .forbidden)
        }
    }
}
