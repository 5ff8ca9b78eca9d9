import Logging
import PostgresNIO
import VickreyCore

/// Budget leases on PostgreSQL (`budget_pool`, `budget_lease`; see `BudgetLeaseStore` for
/// the rule every transaction keeps). A pool's `committed` is what the ledger held when
/// the pool started plus every lease's spend and unspent remainder: a grant adds to it
/// only within the budget, a hand-back or a reap takes the remainder off it, and a charge
/// moves money from a lease's remainder to its spend without touching the pool, so
/// servers' ledger appends never wait on each other's pool rows. Times are the database's
/// clock, so servers' clocks never decide whether a lease has expired.
final class PostgresBudgetLeases: BudgetLeaseStore {
    let database: PostgresDatabase
    private var logger: Logger { database.logger }

    init(_ database: PostgresDatabase) { self.database = database }

    /// How far back, before the last settle, a settle reads releases again: an append's
    /// rows carry the time of the insert, and it may commit a little later.
    static let releaseOverlapMilliseconds: Int64 = 3_000

    func settle(_ requests: [LeaseRequest], serverID: String, ttlSeconds: Int64, releasesSince: Int64?) async throws(StoreError)
        -> LeaseSettleResult
    {
        try await retryingDeadlocks { () async throws(StoreError) in
            try await self.database.transaction { connection in
                try await self.settle(requests, serverID: serverID, ttlSeconds: ttlSeconds, releasesSince: releasesSince, connection)
            }
        }
    }

    private func settle(
        _ requests: [LeaseRequest], serverID: String, ttlSeconds: Int64, releasesSince: Int64?, _ connection: PostgresConnection
    ) async throws -> LeaseSettleResult {
        let now = try await PostgresLeaseSQL.now(connection, logger: logger)
        let expiresAt = now + ttlSeconds * 1000
        var grants: [LeaseGrant] = []
        let wanted = Dictionary(requests.map { (PoolKey($0.campaignID, $0.period), $0) }, uniquingKeysWith: { _, last in last })
        if !wanted.isEmpty {
            // Only pools whose leases change are started and locked; a zero change asks
            // for the fleet's figures alone (read without a lock).
            let changing = wanted.keys.sorted().filter { wanted[$0]!.change != .zero }
            if !changing.isEmpty {
                try await startPools(changing.map { wanted[$0]! }, connection)
                try await PostgresLeaseSQL.lockPools(changing, connection, logger: logger)
                // Other servers' expired leases go back to their pools first.
                try await Self.zero(changing, server: .allBut(serverID), expiredBefore: now, connection, logger: logger)
            }
            let all = Array(wanted.keys)
            var changes: [(PoolKey, Int64)] = []
            for figure in try await Self.figures(all, serverID: serverID, now: now, connection, logger: logger) {
                guard let request = wanted[figure.key] else { continue }
                var change = Nanos.zero
                if request.change > .zero, let budget = figure.budget {
                    change = LeasePolicy.grant(
                        wanted: request.change, minimum: request.minimum, available: budget - figure.committed,
                        otherHolders: figure.otherHolders)
                } else if request.change < .zero {
                    change = max(request.change, Nanos.zero - figure.held)
                }
                if change != .zero { changes.append((figure.key, change.value)) }
                grants.append(
                    LeaseGrant(
                        campaignID: figure.key.campaign, period: figure.key.period, change: change, held: figure.held + change,
                        budget: figure.budget, fleetSpent: figure.spent, outstanding: figure.outstanding + change))
            }
            if !changes.isEmpty { try await apply(changes, serverID: serverID, connection) }
        }
        // Renew every lease this server holds: one row.
        try await connection.query(
            """
            INSERT INTO lease_holder (server_id, expires_at_ms) VALUES (\(serverID), \(expiresAt))
            ON CONFLICT (server_id) DO UPDATE SET expires_at_ms = EXCLUDED.expires_at_ms
            """, logger: logger)
        var releases: [(campaign: CampaignID, reservation: UInt64)] = []
        if let releasesSince {
            releases = try await connection.all(
                """
                SELECT campaign_id, reservation_id FROM reservation_release
                WHERE recorded_at_ms >= \(releasesSince - Self.releaseOverlapMilliseconds) AND server_id <> \(serverID)
                """, as: (String, Int64).self, logger: logger
            ).map { (CampaignID(unchecked: $0.0), UInt64(bitPattern: $0.1)) }
        }
        return LeaseSettleResult(
            grants: grants.sorted { PoolKey($0.campaignID, $0.period) < PoolKey($1.campaignID, $1.period) }, releases: releases,
            databaseTime: now)
    }

