/// One immutable, consistent state of the campaign index.
///
/// The index is an inverted index over the conjunction each campaign's targeting forms
/// (in the spirit of Whang et al., "Indexing Boolean Expressions", VLDB 2009): for every
/// dimension and value there is a posting bitmap of the campaigns that include the value
/// and one of those that exclude it, plus a bitmap of the campaigns that leave the
/// dimension open. A query touches only the bitmaps of the request's own values and
/// evaluates the conjunction 64 campaigns per machine word; it never looks at a
/// campaign that does not match.
///
/// Snapshots are values: an update builds the next snapshot, sharing every bitmap it
/// does not touch, and readers keep whichever snapshot they took.
public struct IndexSnapshot: Sendable {
    /// The campaign in each slot; nil for free slots.
    private(set) var entries: [IndexedCampaign?] = []
    /// Each live campaign's eCPM score by slot, contiguous for the scoring pass.
    private(set) var scores: [Int64] = []
    private(set) var slotByID: [CampaignID: Int] = [:]
    private var freeSlots: [Int] = []
    private(set) var live = SlotBitmap()
    private var postings = Array(repeating: DimensionPostings(), count: IndexedDimension.allCases.count)

    /// A monotonically increasing version, bumped by every applied batch.
    public private(set) var version: UInt64 = 0

    public init() {}

    /// The number of campaigns that can currently serve.
    public var count: Int { slotByID.count }

    /// The indexed campaign with this id, if it is servable.
    public func campaign(_ id: CampaignID) -> Campaign? {
        slotByID[id].flatMap { entries[$0]?.campaign }
    }

    /// Every indexed campaign, in slot order.
    public var campaigns: [Campaign] { entries.compactMap { $0?.campaign } }

    func entry(atSlot slot: Int) -> IndexedCampaign { entries[slot]! }

    /// Applies changes in order. A campaign enters the index when it is active and has
    /// at least one creative; any other upsert takes it out.
    public mutating func apply(_ changes: some Sequence<CampaignChange>) {
        for change in changes {
            switch change {
            case .upsert(let campaign):
                if campaign.status == .active, !campaign.creatives.isEmpty {
                    insertOrReplace(campaign)
                } else {
                    remove(campaign.id)
                }
            case .remove(let id):
                remove(id)
            }
        }
        version &+= 1
    }

    /// Every campaign whose targeting (hours of the week aside) and creative sizes
    /// match `query`, in slot order.
    public func matchingCampaigns(_ query: TargetingQuery) -> [Campaign] {
        var found: [Campaign] = []
        matchingSlots(query).forEachSlot { found.append(entries[$0]!.campaign) }
        return found
    }

    /// The slots of every campaign whose targeting (hours of the week aside) and
    /// creative sizes match `query`.
    func matchingSlots(_ query: TargetingQuery) -> BitmapEvaluation {
        var evaluation = BitmapEvaluation(live: live)
        for dimension in IndexedDimension.allCases {
            let keys = dimension.keys(of: query)
            let postings = postings[dimension.rawValue]
            if dimension == .size, keys.isEmpty { continue }  // a placement with no sizes accepts any
            var includes = [postings.open]
            var excludes: [SlotBitmap] = []
            for key in keys {
                if let bitmap = postings.include[key] { includes.append(bitmap) }
                if let bitmap = postings.exclude[key] { excludes.append(bitmap) }
            }
            evaluation.narrow(includes: includes, excludes: excludes)
        }
        return evaluation
    }

    private mutating func insertOrReplace(_ campaign: Campaign) {
        let slot: Int
        if let existing = slotByID[campaign.id] {
            unpost(entries[existing]!.campaign, slot: existing)
            slot = existing
        } else if let free = freeSlots.popLast() {
            slot = free
        } else {
            slot = entries.count
            entries.append(nil)
            scores.append(0)
        }
        let entry = IndexedCampaign(campaign)
        entries[slot] = entry
        scores[slot] = entry.score.value
        slotByID[campaign.id] = slot
        live.insert(slot)
        post(campaign, slot: slot)
    }

    private mutating func remove(_ id: CampaignID) {
        guard let slot = slotByID.removeValue(forKey: id) else { return }
        unpost(entries[slot]!.campaign, slot: slot)
        entries[slot] = nil
        scores[slot] = 0
        live.remove(slot)
        freeSlots.append(slot)
    }

