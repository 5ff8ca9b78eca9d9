/// Identifies an experiment, e.g. `floors-q4`.
public struct ExperimentID: ValidatedIdentifier {
    public let rawValue: String
    public init(unchecked rawValue: String) { self.rawValue = rawValue }
}

/// Names one arm of an experiment, e.g. `control` or `high-floor`.
public struct ArmName: ValidatedIdentifier {
    public let rawValue: String
    public init(unchecked rawValue: String) { self.rawValue = rawValue }
}

/// An A/B test on auction parameters: traffic on its placements is split into arms by a
/// stable hash of (experiment id, unit id), and each arm may override the minimum
/// floor, the increment and a multiplier on the placement's and the request's floors.
///
/// Assignment depends on nothing but the two ids, so a user stays in one arm across
/// requests, servers and restarts, and a stopped and restarted server agrees with
/// every other. Requests without a user id are assigned by request id.
public struct Experiment: Hashable, Sendable {
    public var id: ExperimentID
    public var status: ExperimentStatus
    /// Where it runs; empty: every placement.
    public var placements: [PlacementID]
    /// At least two, each with a positive weight; the first is the baseline the others
    /// are compared with.
    public var arms: [ExperimentArm]

    /// Units (users) are spread over this many buckets per arm, by a second hash
    /// independent of the arm's: the report's confidence intervals treat buckets as
    /// its independent samples (every user's traffic falls in one bucket).
    public static let buckets = 128
    public static let maximumArms = 16
    public static let maximumWeight: Int64 = 1_000_000
    public static let maximumPlacements = 1_000

    public init(id: ExperimentID, status: ExperimentStatus = .running, placements: [PlacementID] = [], arms: [ExperimentArm]) {
        self.id = id
        self.status = status
        self.placements = placements
        self.arms = arms
    }

    /// Whether the experiment splits auctions of `placement`.
    public func covers(_ placement: PlacementID) -> Bool { placements.isEmpty || placements.contains(placement) }

    /// Whether two experiments would both split some placement.
    public func overlaps(_ other: Experiment) -> Bool {
        placements.isEmpty || other.placements.isEmpty || placements.contains { other.placements.contains($0) }
    }

    /// The arm and bucket of the unit `unitID` (a user id, or a request id when the
    /// request has none): FNV-1a of `experiment id, NUL, unit id`, mixed by SplitMix64;
    /// the arm from the value modulo the total weight, the bucket from its other half.
    public func assignment(unitID: String) -> ExperimentTag {
        var hasher = FNV1a()
        hasher.add(id.rawValue)
        hasher.add(0)
        hasher.add(unitID)
        let mixed = SplitMix64.mix(hasher.value)
        let total = UInt64(arms.reduce(0) { $0 + $1.weight })
        var point = Int64((mixed >> 32) % max(total, 1))
        var chosen = arms.count - 1
        for (index, arm) in arms.enumerated() {
            if point < arm.weight {
                chosen = index
                break
            }
            point -= arm.weight
        }
        let bucket = Int((mixed & 0xFFFF_FFFF) % UInt64(Self.buckets))
        return ExperimentTag(experimentID: id, arm: arms[chosen].name, bucket: bucket)
    }

