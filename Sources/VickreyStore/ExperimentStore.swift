import VickreyCore

/// Experiments and their durable auction counts, on either engine, with the ledger's
/// sums of what each arm sold. Creating or stopping an experiment bumps the store-wide
/// revision, so every server's reloader picks it up on its next poll.
public protocol ExperimentStore: Sendable {
    /// Stores a new, running experiment. Refuses (`.alreadyExists`) an id used before and
    /// (`.conflict`) an experiment sharing a placement with one still running, naming both.
    func create(_ experiment: Experiment, at time: Instant) async throws(StoreError)
    /// Every experiment, oldest first.
    func experiments() async throws(StoreError) -> [StoredExperiment]
    func experiment(_ id: ExperimentID) async throws(StoreError) -> StoredExperiment?
    /// Stops a running experiment: its arms' parameters no longer apply. `.notFound` for
    /// an unknown id, `.invalidState` when it is already stopped.
    func stop(_ id: ExperimentID, at time: Instant) async throws(StoreError)
    /// Adds auction and fill counts (what servers counted since their last flush).
    func addTallies(_ tallies: [ArmTally]) async throws(StoreError)
    /// The counts of every (arm, bucket) of an experiment.
    func tallies(_ id: ExperimentID) async throws(StoreError) -> [ArmTally]
    /// What the ledger recorded for an experiment, by arm and bucket.
    func delivery(_ id: ExperimentID) async throws(StoreError) -> [ArmDelivery]
}

/// An experiment as stored, with when it started and stopped.
public struct StoredExperiment: Hashable, Sendable {
    public var experiment: Experiment
    public var createdAt: Instant
    public var stoppedAt: Instant?

    public init(experiment: Experiment, createdAt: Instant, stoppedAt: Instant?) {
        self.experiment = experiment
        self.createdAt = createdAt
        self.stoppedAt = stoppedAt
    }
}

/// Auctions (placement auctions run under the arm) and fills of one arm's bucket.
public struct ArmTally: Hashable, Sendable {
    public var experimentID: ExperimentID
    public var arm: ArmName
    public var bucket: Int
    public var auctions: Int64
    public var fills: Int64

    public init(experimentID: ExperimentID, arm: ArmName, bucket: Int, auctions: Int64, fills: Int64) {
        self.experimentID = experimentID
        self.arm = arm
        self.bucket = bucket
        self.auctions = auctions
        self.fills = fills
    }
}

/// What the ledger holds for one arm's bucket: recorded impressions and clicks, and
/// the billed revenue (the sum of billed charges).
public struct ArmDelivery: Hashable, Sendable {
    public var arm: ArmName
    public var bucket: Int
    public var impressions: Int64
    public var clicks: Int64
    public var revenue: Nanos

    public init(arm: ArmName, bucket: Int, impressions: Int64, clicks: Int64, revenue: Nanos) {
        self.arm = arm
        self.bucket = bucket
        self.impressions = impressions
        self.clicks = clicks
        self.revenue = revenue
    }
}

/// How far a reader has read each ledger chain: the last sequence number taken, by
/// server id ("" for a SQLite file's one unnamed chain).
public typealias ChainPositions = [String: Int64]

extension StoreError {
    static func experimentExists(_ id: ExperimentID) -> StoreError {
        StoreError(.alreadyExists, "experiment '\(id)' already exists (ids are never reused: pick another)")
    }

    static func experimentNotFound(_ id: ExperimentID) -> StoreError { StoreError(.notFound, "no experiment '\(id)'") }

    static func experimentStopped(_ id: ExperimentID) -> StoreError {
        StoreError(.invalidState, "experiment '\(id)' is already stopped")
    }

    /// The first running experiment `experiment` would share a placement with.
    static func checkOverlap(_ experiment: Experiment, running: [Experiment]) throws(StoreError) {
        for other in running where other.id != experiment.id && other.overlaps(experiment) {
            let shared =
                experiment.placements.isEmpty || other.placements.isEmpty
                ? "every placement" : "placement '\(experiment.placements.first { other.placements.contains($0) }!)'"
            throw StoreError(
                .conflict,
                "experiment '\(other.id)' is already running on \(shared): at most one running experiment per placement (stop it first)")
        }
    }

    static func check(_ experiment: Experiment) throws(StoreError) {
        if let (field, message) = experiment.validate() { throw StoreError(.caller, "\(field): \(message)") }
    }
}

/// Experiments as their table rows hold them: placements space-separated.
enum ExperimentRows {
    static func placements(_ text: String) -> [PlacementID] {
        text.split(separator: " ").map { PlacementID(unchecked: String($0)) }
    }

    static func placementsText(_ experiment: Experiment) -> String {
        experiment.placements.map(\.rawValue).joined(separator: " ")
    }
}
