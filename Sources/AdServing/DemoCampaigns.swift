import VickreyCore
import VickreyStore

/// A handful of campaigns so a fresh server answers the README's first request with an ad.
enum DemoCampaigns {
    static func seedIfEmpty(_ store: any CampaignStore) async throws -> Int {
        guard try await store.campaigns().isEmpty else { return 0 }
        func creative(_ id: String, _ size: String, _ domain: String) -> Creative {
            Creative(
                id: CreativeID(id)!, size: AdSize(size)!, imageURL: "https://cdn.example/demo/\(id).png",
                clickURL: "https://\(domain)/landing?c=\(id)", advertiserDomains: [domain]
            )
        }
        func campaign(
            _ id: String, _ advertiser: String, bid: Int64, pricing: Pricing = .cpm, ctr: Int64? = nil, targeting: Targeting = .any,
            creatives: [Creative]
        ) -> Campaign {
            Campaign(
                id: CampaignID(id)!, advertiserID: AdvertiserID(advertiser)!, name: "Demo \(id)", pricing: pricing, bid: Micros(bid),
                predictedCTR: ctr.map { ClickThroughRate(partsPerMillion: $0) }, dailyBudget: Micros(50_000_000),
                totalBudget: Micros(500_000_000), targeting: targeting, creatives: creatives
            )
        }
        let demo = [
            campaign(
                "acme-summer-sale", "acme", bid: 2_500_000, targeting: Targeting(keywords: [Keyword("recipes")!, Keyword("baking")!]),
                creatives: [creative("acme-mrec", "300x250", "acme.example"), creative("acme-banner", "320x50", "acme.example")]),
            campaign("acme-brand", "acme", bid: 1_200_000, creatives: [creative("acme-brand-mrec", "300x250", "acme.example")]),
            campaign(
                "globex-mobile", "globex", bid: 1_800_000, targeting: Targeting(devices: [.mobile, .tablet]),
                creatives: [creative("globex-mrec", "300x250", "globex.example"), creative("globex-leader", "728x90", "globex.example")]),
            campaign(
                "initech-clicks", "initech", bid: 150_000, pricing: .cpc, ctr: 12_000,
                creatives: [
                    creative("initech-mrec", "300x250", "initech.example"), creative("initech-banner", "320x50", "initech.example"),
                ]),
            campaign(
                "umbrella-us", "umbrella", bid: 3_000_000,
                targeting: Targeting(countries: [CountryCode("US")!, CountryCode("CA")!], exclude: .init(keywords: [Keyword("alcohol")!])),
                creatives: [
                    creative("umbrella-leader", "728x90", "umbrella.example"), creative("umbrella-mrec", "300x250", "umbrella.example"),
                ]),
        ]
        return try await store.importCampaigns(demo).created
    }
}
