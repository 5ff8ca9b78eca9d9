import Synchronization

/// One immutable, consistent state of the campaign index.
///
/// The index is an inverted index over the conjunction each campaign's targeting forms
/// (in the spirit of Whang et al., "Indexing Boolean Expressions", VLDB 2009): for every
/// dimension and value there is a posting of the campaigns that include the value and
/// one of those that exclude it, plus a posting of the campaigns that leave the
/// dimension open (each a bitmap, or a sorted slot list for a value few campaigns
/// hold: `SlotPosting`). A query touches only the postings of the request's own values
/// and evaluates the conjunction 64 campaigns per machine word; it never looks at a
/// campaign that does not match.
///
/// Slots are numbered by descending score (ties by campaign id) when the index is
/// built, so an auction walks the conjunction from slot 0 and meets the best candidates
/// first, reading only the words it needs. Campaigns added or re-scored later go to a
/// tail past the ranked slots; when the tail (or the holes removals leave) grows past
/// a sixteenth of the index, the next batch re-ranks everything.
///
/// Snapshots are values: an update builds the next snapshot, sharing every posting it
/// does not touch, and readers keep whichever snapshot they took.
public struct IndexSnapshot: Sendable {
    /// The campaign in each slot; nil for slots whose campaign left.
    private(set) var entries: [IndexedCampaign?] = []
    /// Each live campaign's eCPM score by slot, contiguous for the auction.
    private(set) var scores: [Int64] = []
    private(set) var slotByID: [CampaignID: Int] = [:]
    /// Slots below this are in descending score order; the rest is the tail.
    private(set) var rankedCount = 0
    private(set) var live = SlotBitmap()
    /// The live campaigns' postings and the counts beside them.
    private var postings = IndexPostings()

    /// A monotonically increasing version, bumped by every applied batch.
    public private(set) var version: UInt64 = 0
    /// How many times the whole index was re-ranked and re-posted: a large batch of changes,
    /// or a tail of unranked slots past `unrankedLimit`. A change to a few campaigns among
    /// many only re-posts those.
    public private(set) var rebuilds = 0

    public init() {}

    /// The number of campaigns that can currently serve.
    public var count: Int { slotByID.count }

    /// The indexed campaign with this id, if it is servable.
    public func campaign(_ id: CampaignID) -> Campaign? {
        slotByID[id].flatMap { entries[$0]?.campaign }
    }

    /// The indexed campaigns of `tiers`, in slot order (none are read when the tiers are empty).
    public func campaigns(in tiers: Set<DeliveryTier>) -> [Campaign] {
        guard tiers.contains(where: hasCampaigns(in:)) else { return [] }
        return entries.compactMap { entry in entry.flatMap { tiers.contains($0.tier) ? $0.campaign : nil } }
    }

    /// Every indexed campaign, in slot order.
    public var campaigns: [Campaign] { entries.compactMap { $0?.campaign } }

    /// The campaign at `slot`. Only live slots are ever asked for: every posting and
    /// `slotByID` name occupied slots, and a removed campaign's slot leaves both first.
    func entry(atSlot slot: Int) -> IndexedCampaign {
        guard let entry = entries[slot] else { preconditionFailure("slot \(slot) is empty: the index's postings are inconsistent") }
        return entry
    }

    /// Applies changes in order. A campaign enters the index when it is active and has
    /// at least one creative; any other upsert takes it out.
    public mutating func apply(_ changes: some Sequence<CampaignChange>) {
        let changes = Array(changes)
        if changes.count > unrankedLimit {
            rebuild(applying: changes)
        } else {
            for change in changes {
                switch change {
                case .upsert(let campaign): Self.canServe(campaign) ? insertOrReplace(campaign) : remove(campaign.id)
                case .remove(let id): remove(id)
                }
            }
            if entries.count - rankedCount > unrankedLimit || entries.count - count > unrankedLimit {
                rebuild(applying: [])
            }
        }
        version &+= 1
    }

    /// How many tail slots or holes the index tolerates before it re-ranks.
    private var unrankedLimit: Int { max(32, count / 16) }

    private static func canServe(_ campaign: Campaign) -> Bool { campaign.status == .active && !campaign.creatives.isEmpty }

