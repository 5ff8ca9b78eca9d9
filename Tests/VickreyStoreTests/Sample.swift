import Foundation
import VickreyCore

/// Campaigns the store tests save and read back.
enum Sample {
    static func campaign(_ id: String, advertiser: String = "acme", bid: Int64 = 1_000_000, status: CampaignStatus = .active) -> Campaign {
        Campaign(
            id: CampaignID(id)!, advertiserID: AdvertiserID(advertiser)!, name: "Campaign \(id)", status: status, bid: Micros(bid),
            dailyBudget: Micros(50_000_000), totalBudget: Micros(500_000_000), start: Instant(canonicalRFC3339: "2026-11-01T00:00:00Z"),
            timeZone: CampaignTimeZone(identifier: "Europe/Paris")!, pacing: .even,
            frequencyCap: FrequencyCap(impressions: 3, windowSeconds: 86_400, refuseAnonymous: true),
            targeting: Targeting(
                placements: [PlacementID("home_feed")!], countries: [CountryCode("US")!, CountryCode("CA")!], devices: [.mobile],
                operatingSystems: [.ios, .android], keywords: [Keyword("baking")!], hoursOfWeek: HoursOfWeek([0, 1, 2, 50])!,
                exclude: Targeting.Exclusions(
                    countries: [CountryCode("FR")!], keywords: [Keyword("alcohol")!], hoursOfWeek: HoursOfWeek([3])!)
            ),
            creatives: [
                Creative(
                    id: CreativeID("\(id)-a")!, size: AdSize("300x250")!, imageURL: "https://cdn.example/\(id).png",
                    clickURL: "https://acme.example/\(id)", advertiserDomains: ["acme.example"]),
                Creative(
                    id: CreativeID("\(id)-b")!, size: AdSize("320x50")!, imageURL: "https://cdn.example/\(id)-b.png",
                    clickURL: "https://acme.example/\(id)?b=1,2"),
            ]
        )
    }
}
