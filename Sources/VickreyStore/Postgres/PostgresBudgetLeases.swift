import Logging
import PostgresNIO
import VickreyCore

/// Budget leases on PostgreSQL (`budget_pool`, `budget_lease`; see `BudgetLeaseStore` for
/// the rule every transaction keeps). Times are the database's clock, so servers' clocks
/// never decide whether a lease has expired.
final class PostgresBudgetLeases: BudgetLeaseStore {
    let database: PostgresDatabase
    private var logger: Logger { database.logger }

    init(_ database: PostgresDatabase) { self.database = database }

    /// The database's clock in milliseconds, read inside the transaction (not its start time).
    static let nowSQL = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint"

    /// How far back, before the last settle, a settle reads releases again: an append's
    /// rows carry the time of the insert, and it may commit a little later.
    static let releaseOverlapMilliseconds: Int64 = 3_000

    func settle(_ requests: [LeaseRequest], serverID: String, ttlSeconds: Int64, releasesSince: Int64?) async throws(StoreError)
        -> LeaseSettleResult
    {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await database.transaction { connection in
                    try await self.settle(requests, serverID: serverID, ttlSeconds: ttlSeconds, releasesSince: releasesSince, connection)
                }
            } catch let error where attempt < 5 && error.underlying?.sqlState == "40P01" {
                continue  // a deadlock with a cleanup of expired rows: nothing was written
            }
        }
    }

    private func settle(
        _ requests: [LeaseRequest], serverID: String, ttlSeconds: Int64, releasesSince: Int64?, _ connection: PostgresConnection
    ) async throws -> LeaseSettleResult {
        let now = try await connection.all(PostgresQuery(unsafeSQL: "SELECT \(Self.nowSQL)"), as: Int64.self, logger: logger)[0]
        let expiresAt = now + ttlSeconds * 1000
        var grants: [LeaseGrant] = []
        let wanted = Dictionary(requests.map { (PoolKey($0.campaignID, $0.period), $0) }, uniquingKeysWith: { _, last in last })
        if !wanted.isEmpty {
            let keys = wanted.keys.sorted()
            let campaigns = keys.map(\.campaign.rawValue)
            let periods = keys.map(\.period.code)
            // A pool starts from what the ledger already holds against that budget.
            try await connection.query(
                """
                INSERT INTO budget_pool (campaign_id, period, spent_nanos)
                SELECT r.c, r.p, COALESCE((
                    SELECT SUM(l.charge_nanos) FROM ledger l WHERE l.billed AND l.campaign_id = r.c
                    AND (r.p < 0 OR (l.event_time_ms >= r.s AND l.event_time_ms < r.e))), 0)::bigint
                FROM unnest(\(campaigns)::text[], \(periods)::bigint[], \(keys.map { wanted[$0]!.dayStart })::bigint[],
                            \(keys.map { wanted[$0]!.dayEnd })::bigint[]) AS r(c, p, s, e)
                WHERE NOT EXISTS (SELECT 1 FROM budget_pool b WHERE b.campaign_id = r.c AND b.period = r.p)
                ON CONFLICT DO NOTHING
                """, logger: logger)
            let spent = try await Self.lockPools(campaigns: campaigns, periods: periods, connection, logger: logger)
            try await connection.query(
                """
                UPDATE budget_lease l SET remaining_nanos = 0
                FROM unnest(\(campaigns)::text[], \(periods)::bigint[]) AS r(c, p)
                WHERE l.campaign_id = r.c AND l.period = r.p AND l.server_id <> \(serverID)
                  AND l.expires_at_ms < \(now) AND l.remaining_nanos > 0
                """, logger: logger)
            let figures = try await connection.all(
                """
                SELECT r.c, r.p, c.total_budget_micros, c.daily_budget_micros,
                       COALESCE(SUM(l.remaining_nanos), 0)::bigint,
                       COALESCE(SUM(l.remaining_nanos) FILTER (WHERE l.server_id = \(serverID)), 0)::bigint,
                       COUNT(l.server_id) FILTER (WHERE l.server_id <> \(serverID) AND l.remaining_nanos > 0)
                FROM unnest(\(campaigns)::text[], \(periods)::bigint[]) AS r(c, p)
                LEFT JOIN campaign c ON c.id = r.c
                LEFT JOIN budget_lease l ON l.campaign_id = r.c AND l.period = r.p
                GROUP BY r.c, r.p, c.total_budget_micros, c.daily_budget_micros
                """, as: (String, Int64, Int64?, Int64?, Int64, Int64, Int64).self, logger: logger)
            var changes: [(PoolKey, Int64)] = []
            for row in figures {
                let key = PoolKey(CampaignID(unchecked: row.0), BudgetPeriod(code: row.1))
                guard let request = wanted[key] else { continue }
                let budget = Self.budget(key.period, total: row.2, daily: row.3)
                let poolSpent = spent[key] ?? .zero
                let held = Nanos(row.5)
                var change = Nanos.zero
                if request.change > .zero, let budget {
                    let available = budget - poolSpent - Nanos(row.4)
                    change = LeaseGrantRule.grant(
                        wanted: request.change, minimum: request.minimum, available: available, otherHolders: Int(row.6))
                } else if request.change < .zero {
                    change = max(request.change, Nanos.zero - held)
                }
                if change != .zero { changes.append((key, change.value)) }
                grants.append(
                    LeaseGrant(
                        campaignID: key.campaign, period: key.period, change: change, held: held + change, budget: budget,
                        fleetSpent: poolSpent, outstanding: Nanos(row.4) + change))
            }
            if !changes.isEmpty {
                // Existing leases change in place; new ones (only ever a grant) are inserted.
                let updated = Set(
                    try await connection.all(
                        """
                        UPDATE budget_lease l SET remaining_nanos = l.remaining_nanos + r.d, expires_at_ms = \(expiresAt)
                        FROM unnest(\(changes.map(\.0.campaign.rawValue))::text[], \(changes.map(\.0.period.code))::bigint[],
                                    \(changes.map(\.1))::bigint[]) AS r(c, p, d)
                        WHERE l.campaign_id = r.c AND l.period = r.p AND l.server_id = \(serverID)
                        RETURNING l.campaign_id, l.period
                        """, as: (String, Int64).self, logger: logger
                    ).map { PoolKey(CampaignID(unchecked: $0.0), BudgetPeriod(code: $0.1)) })
                let inserted = changes.filter { !updated.contains($0.0) && $0.1 > 0 }
                if !inserted.isEmpty {
                    try await connection.query(
                        """
                        INSERT INTO budget_lease (campaign_id, period, server_id, remaining_nanos, expires_at_ms)
                        SELECT r.c, r.p, \(serverID), r.d, \(expiresAt)
                        FROM unnest(\(inserted.map(\.0.campaign.rawValue))::text[], \(inserted.map(\.0.period.code))::bigint[],
                                    \(inserted.map(\.1))::bigint[]) AS r(c, p, d)
                        """, logger: logger)
                }
            }
        }
        try await connection.query(
            "UPDATE budget_lease SET expires_at_ms = \(expiresAt) WHERE server_id = \(serverID) AND expires_at_ms < \(expiresAt)",
            logger: logger)
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

    /// Locks the pools of `campaigns[i]`/`periods[i]` in (campaign, period) order, the order
    /// every lease and ledger transaction takes them in, and returns their spend.
    static func lockPools(
        campaigns: [String], periods: [Int64], _ connection: PostgresConnection, logger: Logger
    ) async throws -> [PoolKey: Nanos] {
        var spent: [PoolKey: Nanos] = [:]
        for row in try await connection.all(
            """
            SELECT b.campaign_id, b.period, b.spent_nanos FROM budget_pool b
            JOIN unnest(\(campaigns)::text[], \(periods)::bigint[]) AS r(c, p) ON b.campaign_id = r.c AND b.period = r.p
            ORDER BY b.campaign_id COLLATE "C", b.period FOR UPDATE OF b
            """, as: (String, Int64, Int64).self, logger: logger)
        {
            spent[PoolKey(CampaignID(unchecked: row.0), BudgetPeriod(code: row.1))] = Nanos(row.2)
        }
        return spent
    }

    /// A budget in nanos from the campaign row's micros (nil: no such budget or campaign).
    static func budget(_ period: BudgetPeriod, total: Int64?, daily: Int64?) -> Nanos? {
        switch period {
        case .lifetime: total.map { Micros($0).nanos }
        case .day: daily.map { Micros($0).nanos }
        }
    }

    func held(serverID: String) async throws(StoreError) -> [LeaseGrant] {
        try await database.transaction { connection in
            try await connection.all(
                """
                SELECT l.campaign_id, l.period, l.remaining_nanos, b.spent_nanos, c.total_budget_micros, c.daily_budget_micros,
                       (SELECT SUM(o.remaining_nanos) FROM budget_lease o WHERE o.campaign_id = l.campaign_id AND o.period = l.period)::bigint
                FROM budget_lease l JOIN budget_pool b ON b.campaign_id = l.campaign_id AND b.period = l.period
                LEFT JOIN campaign c ON c.id = l.campaign_id
                WHERE l.server_id = \(serverID) AND l.remaining_nanos > 0
                ORDER BY l.campaign_id COLLATE "C", l.period
                """, as: (String, Int64, Int64, Int64, Int64?, Int64?, Int64).self, logger: self.logger
            ).map { row in
                let period = BudgetPeriod(code: row.1)
                return LeaseGrant(
                    campaignID: CampaignID(unchecked: row.0), period: period, change: .zero, held: Nanos(row.2),
                    budget: Self.budget(period, total: row.4, daily: row.5), fleetSpent: Nanos(row.3), outstanding: Nanos(row.6))
            }
        }
    }

    func release(serverID: String) async throws(StoreError) -> Nanos {
        try await database.transaction { connection in
            let keys = try await connection.all(
                "SELECT campaign_id, period FROM budget_lease WHERE server_id = \(serverID)", as: (String, Int64).self,
                logger: self.logger)
            _ = try await Self.lockPools(campaigns: keys.map(\.0), periods: keys.map(\.1), connection, logger: self.logger)
            let returned = try await connection.all(
                "DELETE FROM budget_lease WHERE server_id = \(serverID) RETURNING remaining_nanos", as: Int64.self, logger: self.logger)
            return Nanos(returned.reduce(0, +))
        }
    }

    func reapExpired() async throws(StoreError) -> Int {
        try await database.transaction { connection in
            let now = try await connection.all(PostgresQuery(unsafeSQL: "SELECT \(Self.nowSQL)"), as: Int64.self, logger: self.logger)[0]
            let keys = try await connection.all(
                """
                SELECT DISTINCT campaign_id, period FROM budget_lease
                WHERE expires_at_ms < \(now) AND remaining_nanos > 0
                """, as: (String, Int64).self, logger: self.logger)
            // Releases matter for a settle's overlap only; keep two minutes.
            try await connection.query("DELETE FROM reservation_release WHERE recorded_at_ms < \(now - 120_000)", logger: self.logger)
            guard !keys.isEmpty else { return 0 }
            _ = try await Self.lockPools(campaigns: keys.map(\.0), periods: keys.map(\.1), connection, logger: self.logger)
            return try await connection.all(
                """
                UPDATE budget_lease l SET remaining_nanos = 0
                FROM unnest(\(keys.map(\.0))::text[], \(keys.map(\.1))::bigint[]) AS r(c, p)
                WHERE l.campaign_id = r.c AND l.period = r.p AND l.expires_at_ms < \(now) AND l.remaining_nanos > 0
                RETURNING l.server_id
                """, as: String.self, logger: self.logger
            ).count
        }
    }

    func pools(campaign: CampaignID?) async throws(StoreError) -> [BudgetPoolState] {
        try await database.transaction(repeatableRead: true) { connection in
            let now = try await connection.all(PostgresQuery(unsafeSQL: "SELECT \(Self.nowSQL)"), as: Int64.self, logger: self.logger)[0]
            let filter = campaign?.rawValue
            let pools = try await connection.all(
                """
                SELECT b.campaign_id, b.period, b.spent_nanos, c.total_budget_micros, c.daily_budget_micros
                FROM budget_pool b LEFT JOIN campaign c ON c.id = b.campaign_id
                WHERE \(filter)::text IS NULL OR b.campaign_id = \(filter)
                ORDER BY b.campaign_id COLLATE "C", b.period
                """, as: (String, Int64, Int64, Int64?, Int64?).self, logger: self.logger)
            var leases: [PoolKey: [ServerLease]] = [:]
            for row in try await connection.all(
                """
                SELECT campaign_id, period, server_id, remaining_nanos, expires_at_ms FROM budget_lease
                WHERE \(filter)::text IS NULL OR campaign_id = \(filter)
                ORDER BY server_id COLLATE "C"
                """, as: (String, Int64, String, Int64, Int64).self, logger: self.logger)
            {
                leases[PoolKey(CampaignID(unchecked: row.0), BudgetPeriod(code: row.1)), default: []].append(
                    ServerLease(
                        serverID: row.2, remaining: Nanos(row.3), expiresAt: Instant(millisecondsSinceEpoch: row.4), expired: row.4 < now))
            }
            return pools.map { row in
                let key = PoolKey(CampaignID(unchecked: row.0), BudgetPeriod(code: row.1))
                return BudgetPoolState(
                    campaignID: key.campaign, period: key.period, budget: Self.budget(key.period, total: row.3, daily: row.4),
                    spent: Nanos(row.2), leases: leases[key] ?? [])
            }
        }
    }
}

/// A pool's identity: a campaign and one of its budgets, ordered as pools are locked.
struct PoolKey: Hashable, Comparable, Sendable {
    var campaign: CampaignID
    var period: BudgetPeriod

    init(_ campaign: CampaignID, _ period: BudgetPeriod) {
        self.campaign = campaign
        self.period = period
    }

    static func < (lhs: Self, rhs: Self) -> Bool {
        lhs.campaign.rawValue.utf8.lexicographicallyPrecedes(rhs.campaign.rawValue.utf8)
            || (lhs.campaign == rhs.campaign && lhs.period < rhs.period)
    }
}
