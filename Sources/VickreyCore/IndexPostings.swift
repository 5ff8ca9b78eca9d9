/// Every posting of the index and the counts the auction reads beside them.
///
/// What a campaign in a slot adds is written once (`update(_:slot:posting:slotCount:groups:)`:
/// posting and unposting are the same walk). The keywords and the rest are apart
/// (`Groups`), so a rebuild posts them on two cores without either touching what the other
/// reads (many campaigns share one set of placements or countries: two cores counting
/// references to it would contend for it).
struct IndexPostings: Sendable {
    /// Parts of the postings that are filled independently.
    struct Groups: OptionSet, Sendable {
        let rawValue: Int
        /// The keyword postings.
        static let keywords = Groups(rawValue: 1)
        /// Everything else: placements, countries, devices, systems, sizes, formats, tiers
        /// and the counts.
        static let others = Groups(rawValue: 2)
        static let all: Groups = [.keywords, .others]
    }

    /// The dimensions indexed by text keys, by `IndexedDimension.rawValue`.
    private(set) var dimensions = Array(repeating: DimensionPostings<String>(), count: IndexedDimension.allCases.count)
    /// Banner sizes: a campaign is posted under each size it has a banner creative in.
    private(set) var sizes = DimensionPostings<AdSize>()
    /// Creative formats: a campaign is posted under each format it has a creative in.
    private(set) var formats = DimensionPostings<CreativeFormat>()
    /// Campaigns without a banner creative: while there are none, a placement taking a
    /// banner of any size needs no format clause (every campaign has one).
    private(set) var campaignsWithoutBanner = 0
    /// Delivery tiers: a campaign is posted under its line item's tier.
    private(set) var tiers = DimensionPostings<DeliveryTier>()
    /// Campaigns per tier (indexed by `DeliveryTier.rawValue`): an empty tier is never
    /// searched, and while there are no sponsorships or house ads the auction needs no
    /// tier clause.
    private(set) var tierCounts = [Int](repeating: 0, count: DeliveryTier.allCases.count)
    /// Campaigns with exclusion labels or a roadblock: while there are none, the auction
    /// skips both checks.
    private(set) var campaignsWithRequestRules = 0

    /// Posts (or, with `posting` false, unposts) the campaign in `slot` under every value it
    /// targets, each banner size and format of its creatives, and its tier (of `groups`
    /// only); `slotCount` is the index's number of slots. Nothing is copied out of the
    /// campaign but the set being read (a rebuild posts a million campaigns).
    mutating func update(_ campaign: Campaign, slot: Int, posting: Bool, slotCount: Int, groups: Groups = .all) {
        func update(_ dimension: IndexedDimension, _ included: some Collection<String>, _ excluded: some Collection<String>) {
            dimensions[dimension.rawValue].update(slot: slot, include: included, exclude: excluded, posting: posting, slotCount: slotCount)
        }
        if groups.contains(.keywords) {
            update(.keyword, campaign.targeting.keywords.lazy.map(\.rawValue), campaign.targeting.exclude.keywords.lazy.map(\.rawValue))
        }
        guard groups.contains(.others) else { return }
        update(.placement, campaign.targeting.placements.lazy.map(\.rawValue), campaign.targeting.exclude.placements.lazy.map(\.rawValue))
        update(.country, campaign.targeting.countries.lazy.map(\.rawValue), campaign.targeting.exclude.countries.lazy.map(\.rawValue))
        update(.device, campaign.targeting.devices.lazy.map(\.rawValue), campaign.targeting.exclude.devices.lazy.map(\.rawValue))
        update(
            .os, campaign.targeting.operatingSystems.lazy.map(\.rawValue), campaign.targeting.exclude.operatingSystems.lazy.map(\.rawValue))
        // Each banner size and each format once, the first creative that has it standing for
        // it. Fields are read by position: a creative is never copied out of the list.
        let creatives = campaign.creatives
        var hasBanner = false
        for position in creatives.indices {
            let format = creatives[position].format
            var earlier = 0
            while earlier < position, creatives[earlier].format != format { earlier += 1 }
            if earlier == position { formats.update(slot: slot, key: format, posting: posting, slotCount: slotCount) }
            guard format == .banner else { continue }
            hasBanner = true
            let size = creatives[position].size
            earlier = 0
            while earlier < position, creatives[earlier].format != .banner || creatives[earlier].size != size { earlier += 1 }
            if earlier == position { sizes.update(slot: slot, key: size, posting: posting, slotCount: slotCount) }
        }
        let tier = campaign.lineItem.delivery.tier
        tiers.update(slot: slot, key: tier, posting: posting, slotCount: slotCount)
        let change = posting ? 1 : -1
        if !hasBanner { campaignsWithoutBanner += change }
        tierCounts[tier.rawValue] += change
        if campaign.lineItem.roadblock || !campaign.lineItem.exclusionLabels.isEmpty { campaignsWithRequestRules += change }
    }

    /// These postings with the `groups` part taken from `other`.
    mutating func take(_ groups: Groups, from other: IndexPostings) {
        for dimension in IndexedDimension.allCases where groups.contains(dimension == .keyword ? .keywords : .others) {
            dimensions[dimension.rawValue] = other.dimensions[dimension.rawValue]
        }
        guard groups.contains(.others) else { return }
        sizes = other.sizes
        formats = other.formats
        campaignsWithoutBanner = other.campaignsWithoutBanner
        tiers = other.tiers
        tierCounts = other.tierCounts
        campaignsWithRequestRules = other.campaignsWithRequestRules
    }
}

/// The postings of one dimension.
struct DimensionPostings<Key: Hashable & Sendable>: Sendable {
    /// Campaigns with no include list on this dimension.
    private(set) var open = SlotPosting()
    private(set) var include: [Key: SlotPosting] = [:]
    private(set) var exclude: [Key: SlotPosting] = [:]

    /// Posts (or unposts) `slot` under its keys, or as open when it includes none.
    mutating func update(
        slot: Int, include includeKeys: some Collection<Key>, exclude excludeKeys: some Collection<Key>, posting: Bool, slotCount: Int
    ) {
        if includeKeys.isEmpty {
            if posting { open.insert(slot, slotCount: slotCount) } else { open.remove(slot) }
        }
        for key in includeKeys { Self.update(slot, key, in: &include, posting: posting, slotCount: slotCount) }
        for key in excludeKeys { Self.update(slot, key, in: &exclude, posting: posting, slotCount: slotCount) }
    }

    /// Posts (or unposts) `slot` under one included key (a dimension never open, such as sizes).
    mutating func update(slot: Int, key: Key, posting: Bool, slotCount: Int) {
        Self.update(slot, key, in: &include, posting: posting, slotCount: slotCount)
    }

    private static func update(_ slot: Int, _ key: Key, in map: inout [Key: SlotPosting], posting: Bool, slotCount: Int) {
        if posting {
            map[key, default: SlotPosting()].insert(slot, slotCount: slotCount)
        } else {
            map[key]?.remove(slot)
            if map[key]?.isEmpty == true { map[key] = nil }
        }
    }
}

/// The dimensions indexed by text keys (creative sizes, formats and tiers have their own
/// postings).
enum IndexedDimension: Int, CaseIterable {
    case placement, country, device, os, keyword
}
