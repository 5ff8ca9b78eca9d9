import Synchronization

/// An eligibility policy's note on an indexed campaign that it cannot bid before some
/// instant (its budget is spent or held by reservations), so auctions skip it without
/// asking the policy. Only the policy sets and clears it, and it must clear it as soon
/// as anything could make the campaign eligible earlier (budget released, a day reset,
/// new limits), so a decision is the same with or without the hint. Requests with
/// debug ignore it and ask the policy, to explain each refusal in full.
public final class EligibilityHint: Sendable {
    private let blockedUntil = Atomic<Int64>(.min)

    public init() {}

    /// The campaign cannot bid before `instant`.
    public func block(until instant: Instant) {
        blockedUntil.store(instant.millisecondsSinceEpoch, ordering: .releasing)
    }

    public func clear() {
        blockedUntil.store(.min, ordering: .releasing)
    }

    public func isBlocked(at instant: Instant) -> Bool {
        instant.millisecondsSinceEpoch < blockedUntil.load(ordering: .acquiring)
    }
}
