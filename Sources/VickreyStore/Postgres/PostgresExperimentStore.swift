import Logging
import PostgresNIO
import VickreyCore

/// Experiments on PostgreSQL: the same tables, rules and errors as
/// `SQLiteExperimentStore`, shared by a fleet. Creation takes a transaction-scoped
/// advisory lock so that two concurrent creations cannot both pass the overlap check.
public final class PostgresExperimentStore: ExperimentStore {
    let database: PostgresDatabase
    private var logger: Logger { database.logger }
    private static let creationLock: Int64 = 0x5669_636b_4578_7001

    init(_ database: PostgresDatabase) { self.database = database }

    public func create(_ experiment: Experiment, at time: Instant) async throws(StoreError) {
        try StoreError.check(experiment)
        let actor = AuditActor.current
        try await database.transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.creationLock))", logger: self.logger)
            let existing = try await connection.all(
                "SELECT id FROM experiment WHERE id = \(experiment.id.rawValue)", as: String.self, logger: self.logger)
            guard existing.isEmpty else { throw StoreError.experimentExists(experiment.id) }
            try StoreError.checkOverlap(experiment, running: try await self.load(connection, status: "running").map(\.experiment))
            try await connection.query(
                """
                INSERT INTO experiment (id, status, placements, created_at_ms)
                VALUES (\(experiment.id.rawValue), 'running', \(ExperimentRows.placementsText(experiment)), \(time.millisecondsSinceEpoch))
                """, logger: self.logger)
            for (position, arm) in experiment.arms.enumerated() {
                try await connection.query(
                    """
                    INSERT INTO experiment_arm (experiment_id, position, name, weight, minimum_floor_micros, increment_micros,
                                                floor_multiplier_ppm)
                    VALUES (\(experiment.id.rawValue), \(Int64(position)), \(arm.name.rawValue), \(arm.weight), \(arm.minimumFloor?.value),
                            \(arm.increment?.value), \(arm.floorMultiplierPPM))
                    """, logger: self.logger)
            }
            _ = try await PostgresDatabase.bumpRevision(connection, logger: self.logger)
            try await PostgresAuditStore.record(.experimentCreated(experiment), by: actor, connection, logger: self.logger)
        }
    }

    public func experiments() async throws(StoreError) -> [StoredExperiment] {
        try await database.transaction(repeatableRead: true) { connection in try await self.load(connection) }
    }

    public func experiment(_ id: ExperimentID) async throws(StoreError) -> StoredExperiment? {
        try await database.transaction(repeatableRead: true) { connection in try await self.load(connection, id: id).first }
    }

    public func stop(_ id: ExperimentID, at time: Instant) async throws(StoreError) {
        let actor = AuditActor.current
        try await database.transaction { connection in
            let status = try await connection.all(
                "SELECT status FROM experiment WHERE id = \(id.rawValue) FOR UPDATE", as: String.self, logger: self.logger)
            guard let current = status.first else { throw StoreError.experimentNotFound(id) }
            guard current == "running" else { throw StoreError.experimentStopped(id) }
            try await connection.query(
                "UPDATE experiment SET status = 'stopped', stopped_at_ms = \(time.millisecondsSinceEpoch) WHERE id = \(id.rawValue)",
                logger: self.logger)
            _ = try await PostgresDatabase.bumpRevision(connection, logger: self.logger)
            try await PostgresAuditStore.record(.experimentStopped(id), by: actor, connection, logger: self.logger)
        }
    }

    public func addTallies(_ tallies: [ArmTally]) async throws(StoreError) {
        guard !tallies.isEmpty else { return }
        _ = try await database.transaction { connection in
            try await connection.query(
                """
                INSERT INTO experiment_tally (experiment_id, arm, bucket, auctions, fills)
                SELECT * FROM unnest(\(tallies.map(\.experimentID.rawValue))::text[], \(tallies.map(\.arm.rawValue))::text[],
                                     \(tallies.map { Int64($0.bucket) })::bigint[], \(tallies.map(\.auctions))::bigint[],
                                     \(tallies.map(\.fills))::bigint[])
                ON CONFLICT (experiment_id, arm, bucket) DO UPDATE
                SET auctions = experiment_tally.auctions + excluded.auctions, fills = experiment_tally.fills + excluded.fills
                """, logger: self.logger)
        }
    }

    public func tallies(_ id: ExperimentID) async throws(StoreError) -> [ArmTally] {
        try await database.transaction { connection in
            try await connection.all(
                """
                SELECT arm, bucket, auctions, fills FROM experiment_tally WHERE experiment_id = \(id.rawValue)
                ORDER BY arm COLLATE "C", bucket
                """, as: (String, Int64, Int64, Int64).self, logger: self.logger
            ).map { ArmTally(experimentID: id, arm: ArmName(unchecked: $0.0), bucket: Int($0.1), auctions: $0.2, fills: $0.3) }
        }
    }

    public func delivery(_ id: ExperimentID) async throws(StoreError) -> [ArmDelivery] {
        try await database.transaction { connection in
            try await connection.all(
                """
                SELECT arm, unit_bucket, count(*) FILTER (WHERE kind = 'impression'), count(*) FILTER (WHERE kind = 'click'),
                       SUM(charge_nanos)::bigint
                FROM ledger WHERE experiment = \(id.rawValue) GROUP BY arm, unit_bucket ORDER BY arm COLLATE "C", unit_bucket
                """, as: (String, Int64, Int64, Int64, Int64).self, logger: self.logger
            ).map { ArmDelivery(arm: ArmName(unchecked: $0.0), bucket: Int($0.1), impressions: $0.2, clicks: $0.3, revenue: Nanos($0.4)) }
        }
    }

    private func load(_ connection: PostgresConnection, status: String? = nil, id: ExperimentID? = nil) async throws -> [StoredExperiment] {
        let rows = try await connection.all(
            """
            SELECT id, status, placements, created_at_ms, stopped_at_ms FROM experiment
            WHERE (\(status)::text IS NULL OR status = \(status)) AND (\(id?.rawValue)::text IS NULL OR id = \(id?.rawValue))
            ORDER BY created_at_ms, id COLLATE "C"
            """, as: (String, String, String, Int64, Int64?).self, logger: logger)
        var experiments: [StoredExperiment] = []
        for row in rows {
            let arms = try await connection.all(
                """
                SELECT name, weight, minimum_floor_micros, increment_micros, floor_multiplier_ppm
                FROM experiment_arm WHERE experiment_id = \(row.0) ORDER BY position
                """, as: (String, Int64, Int64?, Int64?, Int64?).self, logger: logger
            ).map {
                ExperimentArm(
                    name: ArmName(unchecked: $0.0), weight: $0.1, minimumFloor: $0.2.map(Micros.init), increment: $0.3.map(Micros.init),
                    floorMultiplierPPM: $0.4)
            }
            experiments.append(
                StoredExperiment(
                    experiment: Experiment(
                        id: ExperimentID(unchecked: row.0), status: ExperimentStatus(rawValue: row.1) ?? .stopped,
                        placements: ExperimentRows.placements(row.2), arms: arms),
                    createdAt: Instant(millisecondsSinceEpoch: row.3), stoppedAt: row.4.map(Instant.init(millisecondsSinceEpoch:))))
        }
        return experiments
    }
}
