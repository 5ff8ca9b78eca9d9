import Synchronization

/// What the ledger holds about a campaign's ads: how many impressions, clicks, viewable
/// events and completed video views were recorded, billed or not (an ad shown beyond a budget was still
/// shown), invalid traffic left out (a robot's fetch says nothing about people).
public struct ClickEvidence: Hashable, Sendable {
    public var impressions: Int64
    public var clicks: Int64
    public var viewables: Int64
    /// VAST `complete` events.
    public var completes: Int64

    public init(impressions: Int64 = 0, clicks: Int64 = 0, viewables: Int64 = 0, completes: Int64 = 0) {
        self.impressions = impressions
        self.clicks = clicks
        self.viewables = viewables
        self.completes = completes
    }

    public static func + (lhs: Self, rhs: Self) -> Self {
        ClickEvidence(
            impressions: lhs.impressions + rhs.impressions, clicks: lhs.clicks + rhs.clicks, viewables: lhs.viewables + rhs.viewables,
            completes: lhs.completes + rhs.completes)
    }
}

/// A rate per impression as the auction uses it — a CPC campaign's CTR, a vCPM
/// campaign's viewability — the advertiser's prior blended with the campaign's own
/// recorded impressions and events (clicks, viewables), as the mean of a Beta posterior
/// whose prior counts as `priorWeight` impressions (`ClickThroughRate.smoothed`). With no
/// impressions it is the prior exactly.
public struct LearnedClickThroughRate: Hashable, Sendable {
    public var prior: ClickThroughRate
    /// Impressions recorded.
    public var impressions: Int64
    /// Events recorded: clicks for a CTR, viewable events for a viewability.
    public var events: Int64
    public var priorWeight: Int64
    /// The rate the campaign is scored and priced with.
    public var rate: ClickThroughRate

    public init(prior: ClickThroughRate, impressions: Int64, events: Int64, priorWeight: Int64) {
        self.prior = prior
        self.impressions = impressions
        self.events = events
        self.priorWeight = priorWeight
        self.rate = prior.smoothed(impressions: impressions, clicks: events, priorWeight: priorWeight)
    }
}

extension Campaign {
    /// The CTR a CPC campaign is scored and priced with: the learned rate when the index
    /// learns, else the prior. Nil for other pricings.
    public var scoringCTR: ClickThroughRate? { learnedCTR?.rate ?? predictedCTR }

    /// The rate of its charged event per impression a campaign is scored and priced with:
    /// a CPC campaign's CTR, a vCPM campaign's viewability, a CPCV campaign's completion
    /// rate (learned, else the prior); nil for CPM.
    public var scoringRate: ClickThroughRate? {
        switch pricing {
        case .cpm: nil
        case .cpc: scoringCTR
        case .vcpm: learnedViewability?.rate ?? predictedViewability
        case .cpcv: learnedCompletionRate?.rate ?? predictedCompletionRate
        }
    }
}

extension Campaign {
    /// This campaign with the rate of its charged event learned from `known` attached: a
    /// CPC campaign's CTR (clicks), a vCPM campaign's viewability (viewable events), a CPCV
    /// campaign's completion rate (`complete` events), each per recorded impression toward
    /// its declared prior. A CPM campaign is returned as it is.
    public func learning(from known: ClickEvidence, priorWeight: Int64) -> Campaign {
        var learned = self
        learned.learn(from: known, priorWeight: priorWeight)
        return learned
    }

    /// `learning(from:priorWeight:)` in place: a campaign whose fields no other copy shares
    /// gets its rate without its fields being copied.
    public mutating func learn(from known: ClickEvidence, priorWeight: Int64) {
        func rate(_ prior: ClickThroughRate?, _ events: Int64) -> LearnedClickThroughRate? {
            prior.map { LearnedClickThroughRate(prior: $0, impressions: known.impressions, events: events, priorWeight: priorWeight) }
        }
        switch pricing {
        case .cpm: break
        case .cpc: learnedCTR = rate(predictedCTR, known.clicks)
        case .vcpm: learnedViewability = rate(predictedViewability, known.viewables)
        case .cpcv: learnedCompletionRate = rate(predictedCompletionRate, known.completes)
        }
    }
}

/// The evidence every CPC campaign's learned CTR is computed from, shared by the index
/// (which attaches the learned rate to each campaign it indexes) and whatever reads the
/// ledger (which adds to it). Only grows: the ledger is append-only.
public final class ClickThroughLearning: Sendable {
    /// How many impressions the prior counts as (the Beta prior's α + β).
    public let priorWeight: Int64
    /// The prior weight when nothing configures another (`ctr.priorWeight`).
    public static let defaultPriorWeight: Int64 = 1_000
    private let evidence = Mutex<[CampaignID: ClickEvidence]>([:])

    public init(priorWeight: Int64) { self.priorWeight = max(1, priorWeight) }

    /// Campaigns with click evidence held (bounded by the CPC campaigns in the catalogue).
    public var campaignCount: Int { evidence.withLock { $0.count } }

    /// Adds newly recorded events; returns the campaigns whose evidence changed.
    @discardableResult
    public func add(_ more: [CampaignID: ClickEvidence]) -> [CampaignID] {
        evidence.withLock { table in
            var changed: [CampaignID] = []
            for (id, added) in more where added != ClickEvidence() {
                table[id, default: ClickEvidence()] = table[id, default: ClickEvidence()] + added
                changed.append(id)
            }
            return changed
        }
    }

    /// What the ledger holds about one campaign so far.
    public func evidence(for id: CampaignID) -> ClickEvidence { evidence.withLock { $0[id] ?? ClickEvidence() } }

    /// `campaign` with its learned rate attached: a CPC campaign's CTR, a vCPM campaign's
    /// viewability, a CPCV campaign's completion rate (a CPM campaign is returned as it is).
    public func learned(_ campaign: Campaign) -> Campaign {
        campaign.learning(from: evidence(for: campaign.id), priorWeight: priorWeight)
    }

    /// `learned(_:)` in place.
    public func learn(_ campaign: inout Campaign) { campaign.learn(from: evidence(for: campaign.id), priorWeight: priorWeight) }
}
