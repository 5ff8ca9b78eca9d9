import VickreyBudget
import VickreyCore

/// Small builders shared by the budget tests.
enum Fixture {
    /// 2026-11-27T00:00:00Z.
    static let midnight = Instant(secondsSinceEpoch: 1_795_737_600)

    static func campaign(
        _ id: String, advertiser: String? = nil, pricing: Pricing = .cpm, bid: Int64 = 1_000_000, ctr: Int64? = nil,
        daily: Int64? = nil, total: Int64 = 1_000_000_000, pacing: PacingMode = .asap, cap: FrequencyCap? = nil,
        timeZone: CampaignTimeZone = .utc, start: Instant? = nil, end: Instant? = nil
    ) -> Campaign {
        Campaign(
            id: CampaignID(unchecked: id), advertiserID: AdvertiserID(unchecked: advertiser ?? "adv-\(id)"), pricing: pricing,
            bid: Micros(bid), predictedCTR: ctr.map { ClickThroughRate(partsPerMillion: $0) }, dailyBudget: daily.map(Micros.init),
            totalBudget: Micros(total), start: start, end: end, timeZone: timeZone, pacing: pacing, frequencyCap: cap,
            creatives: [
                Creative(
                    id: CreativeID(unchecked: "cr-\(id)"), size: AdSize(width: 300, height: 250)!, imageURL: "https://img",
                    clickURL: "https://click")
            ]
        )
    }

    static func request(_ id: String, user: String? = nil, at time: Instant, floor: Int64? = nil) -> AuctionRequest {
        AuctionRequest(
            requestID: id, userID: user, placements: [PlacementRequest(id: PlacementID(unchecked: "feed"), floor: floor.map(Micros.init))],
            time: time
        )
    }

    static func policy(timeouts: ReservationTimeouts = ReservationTimeouts(), maximumUsers: Int = 10_000) -> ServingPolicy {
        ServingPolicy(budgets: BudgetBook(timeouts: timeouts), caps: FrequencyCapper(maximumUsers: maximumUsers))
    }

    /// Runs one single-placement auction and returns the win, if any.
    static func win(_ campaigns: [Campaign], _ request: AuctionRequest, policy: ServingPolicy) -> Win? {
        Auctioneer().run(request, on: CampaignIndex(campaigns: campaigns).snapshot, policy: policy).wins.first
    }

    static func outcome(_ campaigns: [Campaign], _ request: AuctionRequest, policy: ServingPolicy) -> AuctionOutcome {
        Auctioneer().run(request, on: CampaignIndex(campaigns: campaigns).snapshot, policy: policy)
    }
}
