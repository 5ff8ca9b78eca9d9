/// How a `Campaign` stores its fields: one box that every copy of the value shares until
/// one of them writes (copy on write), so a copy costs one reference.
extension Campaign {
    /// The fields, as stored in the box.
    struct Fields: Hashable, Sendable {
        var id: CampaignID
        var advertiserID: AdvertiserID
        var name: String
        var status: CampaignStatus
        var pricing: Pricing
        var bid: Micros
        var predictedCTR: ClickThroughRate?
        var predictedViewability: ClickThroughRate?
        var predictedCompletionRate: ClickThroughRate?
        var dailyBudget: Micros?
        var totalBudget: Micros
        var start: Instant?
        var end: Instant?
        var timeZone: CampaignTimeZone
        var pacing: PacingMode
        var frequencyCap: FrequencyCap?
        var targeting: Targeting
        var creatives: [Creative]
        /// The learned rates, boxed apart: most campaigns have none, and one that has them
        /// has one (123 bytes of optionals in every campaign otherwise).
        var learned: LearnedRatesBox? = nil
        var deals: [CampaignDeal] = []
        var lineItem: LineItemTerms = .pricePriority

        /// Sets one learned rate (no box once none is left).
        mutating func setLearned(_ rate: WritableKeyPath<LearnedRates, LearnedClickThroughRate?>, _ value: LearnedClickThroughRate?) {
            var rates = learned?.rates ?? LearnedRates()
            rates[keyPath: rate] = value
            learned = rates == LearnedRates() ? nil : LearnedRatesBox(rates)
        }
    }

    /// A campaign's learned rates, apart from its other fields.
    struct LearnedRates: Hashable, Sendable {
        var ctr: LearnedClickThroughRate?
        var viewability: LearnedClickThroughRate?
        var completionRate: LearnedClickThroughRate?
    }

    /// `LearnedRates` behind one reference, compared by value.
    final class LearnedRatesBox: Hashable, Sendable {
        let rates: LearnedRates
        init(_ rates: LearnedRates) { self.rates = rates }
        static func == (lhs: LearnedRatesBox, rhs: LearnedRatesBox) -> Bool { lhs.rates == rhs.rates }
        func hash(into hasher: inout Hasher) { rates.hash(into: &hasher) }
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
