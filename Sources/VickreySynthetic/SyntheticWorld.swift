import VickreyCore

/// A reproducible synthetic advertising world: campaigns with realistic targeting
/// distributions and a matching stream of requests, both from one seed.
///
/// Shape (chosen to resemble a consumer app's inventory): 24 placements and 2,000
/// keywords with Zipf popularity, 60 countries led by a few large markets, one
/// advertiser per ten campaigns. A quarter of campaigns run on any placement, a third
/// in any country, 40% on any keyword; 10–15% carry exclusions and 15% day-parting.
/// Four in five bid CPM around $0.50–$20, one in five bid CPC with a CTR prior of
/// 0.1%–3%.
public struct SyntheticWorld: Sendable {
    public static let placements: [(id: String, sizes: [String])] =
        [
            ("home_feed", ["300x250", "1200x628"]), ("search_results", ["300x250", "320x50"]),
            ("pin_closeup", ["600x600", "1200x628"]), ("related_pins", ["300x250", "600x600"]),
            ("profile_sidebar", ["160x600", "300x600"]), ("board_header", ["728x90"]),
            ("story_interstitial", ["1080x1920"]), ("video_preroll", ["1080x1920", "1200x628"]),
            ("notifications", ["320x50"]), ("explore_grid", ["600x600", "300x250"]),
            ("shopping_tab", ["300x250", "1200x628"]), ("checkout_banner", ["728x90", "320x50"]),
        ] + (0..<12).map { ("section_\($0)", ["300x250"]) }

    public static let sizes = ["300x250", "320x50", "728x90", "300x600", "160x600", "1080x1920", "1200x628", "600x600"]
    public static let countries = [
        "US", "GB", "CA", "DE", "FR", "BR", "IN", "JP", "AU", "MX", "ES", "IT", "NL", "SE", "PL", "KR", "AR", "CO", "CL",
        "ZA", "NG", "EG", "TR", "ID", "PH", "VN", "TH", "MY", "SG", "NZ", "IE", "BE", "CH", "AT", "DK", "NO", "FI", "PT",
        "GR", "CZ", "HU", "RO", "UA", "IL", "AE", "SA", "PK", "BD", "KE", "MA", "PE", "VE", "EC", "UY", "CR", "PA", "DO",
        "GT", "HN", "BO",
    ]
    public static let keywordCount = 2_000

    public let campaigns: [Campaign]
    /// The frequency caps' window unless one is asked for: a day.
    public static let defaultCapWindowSeconds: Int64 = 86_400
    private let seed: UInt64

    private static let placementPopularity = ZipfDistribution(count: placements.count, exponentTenths: 9)
    private static let countryPopularity = ZipfDistribution(count: countries.count, exponentTenths: 11)
    private static let keywordPopularity = ZipfDistribution(count: keywordCount, exponentTenths: 10)

    /// A world of `campaignCount` campaigns, all active and in flight at `now`; the two in
    /// five with a frequency cap count it over `capWindowSeconds` (a day unless a soak asks
    /// for windows it can outlast).
    public init(
        campaignCount: Int, seed: UInt64 = 42, now: Instant = Instant(secondsSinceEpoch: 1_795_000_000),
        capWindowSeconds: Int64 = defaultCapWindowSeconds
    ) {
        self.seed = seed
        var random = SeededRandom(seed: seed)
        let advertiserCount = max(1, campaignCount / 10)
        campaigns = (0..<campaignCount).map { number in
            Self.makeCampaign(number: number, advertisers: advertiserCount, now: now, capWindowSeconds: capWindowSeconds, random: &random)
        }
    }

    /// The `number`th request of this world's stream at `time` (one placement).
    public func request(_ number: Int, time: Instant) -> AuctionRequest {
        var random = SeededRandom(seed: seed &* 31 &+ UInt64(number) &* 0x9e37_79b9)
        let placement = Self.placements[Self.placementPopularity.sample(using: &random)]
        let sizes = placement.sizes.compactMap(AdSize.init)
        return AuctionRequest(
            requestID: "req-\(seed)-\(number)",
            userID: "user-\(random.int(in: 0...99_999))",
            device: random.chance(95) ? DeviceType.allCases[random.int(in: 0...3)] : nil,
            operatingSystem: random.chance(95) ? OperatingSystem.allCases[random.int(in: 0...5)] : nil,
            country: random.chance(95) ? CountryCode(Self.countries[Self.countryPopularity.sample(using: &random)]) : nil,
            keywords: Self.keywordPopularity.distinct(random.int(in: 0...5), using: &random).compactMap { Keyword("kw\($0)") },
            placements: [
                PlacementRequest(
                    id: PlacementID(unchecked: placement.id), sizes: random.chance(80) ? sizes : [],
                    floor: random.chance(30) ? Micros(Int64(random.int(in: 1...40)) * 50_000) : nil
                )
            ],
            time: time
        )
    }