    /// Every campaign whose targeting (hours of the week aside) and creatives match
    /// `query`, in slot order: a creative of an accepted banner size, or one the video or
    /// native slot takes (the postings find the format, each creative's rules are checked).
    public func matchingCampaigns(_ query: TargetingQuery) -> [Campaign] {
        var conjunction = conjunction(for: query)
        var found: [Campaign] = []
        for word in 0..<live.words.count {
            var bits = conjunction.word(word, of: live.word(word))
            while bits != 0 {
                let campaign = entry(atSlot: word << 6 | bits.trailingZeroBitCount).campaign
                if query.shape.isBannerOnly || campaign.creative(for: query.shape) != nil { found.append(campaign) }
                bits &= bits &- 1
            }
        }
        return found
    }

    /// The conjunction a slot must pass to match `query` on targeting (hours of the week
    /// aside) and creative sizes.
    /// Whether any live campaign is in `tier`.
    func hasCampaigns(in tier: DeliveryTier) -> Bool { postings.tierCounts[tier.rawValue] > 0 }

    /// Live campaigns with exclusion labels or a roadblock: while there are none, the
    /// auction skips both checks.
    var campaignsWithRequestRules: Int { postings.campaignsWithRequestRules }

    /// Whether any live campaign is a line item, a house ad, or has exclusion labels or a
    /// roadblock: otherwise every placement is the plain auction.
    public var hasLineItems: Bool {
        campaignsWithRequestRules > 0 || postings.tierCounts[DeliveryTier.pricePriority.rawValue] != count
    }

    /// `conjunction(for:)` with one more clause, evaluated first: the campaign is in one of
    /// `tiers` (a sparse tier's words are then mostly rejected by one load). No clause when
    /// every live campaign is in them.
    func conjunction(for query: TargetingQuery, tiers: [DeliveryTier]) -> PostingConjunction {
        var conjunction = PostingConjunction()
        if tiers.reduce(0, { $0 + postings.tierCounts[$1.rawValue] }) != count {
            for tier in tiers { if let posting = postings.tiers.include[tier] { conjunction.include(posting) } }
            conjunction.closeClause()
        }
        addClauses(for: query, to: &conjunction)
        return conjunction
    }

    func conjunction(for query: TargetingQuery) -> PostingConjunction {
        var conjunction = PostingConjunction()
        addClauses(for: query, to: &conjunction)
        return conjunction
    }

    /// The clauses a slot must pass to match `query`: creative shape, then each dimension.
    private func addClauses(for query: TargetingQuery, to conjunction: inout PostingConjunction) {
        // One clause for the placement's shape: any accepted banner size (a banner of any
        // size when none is listed), a video, native assets. Sizes and formats are never open
        // or excluded. Video and native rules beyond the format are checked by the auction.
        let shape = query.shape
        // Any banner size, and every campaign has a banner: every campaign fits, no clause.
        let everyCampaignFits = shape.banner?.isEmpty == true && postings.campaignsWithoutBanner == 0
        if !everyCampaignFits {
            if let banner = shape.banner {
                if banner.isEmpty {
                    if let posting = postings.formats.include[.banner] { conjunction.include(posting) }
                } else {
                    for size in banner { if let posting = postings.sizes.include[size] { conjunction.include(posting) } }
                }
            }
            if shape.video != nil, let posting = postings.formats.include[.video] { conjunction.include(posting) }
            if shape.native != nil, let posting = postings.formats.include[.native] { conjunction.include(posting) }
            conjunction.closeClause()
        }
        func addClause(_ dimension: IndexedDimension, _ key: String?) {
            // Read in place: binding the dimension's postings to a local would retain its tables.
            conjunction.include(postings.dimensions[dimension.rawValue].open)
            if let key, let posting = postings.dimensions[dimension.rawValue].include[key] { conjunction.include(posting) }
            conjunction.closeIncludes()
            if let key, let posting = postings.dimensions[dimension.rawValue].exclude[key] { conjunction.exclude(posting) }
            conjunction.closeClause()
        }
        addClause(.placement, query.placement.rawValue)
        addClause(.country, query.country?.rawValue)
        addClause(.device, query.device?.rawValue)
        addClause(.os, query.operatingSystem?.rawValue)
        let keyword = IndexedDimension.keyword.rawValue
        conjunction.include(postings.dimensions[keyword].open)
        for word in query.keywords { if let posting = postings.dimensions[keyword].include[word.rawValue] { conjunction.include(posting) } }
        conjunction.closeIncludes()
        for word in query.keywords { if let posting = postings.dimensions[keyword].exclude[word.rawValue] { conjunction.exclude(posting) } }
        conjunction.closeClause()
    }

