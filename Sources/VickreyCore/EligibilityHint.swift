import Synchronization

/// An eligibility policy's note on an indexed campaign that it cannot bid before some
/// instant (its budget is spent or held by reservations), so auctions skip it without
/// asking the policy. Only the policy sets and clears it, and it must clear it as soon
/// as anything could make the campaign eligible earlier (budget released, a day reset,
/// new limits), so a decision is the same with or without the hint. Requests with
/// debug ignore it and ask the policy, to explain each refusal in full.
///
/// A handle on one of the two hints an indexed campaign holds (its budget hint and its goal
/// hint): copies of the handle set and read the same hint.
public struct EligibilityHint: Sendable {
    private let entry: IndexedCampaign
    private let isGoal: Bool

    init(_ entry: IndexedCampaign, goal: Bool) {
        self.entry = entry
        self.isGoal = goal
    }

    /// Whether both handles are on the same hint of the same indexed campaign.
    public func isSame(as other: EligibilityHint) -> Bool { entry === other.entry && isGoal == other.isGoal }

    /// The campaign cannot bid before `instant`.
    public func block(until instant: Instant) {
        withBlockedUntil { $0.store(instant.millisecondsSinceEpoch, ordering: .releasing) }
    }

    public func clear() {
        withBlockedUntil { $0.store(.min, ordering: .releasing) }
    }

    public func isBlocked(at instant: Instant) -> Bool {
        withBlockedUntil { instant.millisecondsSinceEpoch < $0.load(ordering: .acquiring) }
    }

    /// `body` given the instant (milliseconds) this hint blocks until.
    private func withBlockedUntil<Result>(_ body: (borrowing Atomic<Int64>) -> Result) -> Result {
        isGoal ? body(entry.goalBlockedUntil) : body(entry.budgetBlockedUntil)
    }
}