    private static func makeCampaign(
        number: Int, advertisers: Int, now: Instant, capWindowSeconds: Int64, random: inout SeededRandom
    ) -> Campaign {
        let isCPC = random.chance(20)
        let bid = isCPC ? Micros(Int64(random.int(in: 200_000...3_000_000))) : Micros(Int64(random.int(in: 500_000...20_000_000)))
        let daily = Int64(random.int(in: 50...5_000)) * 1_000_000
        var targeting = Targeting()
        if random.chance(75) {
            targeting.placements = Set(
                placementPopularity.distinct(random.int(in: 1...3), using: &random).map { PlacementID(unchecked: placements[$0].id) })
        }
        if random.chance(65) {
            targeting.countries = Set(
                countryPopularity.distinct(random.int(in: 1...4), using: &random).compactMap { CountryCode(countries[$0]) })
        }
        if random.chance(50) {
            targeting.devices = Set((0..<random.int(in: 1...2)).map { _ in DeviceType.allCases[random.int(in: 0...3)] })
        }
        if random.chance(40) {
            targeting.operatingSystems = Set((0..<random.int(in: 1...2)).map { _ in OperatingSystem.allCases[random.int(in: 0...5)] })
        }
        if random.chance(60) {
            targeting.keywords = KeywordSet(
                keywordPopularity.distinct(random.int(in: 3...12), using: &random).compactMap { Keyword("kw\($0)") })
        }
        if random.chance(10) {
            targeting.exclude.countries = Set(
                countryPopularity.distinct(random.int(in: 1...3), using: &random).compactMap { CountryCode(countries[$0]) })
        }
        if random.chance(15) {
            targeting.exclude.keywords = KeywordSet(
                keywordPopularity.distinct(random.int(in: 1...5), using: &random).compactMap { Keyword("kw\($0)") })
        }
        if random.chance(15) {
            let first = random.int(in: 5...10)
            let last = random.int(in: 18...23)
            targeting.hoursOfWeek = HoursOfWeek((0..<7).flatMap { day in (first...last).map { day * 24 + $0 } })!
        }
        let creativeSizes = Array(Set((0..<random.int(in: 1...3)).map { _ in sizes[random.int(in: 0...sizes.count - 1)] })).sorted()
        let creatives = creativeSizes.enumerated().map { index, size in
            Creative(
                id: CreativeID(unchecked: "cr-\(number)-\(index)"), size: AdSize(size)!,
                imageURL: "https://cdn.example/c\(number)/\(index).png", clickURL: "https://adv.example/landing/\(number)",
                advertiserDomains: ["adv\(number % advertisers).example"]
            )
        }
        return Campaign(
            id: CampaignID(unchecked: "cmp-\(number)"), advertiserID: AdvertiserID(unchecked: "adv-\(random.int(in: 0...advertisers - 1))"),
            name: "Synthetic campaign \(number)", pricing: isCPC ? .cpc : .cpm, bid: bid,
            predictedCTR: isCPC ? ClickThroughRate(partsPerMillion: Int64(random.int(in: 1_000...30_000))) : nil,
            dailyBudget: Micros(daily), totalBudget: Micros(daily * Int64(random.int(in: 10...100))),
            start: now.adding(seconds: -86_400 * Int64(random.int(in: 1...30))),
            end: random.chance(70) ? nil : now.adding(seconds: 86_400 * Int64(random.int(in: 1...60))),
            pacing: random.chance(30) ? .even : .asap,
            frequencyCap: random.chance(40) ? FrequencyCap(impressions: random.int(in: 1...10), windowSeconds: capWindowSeconds) : nil,
            targeting: targeting, creatives: creatives
        )
    }
}