    /// The first problem with the experiment's fields, naming the field, or nil.
    public func validate() -> (field: String, message: String)? {
        guard arms.count >= 2 else { return ("arms", "needs at least two arms (the first is the baseline)") }
        guard arms.count <= Self.maximumArms else { return ("arms", "at most \(Self.maximumArms) arms") }
        guard placements.count <= Self.maximumPlacements else { return ("placements", "at most \(Self.maximumPlacements)") }
        var names = Set<ArmName>()
        for (index, arm) in arms.enumerated() {
            let field = "arms[\(index)]"
            guard names.insert(arm.name).inserted else { return ("\(field).name", "'\(arm.name)' appears twice") }
            guard (1...Self.maximumWeight).contains(arm.weight) else {
                return ("\(field).weight", "must be a whole number from 1 to \(Self.maximumWeight)")
            }
            if let floor = arm.minimumFloor, !(0...Micros.maximumBid.value).contains(floor.value) {
                return ("\(field).minimum_floor_micros", "must be between 0 and \(Micros.maximumBid.value)")
            }
            if let increment = arm.increment, !(0...Micros.maximumBid.value).contains(increment.value) {
                return ("\(field).increment_micros", "must be between 0 and \(Micros.maximumBid.value)")
            }
            if let multiplier = arm.floorMultiplierPPM, !(0...ExperimentArm.maximumMultiplierPPM).contains(multiplier) {
                return ("\(field).floor_multiplier_ppm", "must be between 0 and \(ExperimentArm.maximumMultiplierPPM)")
            }
        }
        return nil
    }
}

/// Whether an experiment still splits traffic.
public enum ExperimentStatus: String, Hashable, Sendable, CaseIterable {
    case running, stopped
}

/// One arm: its share of units and the auction parameters it overrides (nil: as configured).
public struct ExperimentArm: Hashable, Sendable {
    public static let maximumMultiplierPPM: Int64 = 100_000_000

    public var name: ArmName
    public var weight: Int64
    public var minimumFloor: Micros?
    public var increment: Micros?
    /// Applied to the placement's configured floor and the request's floor, in parts
    /// per million (1_200_000 = ×1.2), the product rounded down to the micro.
    public var floorMultiplierPPM: Int64?

    public init(name: ArmName, weight: Int64, minimumFloor: Micros? = nil, increment: Micros? = nil, floorMultiplierPPM: Int64? = nil) {
        self.name = name
        self.weight = weight
        self.minimumFloor = minimumFloor
        self.increment = increment
        self.floorMultiplierPPM = floorMultiplierPPM
    }

    /// `rules` with this arm's overrides.
    public func applied(to rules: AuctionRules) -> AuctionRules {
        var rules = rules
        if let minimumFloor { rules.minimumFloor = minimumFloor }
        if let increment { rules.increment = increment }
        if let floorMultiplierPPM { rules.floorMultiplierPPM = floorMultiplierPPM }
        return rules
    }
}

/// Which experiment and arm an auction ran under, and the unit's bucket: carried by the
/// sold ad into its beacon token and its ledger records.
public struct ExperimentTag: Hashable, Sendable {
    public var experimentID: ExperimentID
    public var arm: ArmName
    /// 0 ..< `Experiment.buckets`.
    public var bucket: Int

    public init(experimentID: ExperimentID, arm: ArmName, bucket: Int) {
        self.experimentID = experimentID
        self.arm = arm
        self.bucket = bucket
    }
}

/// The running experiments an auction consults, by placement: at most one per placement.
public struct ExperimentPlan: Hashable, Sendable {
    private var byPlacement: [PlacementID: Experiment] = [:]
    private var everywhere: Experiment?

    /// Running experiments only; of two that overlap (refused when created), the first wins.
    public init(_ experiments: [Experiment] = []) {
        for experiment in experiments where experiment.status == .running {
            if experiment.placements.isEmpty {
                if everywhere == nil, byPlacement.isEmpty { everywhere = experiment }
            } else if everywhere == nil {
                for placement in experiment.placements where byPlacement[placement] == nil { byPlacement[placement] = experiment }
            }
        }
    }

    public var isEmpty: Bool { everywhere == nil && byPlacement.isEmpty }

    /// The experiment splitting `placement`'s auctions, if any.
    public func experiment(for placement: PlacementID) -> Experiment? { everywhere ?? byPlacement[placement] }

    /// Every experiment in the plan.
    public var experiments: [Experiment] {
        var seen = Set<ExperimentID>()
        return ([everywhere].compactMap { $0 } + byPlacement.values.sorted { $0.id < $1.id }).filter { seen.insert($0.id).inserted }
    }
}
