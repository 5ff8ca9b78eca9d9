import VickreyCore

/// Builders that keep test tables short.
enum Fixture {
    static let now = Instant(secondsSinceEpoch: 1_795_000_000)  // 2026-11-18T…Z

    static func campaign(
        _ id: String, advertiser: String? = nil, bid: Int64, pricing: Pricing = .cpm, ctrPPM: Int64? = nil, viewabilityPPM: Int64? = nil,
        targeting: Targeting = .any, sizes: [String] = ["300x250"], start: Instant? = nil, end: Instant? = nil,
        timeZone: CampaignTimeZone = .utc, status: CampaignStatus = .active
    ) -> Campaign {
        Campaign(
            id: CampaignID(id)!, advertiserID: AdvertiserID(advertiser ?? "adv-\(id)")!, name: id, status: status,
            pricing: pricing, bid: Micros(bid), predictedCTR: ctrPPM.map { ClickThroughRate(partsPerMillion: $0) },
            predictedViewability: viewabilityPPM.map { ClickThroughRate(partsPerMillion: $0) },
            totalBudget: Micros(1_000_000_000), start: start, end: end, timeZone: timeZone, targeting: targeting,
            creatives: sizes.enumerated().map { index, size in
                Creative(
                    id: CreativeID("\(id)-cr\(index)")!, size: AdSize(size)!, imageURL: "https://cdn.example/\(id).png",
                    clickURL: "https://example.com/\(id)")
            }
        )
    }

    static func request(
        _ id: String = "req-1", placements: [String] = ["home_feed"], floor: Int64? = nil, sizes: [String] = [],
        country: String? = nil, device: DeviceType? = nil, os: OperatingSystem? = nil, keywords: [String] = [],
        time: Instant = now, debug: Bool = false
    ) -> AuctionRequest {
        AuctionRequest(
            requestID: id, userID: "u-1", device: device, operatingSystem: os, country: country.flatMap(CountryCode.init),
            keywords: keywords.compactMap(Keyword.init),
            placements: placements.map {
                PlacementRequest(id: PlacementID($0)!, sizes: sizes.compactMap(AdSize.init), floor: floor.map(Micros.init))
            },
            time: time, debug: debug
        )
    }

    static func auction(
        _ campaigns: [Campaign], _ request: AuctionRequest, rules: AuctionRules = AuctionRules(),
        policy: some EligibilityPolicy = AlwaysEligible()
    ) -> AuctionOutcome {
        Auctioneer(rules: rules).run(request, on: CampaignIndex(campaigns: campaigns).snapshot, policy: policy)
    }
}

extension PlacementResult {
    var win: Win? { if case .filled(let win) = self { win } else { nil } }
    var noFill: NoFillReason? { if case .unfilled(let reason) = self { reason } else { nil } }
}
