import Testing
import VickreySynthetic

@testable import VickreyCore

/// Random worlds over small domains (so values collide, ties happen and every
/// include/exclude combination shows up), checked against `ReferenceAuction`.
@Suite("Property: index and auction equal the brute-force reference")
struct IndexAndAuctionPropertyTests {
    static let placements = ["p0", "p1", "p2", "p3"]
    static let countries = ["US", "CA", "FR", "DE"]
    static let keywords = ["k0", "k1", "k2", "k3", "k4", "k5"]
    static let sizes = ["300x250", "320x50", "728x90"]
    static let zones = ["UTC", "Asia/Tokyo", "Asia/Kolkata"]
    static let offsets = ["UTC": 0, "Asia/Tokyo": 9 * 3600, "Asia/Kolkata": 5 * 3600 + 1800]
    static let now = Instant(secondsSinceEpoch: 1_794_823_200)

    /// Refuses and fails claims by campaign number, deterministically.
    struct ModuloPolicy: EligibilityPolicy {
        func number(_ c: Campaign) -> Int { Int(c.id.rawValue.dropFirst())! }
        func screen(_ candidate: IndexedCampaign, request: AuctionRequest) -> Screening {
            let c = candidate.campaign
            return number(c) % 7 == 3 ? .refused(.budget, reason: "modulo") : .eligible
        }
        func claim(_ candidate: IndexedCampaign, request: AuctionRequest) -> UInt64? { number(candidate.campaign) % 11 != 5 ? 1 : nil }
    }

    static func subset<T>(_ values: [T], _ random: inout SeededRandom, max: Int) -> [T] {
        (0..<random.int(in: 0...max)).map { _ in values[random.int(in: 0...values.count - 1)] }
    }

    static func campaign(_ number: Int, _ random: inout SeededRandom) -> Campaign {
        var t = Targeting()
        if random.chance(50) { t.placements = Set(subset(placements, &random, max: 2).compactMap(PlacementID.init)) }
        if random.chance(50) { t.countries = Set(subset(countries, &random, max: 2).compactMap(CountryCode.init)) }
        if random.chance(40) { t.devices = Set(subset(DeviceType.allCases, &random, max: 2)) }
        if random.chance(40) { t.operatingSystems = Set(subset(OperatingSystem.allCases, &random, max: 2)) }
        if random.chance(50) { t.keywords = KeywordSet(subset(keywords, &random, max: 3).compactMap(Keyword.init)) }
        if random.chance(20) { t.exclude.placements = Set(subset(placements, &random, max: 1).compactMap(PlacementID.init)) }
        if random.chance(25) { t.exclude.countries = Set(subset(countries, &random, max: 2).compactMap(CountryCode.init)) }
        if random.chance(15) { t.exclude.devices = Set(subset(DeviceType.allCases, &random, max: 1)) }
        if random.chance(15) { t.exclude.operatingSystems = Set(subset(OperatingSystem.allCases, &random, max: 1)) }
        if random.chance(25) { t.exclude.keywords = KeywordSet(subset(keywords, &random, max: 2).compactMap(Keyword.init)) }
        if random.chance(20) { t.hoursOfWeek = HoursOfWeek((0..<random.int(in: 1...80)).map { _ in random.int(in: 0...167) })! }
        if random.chance(10) { t.exclude.hoursOfWeek = HoursOfWeek((0..<random.int(in: 1...40)).map { _ in random.int(in: 0...167) })! }
        let isCPC = random.chance(25)
        var campaign = Fixture.campaign(
            "c\(number)", advertiser: "a\(random.int(in: 0...4))",
            bid: [100_000, 500_000, 1_000_000, 1_500_000, 2_000_000][random.int(in: 0...4)],
            pricing: isCPC ? .cpc : .cpm, ctrPPM: isCPC ? [1_000, 5_000, 20_000][random.int(in: 0...2)] : nil,
            targeting: t, sizes: subset(sizes, &random, max: 2),
            start: random.chance(15) ? now.adding(seconds: Int64(random.int(in: -86_400...86_400))) : nil,
            end: random.chance(15) ? now.adding(seconds: Int64(random.int(in: 86_401...700_000))) : nil,
            timeZone: CampaignTimeZone(identifier: zones[random.int(in: 0...2)])!,
            status: random.chance(10) ? .paused : .active
        )
        // A fifth of the campaigns add a video or a native creative (or, as CPCV, sell video only).
        if random.chance(20) {
            let video = Creative.video(
                id: CreativeID("c\(number)-video")!,
                VideoCreative(
                    durationSeconds: [6, 15, 30][random.int(in: 0...2)],
                    mediaFiles: [
                        MediaFile(
                            url: "https://cdn.example/v.mp4", mime: mimes[random.int(in: 0...1)], width: 640, height: 360, bitrateKbps: 800)
                    ],
                    skipAfterSeconds: random.chance(30) ? 5 : nil),
                clickURL: "https://example.com/v")
            if !isCPC, random.chance(30) {
                campaign.pricing = .cpcv
                campaign.predictedCompletionRate = ClickThroughRate(partsPerMillion: [200_000, 600_000][random.int(in: 0...1)])
                campaign.creatives = [video]
            } else {
                campaign.creatives.insert(video, at: random.int(in: 0...campaign.creatives.count))
            }
        }
        if random.chance(20) {
            let native = NativeCreative(
                title: "Title \(number)", description: random.chance(50) ? "About it" : nil, imageURL: "https://cdn.example/n.png",
                imageWidth: [300, 1200][random.int(in: 0...1)], imageHeight: [250, 627][random.int(in: 0...1)],
                iconURL: random.chance(50) ? "https://cdn.example/i.png" : nil, sponsoredBy: random.chance(70) ? "Brand" : nil)
            campaign.creatives.append(.native(id: CreativeID("c\(number)-native")!, native, clickURL: "https://example.com/n"))
        }
        return campaign
    }

