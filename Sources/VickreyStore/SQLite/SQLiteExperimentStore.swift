import GRDB
import VickreyCore

/// Experiments in the SQLite file: `experiment` and `experiment_arm` rows, durable
/// per-bucket counts in `experiment_tally`, and the ledger's sums by arm and bucket.
public final class SQLiteExperimentStore: ExperimentStore {
    let store: SQLiteCampaignStore

    public init(_ store: SQLiteCampaignStore) { self.store = store }

    public func create(_ experiment: Experiment, at time: Instant) throws(StoreError) {
        try StoreError.check(experiment)
        let actor = AuditActor.current
        try store.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM experiment WHERE id = ?", arguments: [experiment.id.rawValue]) != true else {
                throw StoreError.experimentExists(experiment.id)
            }
            try StoreError.checkOverlap(experiment, running: try Self.load(db, where: "status = 'running'").map(\.experiment))
            try db.execute(
                sql: "INSERT INTO experiment (id, status, placements, created_at_ms) VALUES (?, 'running', ?, ?)",
                arguments: [experiment.id.rawValue, ExperimentRows.placementsText(experiment), time.millisecondsSinceEpoch])
            for (position, arm) in experiment.arms.enumerated() {
                try db.execute(
                    sql: """
                        INSERT INTO experiment_arm (experiment_id, position, name, weight, minimum_floor_micros, increment_micros,
                                                    floor_multiplier_ppm)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        experiment.id.rawValue, position, arm.name.rawValue, arm.weight, arm.minimumFloor?.value, arm.increment?.value,
                        arm.floorMultiplierPPM,
                    ])
            }
            _ = try store.bumpRevision(db)
            try SQLiteAuditStore.record(.experimentCreated(experiment), by: actor, db)
        }
    }

    public func experiments() throws(StoreError) -> [StoredExperiment] {
        try store.read { db in try Self.load(db, where: "1") }
    }

    public func experiment(_ id: ExperimentID) throws(StoreError) -> StoredExperiment? {
        try store.read { db in try Self.load(db, where: "id = ?", [id.rawValue]).first }
    }

    public func stop(_ id: ExperimentID, at time: Instant) throws(StoreError) {
        let actor = AuditActor.current
        try store.write { db in
            guard let status = try String.fetchOne(db, sql: "SELECT status FROM experiment WHERE id = ?", arguments: [id.rawValue]) else {
                throw StoreError.experimentNotFound(id)
            }
            guard status == "running" else { throw StoreError.experimentStopped(id) }
            try db.execute(
                sql: "UPDATE experiment SET status = 'stopped', stopped_at_ms = ? WHERE id = ?",
                arguments: [time.millisecondsSinceEpoch, id.rawValue])
            _ = try store.bumpRevision(db)
            try SQLiteAuditStore.record(.experimentStopped(id), by: actor, db)
        }
    }

    public func addTallies(_ tallies: [ArmTally]) throws(StoreError) {
        guard !tallies.isEmpty else { return }
        try store.write { db in
            let upsert = try db.cachedStatement(
                sql: """
                    INSERT INTO experiment_tally (experiment_id, arm, bucket, auctions, fills) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (experiment_id, arm, bucket) DO UPDATE
                    SET auctions = auctions + excluded.auctions, fills = fills + excluded.fills
                    """)
            for tally in tallies {
                try upsert.execute(arguments: [
                    tally.experimentID.rawValue, tally.arm.rawValue, tally.bucket, tally.auctions, tally.fills,
                ])
            }
        }
    }

    public func tallies(_ id: ExperimentID) throws(StoreError) -> [ArmTally] {
        try store.read { db in
            try Row.fetchAll(
                db, sql: "SELECT arm, bucket, auctions, fills FROM experiment_tally WHERE experiment_id = ? ORDER BY arm, bucket",
                arguments: [id.rawValue]
            ).map { ArmTally(experimentID: id, arm: ArmName(unchecked: $0[0]), bucket: $0[1], auctions: $0[2], fills: $0[3]) }
        }
    }

    public func delivery(_ id: ExperimentID) throws(StoreError) -> [ArmDelivery] {
        try store.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT arm, unit_bucket, SUM(kind = 'impression'), SUM(kind = 'click'), SUM(charge_nanos)
                    FROM ledger WHERE experiment = ? GROUP BY arm, unit_bucket ORDER BY arm, unit_bucket
                    """, arguments: [id.rawValue]
            ).map {
                ArmDelivery(arm: ArmName(unchecked: $0[0]), bucket: $0[1], impressions: $0[2], clicks: $0[3], revenue: Nanos($0[4]))
            }
        }
    }

    private static func load(_ db: Database, where condition: String, _ arguments: StatementArguments = []) throws -> [StoredExperiment] {
        let rows = try Row.fetchAll(
            db,
            sql:
                "SELECT id, status, placements, created_at_ms, stopped_at_ms FROM experiment WHERE \(condition) ORDER BY created_at_ms, id",
            arguments: arguments)
        return try rows.map { row in
            let id: String = row[0]
            let arms = try Row.fetchAll(
                db,
                sql: """
                    SELECT name, weight, minimum_floor_micros, increment_micros, floor_multiplier_ppm
                    FROM experiment_arm WHERE experiment_id = ? ORDER BY position
                    """, arguments: [id]
            ).map { arm in
                ExperimentArm(
                    name: ArmName(unchecked: arm[0]), weight: arm[1], minimumFloor: (arm[2] as Int64?).map(Micros.init),
                    increment: (arm[3] as Int64?).map(Micros.init), floorMultiplierPPM: arm[4])
            }
            let experiment = Experiment(
                id: ExperimentID(unchecked: id), status: ExperimentStatus(rawValue: row[1]) ?? .stopped,
                placements: ExperimentRows.placements(row[2]), arms: arms)
            return StoredExperiment(
                experiment: experiment, createdAt: Instant(millisecondsSinceEpoch: row[3]),
                stoppedAt: (row[4] as Int64?).map(Instant.init(millisecondsSinceEpoch:)))
        }
    }
}
