import AdServing
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import VickreyCore
import VickreyStore

/// The console's sessions and forms over HTTP (the browser test drives the same pages in Chromium).
@Suite("Web console: sessions, CSRF, roles")
struct ConsoleTests {
    static func form(_ fields: [String: String]) -> String {
        fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
    }

    static let formHeaders: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    /// Signs in with `key`; returns the session cookie and the session's CSRF token.
    static func signIn(_ client: some TestClientProtocol, key: String) async throws -> (cookie: String, csrf: String) {
        let page = try await client.get("/console/signin")
        let signInCookie = try #require(page.headers[.setCookie]?.split(separator: ";").first.map(String.init))
        let token = try #require(page.text.firstMatch(of: /name="csrf" value="([0-9a-f.]+)"/)?.1)
        var headers = formHeaders
        headers[.cookie] = signInCookie
        let response = try await client.execute(
            uri: "/console/signin", method: .post, headers: headers, body: ByteBuffer(string: form(["csrf": String(token), "key": key])))
        #expect(response.status == .seeOther && response.headers[.location] == "/console/campaigns")
        let setCookies = response.headers[values: .setCookie]
        let session = try #require(setCookies.first { $0.hasPrefix("vickrey_session=") })
        #expect(session.contains("HttpOnly") && session.contains("SameSite=Strict") && session.contains("Path=/console"))
        let cookie = String(session.split(separator: ";")[0])
        let campaigns = try await client.get("/console/campaigns", headers: [.cookie: cookie])
        let csrf = try #require(campaigns.text.firstMatch(of: /name="csrf" value="([0-9a-f]+)"/)?.1)
        return (cookie, String(csrf))
    }

    /// Login CSRF: an attacker who plants a cookie and submits the same token in a form
    /// of their own (to sign a victim into the attacker's session) is refused: the
    /// sign-in token must be one this server issued.
    @Test func aSignInTokenTheServerDidNotIssueIsRefused() async throws {
        let harness = ServerHarness()
        let keys = try await AdminAPITests.seed(harness)
        try await harness.test { client in
            let page = try await client.get("/console/signin")
            let issued = try #require(page.text.firstMatch(of: /name="csrf" value="([0-9a-f.]+)"/)?.1)
            let forged = String(repeating: "a", count: 64)
            let tampered = String(issued.dropLast()) + (issued.hasSuffix("0") ? "1" : "0")
            for token in [forged, forged + ".99999999999.abcd", tampered] {
                var headers = Self.formHeaders
                headers[.cookie] = "vickrey_signin=\(token)"
                let response = try await client.execute(
                    uri: "/console/signin", method: .post, headers: headers,
                    body: ByteBuffer(string: Self.form(["csrf": token, "key": keys[.admin]!])))
                #expect(response.status == .forbidden, "\(token)")
                #expect(
                    !response.headers[values: .setCookie].contains {
                        $0.hasPrefix("vickrey_session=") && !$0.hasPrefix("vickrey_session=;")
                    })
            }
        }
    }

    @Test func formsNeedTheSessionsTokenAndAdvertisersSeeOnlyTheirOwn() async throws {
        let harness = ServerHarness()
        let keys = try await AdminAPITests.seed(harness)
        try await harness.test { client in
            #expect(try await client.get("/console/campaigns").headers[.location] == "/console/signin")
            let admin = try await Self.signIn(client, key: keys[.admin]!)
            var headers = Self.formHeaders
            headers[.cookie] = admin.cookie
            // A form without the token, or with another, changes nothing.
            // No token, and one that differs from the session's in its first character.
            let wrong = (admin.csrf.hasPrefix("0") ? "1" : "0") + admin.csrf.dropFirst()
            for token in ["", wrong] {
                let refused = try await client.execute(
                    uri: "/console/campaigns/acme-1/pause", method: .post, headers: headers,
                    body: ByteBuffer(string: Self.form(["csrf": token])))
                #expect(refused.status == .forbidden)
            }
            #expect(try await harness.store().campaign(CampaignID("acme-1")!)?.status == .active)
            let paused = try await client.execute(
                uri: "/console/campaigns/acme-1/pause", method: .post, headers: headers,
                body: ByteBuffer(string: Self.form(["csrf": admin.csrf])))
            #expect(paused.status == .seeOther)
            #expect(try await harness.store().campaign(CampaignID("acme-1")!)?.status == .paused)

            // A bad bid comes back next to its field, the other values kept.
            let bad = try await client.execute(
                uri: "/console/campaigns", method: .post, headers: headers,
                body: ByteBuffer(
                    string: Self.form([
                        "csrf": admin.csrf, "id": "formed", "advertiser_id": "acme", "name": "Formed", "pricing": "cpm", "bid": "abc",
                        "total_budget": "10", "pacing": "asap", "creatives": "1", "cr0_size": "300x250",
                        "cr0_image_url": "https://cdn.example/f.png", "cr0_click_url": "https://acme.example/",
                    ])))
            #expect(bad.status == .badRequest)
            #expect(bad.text.contains(#"id="error-bid""#) && bad.text.contains(#"value="Formed""#))
            let badCTR = try await client.execute(
                uri: "/console/campaigns", method: .post, headers: headers,
                body: ByteBuffer(
                    string: Self.form([
                        "csrf": admin.csrf, "id": "formed", "advertiser_id": "acme", "pricing": "cpc", "bid": "1", "predicted_ctr": "1.2.3",
                        "total_budget": "10", "creatives": "1", "cr0_size": "300x250", "cr0_image_url": "https://cdn.example/f.png",
                        "cr0_click_url": "https://acme.example/",
                    ])))
            #expect(badCTR.status == .badRequest && badCTR.text.contains(#"id="error-predicted_ctr""#))

            // An advertiser key: its own campaigns only, nothing to create, others are 404.
            let acme = try await Self.signIn(client, key: keys[.acme]!)
            let list = try await client.get("/console/campaigns", headers: [.cookie: acme.cookie]).text
            #expect(list.contains("campaign-acme-1") && !list.contains("zeta-1") && !list.contains("New campaign"))
            #expect(try await client.get("/console/campaigns/zeta-1", headers: [.cookie: acme.cookie]).status == .notFound)
            #expect(try await client.get("/console/campaigns/new", headers: [.cookie: acme.cookie]).status == .forbidden)
            #expect(try await client.get("/console/experiments", headers: [.cookie: acme.cookie]).status == .forbidden)
            let page = try await client.get("/console/campaigns/acme-1", headers: [.cookie: acme.cookie])
            #expect(page.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("default-src 'self'") == true)
            // The console's own assets are local; a creative's https image is previewed without a referrer.
            #expect(page.text.contains("<svg class=\"chart\"") && !page.text.contains("http://"))
            #expect(page.text.contains(#"<link rel="stylesheet" href="/console/assets/console.css">"#))
            #expect(
                page.text.contains(
                    #"<img src="https://cdn.example/acme-1.png" width="300" height="250" alt="banner acme-1-0" loading="lazy" referrerpolicy="no-referrer">"#
                ))
        }
    }
}
