import AdServing
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import VickreyConfig
import VickreyCore
import VickreyStore

/// The console's campaign list at 10,000 campaigns: a page of 50, search, filters,
/// sorting by any column, and the pager.
@Suite("Console: the campaign list at 10,000 campaigns")
struct ConsoleCampaignListTests {
    static func ids(_ page: String) -> [String] {
        page.matches(of: /<tr id="campaign-([^"]+)">/).map { String($0.1) }
    }

    @Test func searchFilterSortAndPageTenThousandCampaigns() async throws {
        let harness = ServerHarness()
        let keys = try await AdminAPITests.seed(harness)
        let store = try await Store.open(StoreLocation(harness.settings.shared.databasePath))
        // c-00000 … c-09999 of advertisers adv-0 … adv-9, bids rising with the number; every
        // tenth paused.
        _ = try await store.campaigns.importCampaigns(
            (0..<10_000).map { number in
                var campaign = Campaigns.make(
                    String(format: "c-%05d", number), advertiser: "adv-\(number % 10)", bid: 100_000 + Int64(number) * 1_000)
                if number % 10 == 3 { campaign.status = .paused }
                return campaign
            })
        await store.close()
        try await harness.test { client in
            let admin = try await ConsoleTests.signIn(client, key: keys[.admin]!)
            func page(_ query: String) async throws -> String {
                let response = try await client.get("/console/campaigns?\(query)", headers: [.cookie: admin.cookie])
                #expect(response.status == .ok, "\(query)")
                return response.text
            }
            let first = try await page("")
            #expect(Self.ids(first).count == 50 && Self.ids(first).first == "acme-1")
            #expect(first.contains("Campaigns 1–50 of 10003"), "the pager counts every campaign")

            let byBid = try await page("sort=bid&order=desc")
            #expect(Array(Self.ids(byBid).prefix(2)) == ["c-09999", "c-09998"])
            let last = try await page("sort=bid&order=desc&page=201")
            #expect(Self.ids(last).count == 3 && last.contains("Campaigns 10001–10003 of 10003") && !last.contains(#"id="next""#))

            let searched = try await page("q=C-0123")
            #expect(Self.ids(searched) == (1230...1239).map { String(format: "c-%05d", $0) }, "search ignores case")
            let paused = try await page("status=paused&advertiser=adv-3")
            #expect(paused.contains("of 1000") && Self.ids(paused).allSatisfy { $0.hasSuffix("3") })
            #expect(try await page("q=nothing-like-this").contains("No campaigns match."))
            #expect(try await page("advertiser=not%20an%20id").contains("No campaigns match."))
            // Nothing has spent: sorted by spend, the ties fall back to the id (reversed here).
            #expect(Self.ids(try await page("sort=spent_total&order=desc")).first == "zeta-1")
            // A page past the end shows the last one; a bad sort falls back to the id.
            #expect(Self.ids(try await page("page=999999")).last == "zeta-1")
            #expect(Self.ids(try await page("sort=%3Cscript%3E")).first == "acme-1")
        }
    }
}
