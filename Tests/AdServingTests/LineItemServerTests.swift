import AdServing
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import VickreyCore
import VickreyStore
import VickreyTestSupport

/// Line items on a live server: a 90-second flight under steady traffic with beacons, an
/// `asap` item that stops at its goal, exclusion and roadblocks on a multi-placement
/// request, delivery status in the admin API and `/metrics`. The clock is simulated: each
/// request moves it on by a fixed step, so 90 seconds of traffic take a few seconds.
@Suite("Line items on a live server")
struct LineItemServerTests {
    static let flightStart = Instant(secondsSinceEpoch: 1_796_100_000)

    static func lineItem(_ id: String, _ delivery: DeliveryType, rate: Int64, seconds: Int64 = 90) -> Campaign {
        var campaign = Campaigns.make(id, advertiser: "direct", bid: rate)
        campaign.start = flightStart
        campaign.end = flightStart.adding(seconds: seconds)
        campaign.lineItem = LineItemTerms(delivery: delivery, rate: Micros(rate))
        return campaign
    }

    /// Sends `count` one-placement requests `stepMilliseconds` apart, firing every ad's
    /// impression beacon; returns the ads each campaign won.
    static func traffic(
        _ client: any TestClientProtocol, clock: ManualClock, count: Int, stepMilliseconds: Int64
    ) async throws -> [String: Int] {
        var won: [String: Int] = [:]
        for index in 0..<count {
            let body = #"{"request_id":"t-\#(index)","placements":[{"id":"home_feed","sizes":["300x250"]}]}"#
            if let ad = try await client.ad(body) {
                won[ad.ad["campaign_id"] as? String ?? "?", default: 0] += 1
                #expect(try await client.get(ad.impression).status == .ok)
            }
            clock.advance(milliseconds: stepMilliseconds)
        }
        return won
    }

    @Test func anEvenItemReachesItsGoalOverA90SecondFlightAndReportsItsStatus() async throws {
        let clock = ManualClock(Self.flightStart)
        let harness = ServerHarness { $0.clock = clock }
        let admin = try await harness.adminKey()
        _ = try await harness.store().importCampaigns([
            Self.lineItem("even-li", .standard(goal: 200, pace: .even), rate: 2_000_000),
            Campaigns.make("rival", advertiser: "open", bid: 6_000_000),
        ])
        try await harness.live { client in
            // 600 requests over the 90 s flight, 150 ms apart; the item needs a third of them.
            var won = try await Self.traffic(client, clock: clock, count: 300, stepMilliseconds: 150)
            // Halfway: on its curve, and so reported.
            let half = try await client.get("/v1/admin/campaigns/even-li/line-item", headers: [.authorization: "Bearer \(admin)"]).object
            #expect(half["status"] as? String == "on_track")
            #expect((half["delivered"] as? Int).map { (95...105).contains($0) } == true, "\(half)")
            for (key, value) in try await Self.traffic(client, clock: clock, count: 300, stepMilliseconds: 150) {
                won[key, default: 0] += value
            }
            #expect((198...200).contains(won["even-li"] ?? 0), "\(won)")
            let billed = try await client.ledger(limit: 1_000).filter {
                $0["campaign_id"] as? String == "even-li" && $0["billed"] as? Bool == true
            }
            #expect((198...200).contains(billed.count))
            #expect(billed.allSatisfy { $0["charge_nanos"] as? Int == 2_000_000 }, "each at the booked 2.00 CPM")
            let status = try await client.get("/v1/admin/campaigns/even-li/line-item", headers: [.authorization: "Bearer \(admin)"]).object
            #expect(status["goal"] as? Int == 200)
            #expect(status["delivered"] as? Int == billed.count)
            let list = try await client.get("/v1/admin/line-items", headers: [.authorization: "Bearer \(admin)"]).object
            #expect((list["line_items"] as? [[String: Any]])?.map { $0["campaign_id"] as? String } == ["even-li"])
            let metrics = try await client.get("/metrics").text
            #expect(metrics.contains(#"vickrey_line_item_goal_impressions{campaign_id="even-li"} 200"#))
            #expect(metrics.contains(#"vickrey_line_item_delivered_impressions{campaign_id="even-li"} \#(billed.count)"#))
            let notALineItem = try await client.get("/v1/admin/campaigns/rival/line-item", headers: [.authorization: "Bearer \(admin)"])
            #expect(notALineItem.status == .notFound)
            // The console's campaign page: the status line and the chart against the ideal curve.
            let session = try await ConsoleTests.signIn(client, key: admin)
            let page = try await client.get("/console/campaigns/even-li", headers: [.cookie: session.cookie]).text
            #expect(page.contains(#"id="line-item-status">standard: \#(billed.count) of 200 delivered"#), "\(page)")
            #expect(page.contains(#"id="goal-chart""#))
            // The console's line items: its goal and its delivery against it.
            let items = try await client.get("/console/line-items", headers: [.cookie: session.cookie]).text
            #expect(
                items.contains(
                    #"<tr id="line-item-even-li"><td><a href="/console/campaigns/even-li">even-li</a></td><td>standard</td><td class="num">200</td>"#
                ))
            #expect(
                items.contains(#"\#(billed.count) <span class="share">\#(billed.count * 1_000 / 200 / 10)."#) && !items.contains("rival"))
        }
    }