    /// Rebuilds the index from its campaigns with `changes` applied, ranking every slot.
    /// Unchanged campaigns keep their `IndexedCampaign` (and so their eligibility hint).
    private mutating func rebuild(applying changes: [CampaignChange]) {
        rebuilds += 1
        var servable: [IndexedCampaign] = []
        // An empty index given each id once, ascending (a store's full load), has no
        // repeats to find: no table of a million ids is built to look for them, and the
        // entries are made on every core.
        if entries.isEmpty, changes.indices.dropFirst().allSatisfy({ changes[$0 - 1].id < changes[$0].id }) {
            servable = ParallelMap.mapChunks(changes, chunk: 16_384) { changes in
                changes.compactMap { change in
                    guard case .upsert(let campaign) = change, Self.canServe(campaign) else { return nil }
                    return IndexedCampaign(campaign)
                }
            }
        } else {
            // Each campaign once, the last change to it winning (the table holds positions).
            var ranked: [IndexedCampaign?] = []
            ranked.reserveCapacity(count + changes.count)
            var positionByID: [CampaignID: Int] = [:]
            positionByID.reserveCapacity(count + changes.count)
            for case let entry? in entries {
                positionByID[entry.campaign.id] = ranked.count
                ranked.append(entry)
            }
            entries = []
            for change in changes {
                switch change {
                case .upsert(let campaign):
                    let entry = Self.canServe(campaign) ? IndexedCampaign(campaign) : nil
                    if let position = positionByID[campaign.id] {
                        ranked[position] = entry
                    } else if let entry {
                        positionByID[campaign.id] = ranked.count
                        ranked.append(entry)
                    }
                case .remove(let id):
                    if let position = positionByID[id] { ranked[position] = nil }
                }
            }
            servable.reserveCapacity(ranked.count)
            for case let entry? in ranked { servable.append(entry) }  // removed campaigns' holes dropped
        }
        // Ranked: positions sorted over a contiguous copy of the scores (a comparison that
        // read the entries would fetch two objects from memory twenty million times), the
        // ids compared only between equal scores.
        let servableScores = servable.map(\.score.value)
        var order = Array(servable.indices)
        order.sort { a, b in
            servableScores[a] != servableScores[b] ? servableScores[a] > servableScores[b] : servable[a].id < servable[b].id
        }
        entries = order.map { servable[$0] }
        scores = order.map { servableScores[$0] }
        servable = []
        rankedCount = entries.count
        live = SlotBitmap(everySlotBelow: entries.count)
        (postings, slotByID) = Self.postings(of: entries)
    }

    /// The postings of every slot of `entries` (all live) and the slot of each campaign id,
    /// on every core: the keywords, the other postings and the ids are three walks over the
    /// slots that read different parts of the campaigns.
    private static func postings(of entries: [IndexedCampaign?]) -> (IndexPostings, [CampaignID: Int]) {
        enum Part: Sendable {
            case postings(IndexPostings, IndexPostings.Groups)
            case slots([CampaignID: Int])
        }
        let groups: [IndexPostings.Groups] = entries.count < parallelSlots ? [.all] : [.keywords, .others]
        let parts = ParallelMap.map(Array(0...groups.count), chunk: 1) { part -> Part in
            guard part < groups.count else {
                var slotByID: [CampaignID: Int] = [:]
                slotByID.reserveCapacity(entries.count)
                for slot in entries.indices { slotByID[entries[slot]!.id] = slot }
                return .slots(slotByID)
            }
            var postings = IndexPostings()
            for slot in entries.indices {
                postings.update(entries[slot]!.campaign, slot: slot, posting: true, slotCount: entries.count, groups: groups[part])
            }
            return .postings(postings, groups[part])
        }
        var postings = IndexPostings()
        var slotByID: [CampaignID: Int] = [:]
        for part in parts {
            switch part {
            case .postings(let part, let groups): postings.take(groups, from: part)
            case .slots(let slots): slotByID = slots
            }
        }
        return (postings, slotByID)
    }

    /// Below this many slots a rebuild posts on one core.
    static let parallelSlots = 8_192

    /// A re-scored campaign leaves its ranked slot for the tail; otherwise it keeps it.
    private mutating func insertOrReplace(_ campaign: Campaign) {
        let entry = IndexedCampaign(campaign)
        if let existing = slotByID[campaign.id] {
            if existing >= rankedCount || scores[existing] == entry.score.value {
                unpost(self.entry(atSlot: existing).campaign, slot: existing)
                entries[existing] = entry
                scores[existing] = entry.score.value
                post(campaign, slot: existing)
                return
            }
            remove(campaign.id)
        }
        let slot = entries.count
        entries.append(entry)
        scores.append(entry.score.value)
        slotByID[campaign.id] = slot
        live.insert(slot)
        post(campaign, slot: slot)
    }

