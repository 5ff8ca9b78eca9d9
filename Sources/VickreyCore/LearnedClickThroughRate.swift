import Synchronization

/// What the ledger holds about a campaign's ads: how many impressions and clicks were
/// recorded (billed or not: an ad shown beyond a budget was still shown and clicked).
public struct ClickEvidence: Hashable, Sendable {
    public var impressions: Int64
    public var clicks: Int64

    public init(impressions: Int64 = 0, clicks: Int64 = 0) {
        self.impressions = impressions
        self.clicks = clicks
    }

    public static func + (lhs: Self, rhs: Self) -> Self {
        ClickEvidence(impressions: lhs.impressions + rhs.impressions, clicks: lhs.clicks + rhs.clicks)
    }
}

/// A CPC campaign's CTR as the auction uses it: the advertiser's prior blended with the
/// campaign's own recorded impressions and clicks, as the mean of a Beta posterior whose
/// prior counts as `priorWeight` impressions (`ClickThroughRate.smoothed`). With no
/// impressions it is the prior exactly.
public struct LearnedClickThroughRate: Hashable, Sendable {
    public var prior: ClickThroughRate
    public var evidence: ClickEvidence
    public var priorWeight: Int64
    /// The rate the campaign is scored and priced with.
    public var rate: ClickThroughRate

    public init(prior: ClickThroughRate, evidence: ClickEvidence, priorWeight: Int64) {
        self.prior = prior
        self.evidence = evidence
        self.priorWeight = priorWeight
        self.rate = prior.smoothed(impressions: evidence.impressions, clicks: evidence.clicks, priorWeight: priorWeight)
    }
}

extension Campaign {
    /// The CTR a CPC campaign is scored and priced with: the learned rate when the index
    /// learns, else the prior. Nil for CPM campaigns.
    public var scoringCTR: ClickThroughRate? { learnedCTR?.rate ?? predictedCTR }
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

    /// `campaign` with its learned CTR attached (CPC only; a CPM campaign is returned as it is).
    public func learned(_ campaign: Campaign) -> Campaign {
        guard campaign.pricing == .cpc, let prior = campaign.predictedCTR else { return campaign }
        var learned = campaign
        learned.learnedCTR = LearnedClickThroughRate(prior: prior, evidence: evidence(for: campaign.id), priorWeight: priorWeight)
        return learned
    }
}