    /// Starts the pools that do not exist yet from what the ledger already holds against
    /// their budgets (a campaign that spent before leases, or on a SQLite-era ledger).
    private func startPools(_ requests: [LeaseRequest], _ connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO budget_pool (campaign_id, period, committed_nanos, spent_before_nanos)
            SELECT r.c, r.p, s.spent, s.spent FROM unnest(
                \(requests.map(\.campaignID.rawValue))::text[], \(requests.map(\.period.code))::bigint[],
                \(requests.map(\.dayStart))::bigint[], \(requests.map(\.dayEnd))::bigint[]) AS r(c, p, s, e)
            CROSS JOIN LATERAL (
                SELECT COALESCE(SUM(l.charge_nanos), 0)::bigint AS spent FROM ledger l WHERE l.billed AND l.campaign_id = r.c
                AND (r.p < 0 OR (l.event_time_ms >= r.s AND l.event_time_ms < r.e))) AS s
            WHERE NOT EXISTS (SELECT 1 FROM budget_pool b WHERE b.campaign_id = r.c AND b.period = r.p)
            ON CONFLICT DO NOTHING
            """, logger: logger)
    }

    /// Adds each change to this server's lease (creating it for a grant) and to its pool.
    private func apply(_ changes: [(PoolKey, Int64)], serverID: String, _ connection: PostgresConnection) async throws {
        try await connection.query(
            PostgresLeaseSQL.moveQuery(
                serverID: serverID, keys: changes.map(\.0), remaining: changes.map(\.1), spent: changes.map { _ in 0 },
                committed: changes.map(\.1)), logger: logger)
    }

    /// Whose leases `zero` takes back.
    enum Holders {
        case all
        case only(String)
        case allBut(String)
    }

    /// Sets to zero the remainders of the leases on `keys` held by `holders` (and expired
    /// before `expiredBefore`, when given), taking what they held off their pools; the
    /// pools must be locked. Returns what was taken back.
    @discardableResult
    static func zero(
        _ keys: [PoolKey], server holders: Holders, expiredBefore: Int64? = nil, _ connection: PostgresConnection, logger: Logger
    ) async throws -> Nanos {
        guard !keys.isEmpty else { return .zero }
        var binds = PostgresBindings(capacity: 5)
        binds.append(keys.map(\.campaign.rawValue))
        binds.append(keys.map(\.period.code))
        switch holders {
        case .all:
            binds.appendNull()
            binds.append(true)
        case .only(let server):
            binds.append(server)
            binds.append(true)
        case .allBut(let server):
            binds.append(server)
            binds.append(false)
        }
        if let expiredBefore { binds.append(expiredBefore) } else { binds.appendNull() }
        let freed = try await connection.all(
            PostgresQuery(
                unsafeSQL: """
                    WITH r AS (SELECT * FROM unnest($1::text[], $2::bigint[]) AS r(c, p)),
                    old AS (
                        SELECT l.campaign_id, l.period, l.server_id, l.remaining_nanos FROM budget_lease l
                        JOIN r ON l.campaign_id = r.c AND l.period = r.p
                        LEFT JOIN lease_holder h ON h.server_id = l.server_id
                        WHERE l.remaining_nanos > 0 AND ($3::text IS NULL OR (l.server_id = $3) = $4)
                          AND ($5::bigint IS NULL OR COALESCE(h.expires_at_ms, 0) < $5)
                        FOR UPDATE OF l
                    ),
                    zeroed AS (
                        UPDATE budget_lease l SET remaining_nanos = 0 FROM old
                        WHERE l.campaign_id = old.campaign_id AND l.period = old.period AND l.server_id = old.server_id
                        RETURNING old.campaign_id, old.period, old.remaining_nanos
                    ),
                    freed AS (SELECT campaign_id, period, SUM(remaining_nanos)::bigint AS amount FROM zeroed GROUP BY campaign_id, period),
                    pools AS (
                        UPDATE budget_pool b SET committed_nanos = b.committed_nanos - freed.amount FROM freed
                        WHERE b.campaign_id = freed.campaign_id AND b.period = freed.period
                    )
                    SELECT COALESCE(SUM(amount), 0)::bigint FROM freed
                    """,
                binds: binds), as: Int64.self, logger: logger)
        return Nanos(freed.first ?? 0)
    }

    /// One pool's figures as a settle reads them.
    struct Figure {
        var key: PoolKey
        var budget: Nanos?
        var committed: Nanos
        /// The fleet's spend: before the pool, plus every lease's.
        var spent: Nanos
        var outstanding: Nanos
        /// This server's unspent lease.
        var held: Nanos
        /// Other live servers leasing this budget (renewed within the TTL, whether or not
        /// anything is left of their lease): the ones a low pool is shared with.
        var otherHolders: Int
    }

    static func figures(
        _ keys: [PoolKey], serverID: String, now: Int64, _ connection: PostgresConnection, logger: Logger
    ) async throws -> [Figure] {
        try await connection.all(
            """
            SELECT r.c, r.p, \(unescaped: PostgresLeaseSQL.lifetimeNanos), c.daily_budget_micros, COALESCE(b.committed_nanos, 0),
                   COALESCE(b.spent_before_nanos, 0) + COALESCE(SUM(l.spent_nanos), 0)::bigint,
                   COALESCE(SUM(l.remaining_nanos), 0)::bigint,
                   COALESCE(SUM(l.remaining_nanos) FILTER (WHERE l.server_id = \(serverID)), 0)::bigint,
                   COUNT(l.server_id) FILTER (WHERE l.server_id <> \(serverID) AND h.expires_at_ms >= \(now))
            FROM unnest(\(keys.map(\.campaign.rawValue))::text[], \(keys.map(\.period.code))::bigint[]) AS r(c, p)
            LEFT JOIN campaign c ON c.id = r.c
            LEFT JOIN budget_pool b ON b.campaign_id = r.c AND b.period = r.p
            LEFT JOIN budget_lease l ON l.campaign_id = r.c AND l.period = r.p
            LEFT JOIN lease_holder h ON h.server_id = l.server_id
            GROUP BY r.c, r.p, c.total_budget_micros, c.spend_cap_nanos, c.daily_budget_micros, b.committed_nanos, b.spent_before_nanos
            """, as: (String, Int64, Int64?, Int64?, Int64, Int64, Int64, Int64, Int64).self, logger: logger
        ).map { row in
            let key = PoolKey(CampaignID(unchecked: row.0), BudgetPeriod(code: row.1))
            return Figure(
                key: key, budget: PostgresLeaseSQL.budget(key.period, total: row.2, daily: row.3), committed: Nanos(row.4),
                spent: Nanos(row.5),
                outstanding: Nanos(row.6), held: Nanos(row.7), otherHolders: Int(row.8))
        }
    }

    /// This server's leases' keys, in lock order.
    private func keys(of serverID: String?, expiredBefore: Int64?, _ connection: PostgresConnection) async throws -> [PoolKey] {
        try await connection.all(
            """
            SELECT DISTINCT l.campaign_id, l.period FROM budget_lease l LEFT JOIN lease_holder h ON h.server_id = l.server_id
            WHERE l.remaining_nanos > 0 AND (\(serverID)::text IS NULL OR l.server_id = \(serverID))
              AND (\(expiredBefore)::bigint IS NULL OR COALESCE(h.expires_at_ms, 0) < \(expiredBefore))
            """, as: (String, Int64).self, logger: logger
        ).map { PoolKey(CampaignID(unchecked: $0.0), BudgetPeriod(code: $0.1)) }.sorted()
    }

    func release(serverID: String) async throws(StoreError) -> Nanos {
        try await retryingDeadlocks { () async throws(StoreError) in
            try await self.database.transaction { connection in
                let keys = try await self.keys(of: serverID, expiredBefore: nil, connection)
                try await PostgresLeaseSQL.lockPools(keys, connection, logger: self.logger)
                return try await Self.zero(keys, server: .only(serverID), connection, logger: self.logger)
            }
        }
    }

    func reapExpired() async throws(StoreError) -> Int {
        try await retryingDeadlocks { () async throws(StoreError) in
            try await self.database.transaction { connection in
                let now = try await PostgresLeaseSQL.now(connection, logger: self.logger)
                // Releases matter for a settle's overlap only; budget days three days past, never.
                try await connection.query("DELETE FROM reservation_release WHERE recorded_at_ms < \(now - 120_000)", logger: self.logger)
                try await connection.query(
                    "DELETE FROM budget_pool WHERE period >= 0 AND period < \(now / 86_400_000 - 3)", logger: self.logger)
                let keys = try await self.keys(of: nil, expiredBefore: now, connection)
                try await PostgresLeaseSQL.lockPools(keys, connection, logger: self.logger)
                try await Self.zero(keys, server: .all, expiredBefore: now, connection, logger: self.logger)
                return keys.count
            }
        }
    }

    func pools(campaign: CampaignID?) async throws(StoreError) -> [BudgetPoolState] {
        try await database.transaction(repeatableRead: true) { connection in
            let now = try await PostgresLeaseSQL.now(connection, logger: self.logger)
            let filter = campaign?.rawValue
            let pools = try await connection.all(
                """
                SELECT b.campaign_id, b.period, b.spent_before_nanos, \(unescaped: PostgresLeaseSQL.lifetimeNanos), c.daily_budget_micros,
                       b.committed_nanos
                FROM budget_pool b LEFT JOIN campaign c ON c.id = b.campaign_id
                WHERE \(filter)::text IS NULL OR b.campaign_id = \(filter)
                ORDER BY b.campaign_id COLLATE "C", b.period
                """, as: (String, Int64, Int64, Int64?, Int64?, Int64).self, logger: self.logger)
            var leases: [PoolKey: [ServerLease]] = [:]
            var spent: [PoolKey: Nanos] = [:]
            for row in try await connection.all(
                """
                SELECT l.campaign_id, l.period, l.server_id, l.remaining_nanos, l.spent_nanos, COALESCE(h.expires_at_ms, 0)
                FROM budget_lease l LEFT JOIN lease_holder h ON h.server_id = l.server_id
                WHERE \(filter)::text IS NULL OR l.campaign_id = \(filter)
                ORDER BY l.server_id COLLATE "C"
                """, as: (String, Int64, String, Int64, Int64, Int64).self, logger: self.logger)
            {
                let key = PoolKey(CampaignID(unchecked: row.0), BudgetPeriod(code: row.1))
                spent[key, default: .zero] += Nanos(row.4)
                leases[key, default: []].append(
                    ServerLease(
                        serverID: row.2, remaining: Nanos(row.3), expiresAt: Instant(millisecondsSinceEpoch: row.5), expired: row.5 < now))
            }
            return pools.map { row in
                let key = PoolKey(CampaignID(unchecked: row.0), BudgetPeriod(code: row.1))
                return BudgetPoolState(
                    campaignID: key.campaign, period: key.period, budget: PostgresLeaseSQL.budget(key.period, total: row.3, daily: row.4),
                    spent: Nanos(row.2) + (spent[key] ?? .zero), committed: Nanos(row.5), leases: leases[key] ?? [])
            }
        }
    }

    /// Runs `body` again (up to five times) when PostgreSQL picked it as a deadlock's victim:
    /// it was rolled back whole.
    private func retryingDeadlocks<T>(_ body: () async throws(StoreError) -> T) async throws(StoreError) -> T {
        var attempt = 0
        while true {
            attempt += 1
            do { return try await body() } catch  where attempt < 5 && error.underlying?.sqlState == "40P01" { continue }
        }
    }
}