    static let mimes = ["video/mp4", "video/webm"]

    /// What a placement accepts: mostly banners, sometimes a video or native slot beside or instead of them.
    static func shape(_ random: inout SeededRandom) -> AdShape {
        let bannerSizes = subset(Self.sizes, &random, max: 2).compactMap(AdSize.init)
        var shape = AdShape(banner: random.chance(75) ? bannerSizes : nil)
        if shape.banner == nil || random.chance(20) {
            shape.video = VideoSlot(
                mimes: random.chance(70) ? [mimes[random.int(in: 0...1)]] : [], minimumDuration: random.chance(40) ? 10 : nil,
                maximumDuration: random.chance(40) ? 20 : nil, protocols: random.chance(20) ? [1, 4] : random.chance(50) ? [2, 7] : nil,
                skip: random.chance(30) ? random.chance(50) : nil)
        }
        if shape.banner == nil && shape.video != nil && random.chance(50) || random.chance(15) {
            shape.native = NativeSlot(assets: [
                NativeAssetRequest(id: 1, isRequired: true, kind: .title(maximumLength: random.chance(30) ? 5 : 90)),
                NativeAssetRequest(id: 2, isRequired: random.chance(50), kind: .image(type: 3, minimumWidth: 600, minimumHeight: 300)),
                NativeAssetRequest(id: 3, isRequired: random.chance(40), kind: .data(type: 1, maximumLength: 25)),
                NativeAssetRequest(id: 4, isRequired: random.chance(20), kind: .image(type: 1, minimumWidth: nil, minimumHeight: nil)),
            ])
        }
        return shape
    }

    static func request(_ number: Int, _ random: inout SeededRandom) -> AuctionRequest {
        AuctionRequest(
            requestID: "prop-\(number)", userID: nil,
            device: random.chance(80) ? DeviceType.allCases[random.int(in: 0...3)] : nil,
            operatingSystem: random.chance(80) ? OperatingSystem.allCases[random.int(in: 0...5)] : nil,
            country: random.chance(80) ? CountryCode(countries[random.int(in: 0...3)]) : nil,
            keywords: Array(Set(subset(keywords, &random, max: 3))).compactMap(Keyword.init),
            placements: (0..<random.int(in: 1...3)).map { _ in
                PlacementRequest(
                    id: PlacementID(placements[random.int(in: 0...3)])!, shape: shape(&random),
                    floor: random.chance(40)
                        ? Micros([50_000, 500_000, 510_001, 1_000_000, 1_010_000, 1_500_000][random.int(in: 0...5)]) : nil
                )
            },
            time: now.adding(seconds: Int64(random.int(in: 0...(7 * 86_400)))),
            debug: random.chance(20)
        )
    }

