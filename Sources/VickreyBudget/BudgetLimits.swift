import VickreyCore

/// A campaign's budgets as the book enforces them, in nanos.
public struct BudgetLimits: Hashable, Sendable {
    /// Nil: no daily budget.
    public var daily: Nanos?
    public var total: Nanos
    /// The zone whose midnight starts a new budget day.
    public var timeZone: CampaignTimeZone
    public var pacing: PacingMode

    public init(daily: Nanos?, total: Nanos, timeZone: CampaignTimeZone = .utc, pacing: PacingMode = .asap) {
        self.daily = daily
        self.total = total
        self.timeZone = timeZone
        self.pacing = pacing
    }

    /// A campaign's limits; a standard line item's total is its goal at its booked rate
    /// when that is below its total budget (`Campaign.spendCap`).
    public init(_ campaign: Campaign) {
        self.init(
            daily: campaign.dailyBudget?.nanos, total: campaign.spendCap, timeZone: campaign.timeZone, pacing: campaign.pacing)
    }
}

/// The answer to a charge: billed (the amount is now spend) or not, and why.
public enum ChargeOutcome: Hashable, Sendable {
    case billed(Nanos)
    case unbilled(UnbilledReason)
}
