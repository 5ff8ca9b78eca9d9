/// How a `Campaign` stores its fields: one box that every copy of the value shares until
/// one of them writes (copy on write), so a copy costs one reference.
extension Campaign {
    /// The fields, as stored in the box. Ordered so that one-byte fields fill the padding
    /// after an optional; those most campaigns leave unset are grouped apart (`Uncommon`,
    /// `LearnedRates`, and `Targeting`'s hours and exclusions), so a box is 240 bytes, not 432.
    struct Fields: Hashable, Sendable {
        var id: CampaignID
        var advertiserID: AdvertiserID
        var name: String
        var bid: Micros
        var predictedCTR: ClickThroughRate?
        var status: CampaignStatus
        var pricing: Pricing
        var pacing: PacingMode
        var dailyBudget: Micros?
        var totalBudget: Micros
        var start: Instant?
        var end: Instant?
        var frequencyCap: FrequencyCap?
        var targeting: Targeting
        var creatives: [Creative]
        var uncommon = RarelySet<Uncommon>()
        var learned = RarelySet<LearnedRates>()
    }

    /// Fields a campaign of the plain auction in UTC leaves at their defaults.
    struct Uncommon: DefaultedFields {
        var predictedViewability: ClickThroughRate?
        var predictedCompletionRate: ClickThroughRate?
        var timeZone: CampaignTimeZone = .utc
        var deals: [CampaignDeal] = []
        var lineItem: LineItemTerms = .pricePriority
        static let defaults = Uncommon()
    }

    /// A campaign's learned rates, attached by the index that serves it.
    struct LearnedRates: DefaultedFields {
        var ctr: LearnedClickThroughRate?
        var viewability: LearnedClickThroughRate?
        var completionRate: LearnedClickThroughRate?
        static let defaults = LearnedRates()
    }

    /// The box every copy shares until one writes.
    ///
    /// `@unchecked Sendable`: `fields` is only written after `makeUnique()`, which makes
    /// sure this value holds the only reference to the box (copying it otherwise). A box that
    /// another value, and so possibly another thread, can read is never written.
    final class Box: @unchecked Sendable {
        var fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }
}