    private mutating func remove(_ id: CampaignID) {
        guard let slot = slotByID.removeValue(forKey: id) else { return }
        unpost(entry(atSlot: slot).campaign, slot: slot)
        entries[slot] = nil
        scores[slot] = 0
        live.remove(slot)
    }

    /// Posts the campaign in `slot` under every value it targets, creative size and format,
    /// and its tier.
    private mutating func post(_ campaign: Campaign, slot: Int) {
        postings.update(campaign, slot: slot, posting: true, slotCount: entries.count)
    }

    /// Takes the campaign in `slot` out of every posting `post` put it in.
    private mutating func unpost(_ campaign: Campaign, slot: Int) {
        postings.update(campaign, slot: slot, posting: false, slotCount: entries.count)
    }
}

/// One change to the index.
public enum CampaignChange: Sendable {
    /// Adds or replaces a campaign (removes it if it cannot serve).
    case upsert(Campaign)
    case remove(CampaignID)

    /// The campaign it changes.
    var id: CampaignID {
        switch self {
        case .upsert(let campaign): campaign.id
        case .remove(let id): id
        }
    }
}

/// What the auction keeps per indexed campaign, computed once when it is indexed. The
/// auction hands eligibility policies this shared reference; what it checks per candidate
/// is in the entry's own fields, read without going through the campaign's storage (but
/// the hours of the week, which few campaigns limit: those are read from the campaign).
public final class IndexedCampaign: Sendable {
    public let campaign: Campaign
    /// The eCPM the campaign bids with (CPC: `bid × ppm / 1000`).
    public let score: Micros
    /// The most one slot can cost it: what a win reserves.
    public let maximumCharge: Nanos
    /// Whether the campaign limits the hours of the week it serves in (the hours themselves
    /// are read from the campaign only then: most campaigns have none).
    let hasHourTargeting: Bool
    /// What the auction checks per candidate, kept beside the campaign (one load each,
    /// not one through the campaign's box and another into its fields).
    let flightStart: Instant?
    let flightEnd: Instant?
    /// The zone the campaign counts hours of the week (and days) in.
    let timeZone: CampaignTimeZone
    /// Until when the budget hint and the goal hint block the campaign (milliseconds since
    /// the epoch), held here rather than in objects of their own (two allocations per
    /// campaign otherwise).
    let budgetBlockedUntil = Atomic<Int64>(.min)
    let goalBlockedUntil = Atomic<Int64>(.min)
    /// Set by the eligibility policy while the campaign cannot bid (see `EligibilityHint`).
    public var hint: EligibilityHint { EligibilityHint(self, goal: false) }
    /// Set while a standard line item is ahead of its goal curve (see `EligibilityPolicy.noteAhead`).
    public var goalHint: EligibilityHint { EligibilityHint(self, goal: true) }
    /// The campaign's exclusion labels and roadblock flag, read per candidate.
    let exclusionLabels: [String]
    let isRoadblock: Bool
    /// The tier its line-item terms put it in, and the terms' delivery type.
    let tier: DeliveryTier
    let delivery: DeliveryType
    /// The campaign's id, read per line-item candidate without copying the campaign.
    public let id: CampaignID

    public init(_ campaign: Campaign) {
        self.campaign = campaign
        self.score = Scoring.effectiveCPM(pricing: campaign.pricing, bid: campaign.bid, rate: campaign.scoringRate)
        self.maximumCharge = campaign.maximumCharge
        self.hasHourTargeting = !campaign.targeting.hoursOfWeek.isEmpty || !campaign.targeting.exclude.hoursOfWeek.isEmpty
        self.flightStart = campaign.start
        self.flightEnd = campaign.end
        self.timeZone = campaign.timeZone
        self.exclusionLabels = campaign.lineItem.exclusionLabels
        self.isRoadblock = campaign.lineItem.roadblock
        self.tier = campaign.lineItem.delivery.tier
        self.delivery = campaign.lineItem.delivery
        self.id = campaign.id
    }

    /// `campaign.hoursMismatch(_:)`.
    func hoursMismatch(_ hourOfWeek: Int) -> TargetingMismatch? { campaign.hoursMismatch(hourOfWeek) }

    /// `campaign.isInFlight(at:)`, without touching the campaign value.
    func isInFlight(at instant: Instant) -> Bool { Campaign.isInFlight(at: instant, start: flightStart, end: flightEnd) }
}