    private mutating func post(_ campaign: Campaign, slot: Int) {
        for dimension in IndexedDimension.allCases {
            let (include, exclude) = dimension.keys(of: campaign)
            postings[dimension.rawValue].add(slot: slot, include: include, exclude: exclude)
        }
    }

    private mutating func unpost(_ campaign: Campaign, slot: Int) {
        for dimension in IndexedDimension.allCases {
            let (include, exclude) = dimension.keys(of: campaign)
            postings[dimension.rawValue].remove(slot: slot, include: include, exclude: exclude)
        }
    }
}

/// One change to the index.
public enum CampaignChange: Sendable {
    /// Adds or replaces a campaign (removes it if it cannot serve).
    case upsert(Campaign)
    case remove(CampaignID)
}

/// What the auction keeps per indexed campaign, computed once when it is indexed. The
/// auction hands eligibility policies this shared reference rather than a `Campaign`
/// value, whose copy would retain every one of its fields once per candidate.
public final class IndexedCampaign: Sendable {
    public let campaign: Campaign
    /// The eCPM the campaign bids with (CPC: `bid × ppm / 1000`).
    public let score: Micros
    /// The most one slot can cost it: what a win reserves.
    public let maximumCharge: Nanos
    /// Set by the eligibility policy while the campaign cannot bid (see `EligibilityHint`).
    public let hint = EligibilityHint()

    public init(_ campaign: Campaign) {
        self.campaign = campaign
        self.score = Scoring.effectiveCPM(pricing: campaign.pricing, bid: campaign.bid, ctr: campaign.predictedCTR)
        self.maximumCharge = campaign.maximumCharge
    }
}

/// The posting bitmaps of one dimension.
struct DimensionPostings: Sendable {
    /// Campaigns with no include list on this dimension.
    var open = SlotBitmap()
    var include: [String: SlotBitmap] = [:]
    var exclude: [String: SlotBitmap] = [:]

    mutating func add(slot: Int, include includeKeys: [String], exclude excludeKeys: [String]) {
        if includeKeys.isEmpty { open.insert(slot) }
        for key in includeKeys { include[key, default: SlotBitmap()].insert(slot) }
        for key in excludeKeys { exclude[key, default: SlotBitmap()].insert(slot) }
    }

    mutating func remove(slot: Int, include includeKeys: [String], exclude excludeKeys: [String]) {
        if includeKeys.isEmpty { open.remove(slot) }
        for key in includeKeys { Self.remove(slot, key, from: &include) }
        for key in excludeKeys { Self.remove(slot, key, from: &exclude) }
    }

    private static func remove(_ slot: Int, _ key: String, from map: inout [String: SlotBitmap]) {
        guard map[key] != nil else { return }
        map[key]!.remove(slot)
        if map[key]!.isEmpty { map[key] = nil }
    }
}

/// The dimensions the bitmaps index, and how campaigns and queries map to keys.
enum IndexedDimension: Int, CaseIterable {
    case placement, size, country, device, os, keyword

    func keys(of campaign: Campaign) -> (include: [String], exclude: [String]) {
        let t = campaign.targeting
        switch self {
        case .placement: return (t.placements.map(\.rawValue), t.exclude.placements.map(\.rawValue))
        // Sizes come from creatives: never open, never excluded.
        case .size: return (Array(Set(campaign.creatives.map(\.size.description))), [])
        case .country: return (t.countries.map(\.rawValue), t.exclude.countries.map(\.rawValue))
        case .device: return (t.devices.map(\.rawValue), t.exclude.devices.map(\.rawValue))
        case .os: return (t.operatingSystems.map(\.rawValue), t.exclude.operatingSystems.map(\.rawValue))
        case .keyword: return (t.keywords.map(\.rawValue), t.exclude.keywords.map(\.rawValue))
        }
    }

    func keys(of query: TargetingQuery) -> [String] {
        switch self {
        case .placement: [query.placement.rawValue]
        case .size: query.sizes.map(\.description)
        case .country: query.country.map { [$0.rawValue] } ?? []
        case .device: query.device.map { [$0.rawValue] } ?? []
        case .os: query.operatingSystem.map { [$0.rawValue] } ?? []
        case .keyword: query.keywords.map(\.rawValue)
        }
    }
}