    /// Items needing attention come first: one behind its curve before an on-track sponsorship.
    @Test func theConsoleListsLineItemsNeedingAttentionFirst() async throws {
        let clock = ManualClock(Self.flightStart.adding(seconds: 60))
        let harness = ServerHarness { $0.clock = clock }
        let admin = try await harness.adminKey()
        _ = try await harness.store().importCampaigns([
            Self.lineItem("z-late", .standard(goal: 1_000, pace: .even), rate: 2_000_000),
            Self.lineItem("a-sponsor", .sponsorship(sharePercent: 30), rate: 1_000_000),
        ])
        try await harness.live { client in
            let session = try await ConsoleTests.signIn(client, key: admin)
            let page = try await client.get("/console/line-items", headers: [.cookie: session.cookie]).text
            let rows = page.matches(of: /<tr id="line-item-([^"]+)">/).map { String($0.output.1) }
            #expect(rows == ["z-late", "a-sponsor"])
            #expect(page.contains(#"<td class="num">0.0%</td><td class="num">0</td><td class="health-at_risk">at risk</td>"#))
            #expect(page.contains(#"<td class="num">30% share</td>"#) && page.contains(#"<td class="health-on_track">on track</td>"#))
        }
    }

    @Test func anAsapItemStopsExactlyAtItsGoal() async throws {
        let clock = ManualClock(Self.flightStart.adding(seconds: 1))
        let harness = ServerHarness { $0.clock = clock }
        _ = try await harness.store().importCampaigns([
            Self.lineItem("asap-li", .standard(goal: 40, pace: .asap), rate: 1_500_000),
            Campaigns.make("rival", advertiser: "open", bid: 6_000_000),
        ])
        try await harness.live { client in
            let won = try await Self.traffic(client, clock: clock, count: 100, stepMilliseconds: 100)
            #expect(won["asap-li"] == 40)
            #expect(won["rival"] == 60)
            let billed = try await client.ledger().filter { $0["campaign_id"] as? String == "asap-li" && $0["billed"] as? Bool == true }
            #expect(billed.count == 40)
        }
    }

    @Test func aHouseAdFillsWhatNothingElseDoesAndIsRecordedAtNoCharge() async throws {
        let harness = ServerHarness()
        var house = Campaigns.make("house-promo", advertiser: "publisher", bid: 1)
        house.lineItem = LineItemTerms(delivery: .house, rate: .zero)
        // The paying campaign wants the US only: elsewhere the house ad fills.
        let paying = Campaigns.make("paying", advertiser: "a", bid: 2_000_000, targeting: Targeting(countries: [CountryCode("US")!]))
        _ = try await harness.store().importCampaigns([house, paying])
        try await harness.live { client in
            let us = try #require(try await client.ad(#"{"request_id":"h-1","geo":{"country":"US"},"placements":[{"id":"feed"}]}"#))
            #expect(us.ad["campaign_id"] as? String == "paying")
            let elsewhere = try #require(try await client.ad(#"{"request_id":"h-2","geo":{"country":"FR"},"placements":[{"id":"feed"}]}"#))
            #expect(elsewhere.ad["campaign_id"] as? String == "house-promo")
            #expect(try await client.get(elsewhere.impression).status == .ok)
            let record = try #require(try await client.ledger().first { $0["campaign_id"] as? String == "house-promo" })
            #expect(record["billed"] as? Bool == true)
            #expect(record["charge_nanos"] as? Int == 0)
        }
    }

    @Test func exclusionLabelsAndRoadblocksHoldAcrossARequestsPlacements() async throws {
        let harness = ServerHarness()
        var auto1 = Campaigns.make("auto-one", advertiser: "carmaker", bid: 5_000_000)
        auto1.lineItem = LineItemTerms(delivery: .pricePriority, rate: .zero, exclusionLabels: ["auto"])
        var auto2 = Campaigns.make("auto-two", advertiser: "rival-carmaker", bid: 4_000_000)
        auto2.lineItem = LineItemTerms(delivery: .pricePriority, rate: .zero, exclusionLabels: ["auto"])
        var block = Campaigns.make("takeover", advertiser: "studio", bid: 3_000_000, sizes: ["728x90", "300x250"])
        block.lineItem = LineItemTerms(delivery: .sponsorship(sharePercent: 100), rate: Micros(3_000_000), roadblock: true)
        block.targeting = Targeting(placements: [PlacementID("top")!, PlacementID("side")!])
        _ = try await harness.store().importCampaigns([auto1, auto2, block])
        let headers = try await harness.debugHeaders()
        try await harness.test { client in
            // Three placements: the takeover fills top and side (its roadblock), the auto ads share the feed's one slot.
            let body = #"""
                {"request_id":"page-1","debug":true,"placements":[{"id":"top","sizes":["728x90"]},{"id":"feed","sizes":["300x250"]},
                 {"id":"side","sizes":["300x250"]},{"id":"footer","sizes":["300x250"]}]}
                """#
            let response = try await client.post("/v1/ads", json: body, headers: headers)
            #expect(response.status == .ok)
            let ads = try #require(response.object["ads"] as? [[String: Any]])
            let byPlacement = Dictionary(
                uniqueKeysWithValues: ads.map { ($0["placement_id"] as? String ?? "", $0["campaign_id"] as? String ?? "") })
            #expect(byPlacement == ["top": "takeover", "side": "takeover", "feed": "auto-one"])
            let debug = try #require(response.object["debug"] as? [String: Any])
            let placements = try #require(debug["placements"] as? [[String: Any]])
            #expect(placements.first?["tier"] as? String == "sponsorship")
            #expect((placements.first?["tier_rule"] as? String)?.contains("roadblock: also fills side") == true)
            let footer = try #require(placements.first { $0["placement_id"] as? String == "footer" })
            let excluded = (footer["candidates"] as? [[String: Any]])?.first { $0["campaign_id"] as? String == "auto-two" }
            #expect((excluded?["reason"] as? String)?.contains("competitive exclusion") == true)
        }
    }
}