    static func check(_ world: [CampaignID: Campaign], _ snapshot: IndexSnapshot, _ request: AuctionRequest, rules: AuctionRules) {
        let campaigns = Array(world.values)
        for placement in request.placements {
            let query = request.query(for: placement)
            let indexed = Set(snapshot.matchingCampaigns(query).map(\.id))
            let bruteForce = Set(campaigns.filter { $0.status == .active && ReferenceAuction.matches($0, request, placement) }.map(\.id))
            #expect(indexed == bruteForce, "index and brute force differ for \(request.requestID) \(placement.id)")
        }
        let policy = ModuloPolicy()
        let expected = ReferenceAuction.run(campaigns, request, rules: rules, policy: policy, offsets: offsets)
        for source in [Auctioneer.CandidateSource.index, .linearScan] {
            let outcome = Auctioneer(rules: rules).run(request, on: snapshot, policy: policy, candidates: source)
            let actual = outcome.placements.map {
                $0.result.win.map {
                    ReferenceAuction.Result(campaign: $0.campaignID.rawValue, clearing: $0.clearingECPM.value, price: $0.price.value)
                }
            }
            #expect(actual == expected, "auction differs from the reference for \(request.requestID) via \(source)")
        }
    }

    /// Campaign `number` removed (when `removing` and it is in `world`) or a new random
    /// version of it; `world` follows the change.
    static func change(
        _ number: Int, removing: Bool, _ world: inout [CampaignID: Campaign], _ random: inout SeededRandom
    ) -> CampaignChange {
        if removing, let existing = world.removeValue(forKey: CampaignID("c\(number)")!) { return .remove(existing.id) }
        let c = campaign(number, &random)
        world[c.id] = c
        return .upsert(c)
    }

    /// Past `IndexSnapshot.parallelSlots` a rebuild posts keywords and the other
    /// dimensions on two cores, and a first load in id order skips the search for repeats:
    /// the index still matches the brute force, and equals one built from the same
    /// campaigns in another order slot for slot.
    @Test func aLargeIndexPostedOnEveryCoreMatchesReference() {
        var random = SeededRandom(seed: 77)
        let rules = AuctionRules()
        let campaigns = (0..<IndexSnapshot.parallelSlots * 3 / 2).map { Self.campaign($0, &random) }
        var world: [CampaignID: Campaign] = Dictionary(uniqueKeysWithValues: campaigns.map { ($0.id, $0) })
        let inIDOrder = CampaignIndex(campaigns: campaigns.sorted { $0.id < $1.id })
        let shuffled = CampaignIndex(campaigns: world.values)
        #expect(inIDOrder.snapshot.count > IndexSnapshot.parallelSlots)
        #expect(inIDOrder.snapshot.campaigns == shuffled.snapshot.campaigns)
        for number in 0..<10 {
            let request = Self.request(number, &random)
            Self.check(world, inIDOrder.snapshot, request, rules: rules)
            for placement in request.placements {
                let query = request.query(for: placement)
                #expect(inIDOrder.snapshot.matchingCampaigns(query) == shuffled.snapshot.matchingCampaigns(query))
            }
        }
        // A batch large enough to rebuild again, with removals and re-targeted campaigns.
        var changes: [CampaignChange] = []
        for number in stride(from: 0, to: campaigns.count, by: 7) {
            changes.append(Self.change(number, removing: number % 2 == 0, &world, &random))
        }
        inIDOrder.apply(changes)
        #expect(inIDOrder.snapshot.rebuilds == 2)
        for number in 0..<10 { Self.check(world, inIDOrder.snapshot, Self.request(500 + number, &random), rules: rules) }
    }

    @Test(arguments: 0..<20)
    func indexAndAuctionMatchReference(seed: Int) {
        var random = SeededRandom(seed: UInt64(seed) &+ 1_000)
        let rules = AuctionRules(placementFloors: random.chance(50) ? [PlacementID("p1")!: Micros(700_000)] : [:])
        var world: [CampaignID: Campaign] = [:]
        for number in 0..<random.int(in: 0...120) {
            let c = Self.campaign(number, &random)
            world[c.id] = c
        }
        let index = CampaignIndex(campaigns: world.values)
        for number in 0..<100 { Self.check(world, index.snapshot, Self.request(number, &random), rules: rules) }

        // Random adds, updates and removals, applied one batch at a time.
        for round in 0..<15 {
            var changes: [CampaignChange] = []
            for _ in 0..<random.int(in: 1...12) {
                let number = random.int(in: 0...160)
                changes.append(Self.change(number, removing: random.chance(30), &world, &random))
            }
            index.apply(changes)
            #expect(index.snapshot.count == world.values.filter { $0.status == .active && !$0.creatives.isEmpty }.count)
            for number in 0..<40 { Self.check(world, index.snapshot, Self.request(1_000 * (round + 1) + number, &random), rules: rules) }
        }
    }
}
