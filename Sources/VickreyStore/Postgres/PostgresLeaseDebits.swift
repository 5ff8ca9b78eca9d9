import Logging
import PostgresNIO
import VickreyCore
import VickreyLedger

/// The part of a ledger append that moves billed charges from the appending server's
/// leases to their spend, inside the append's transaction: a charge is billed only if its
/// lifetime lease (and, with a daily budget, its lease for that day) holds it.
///
/// Normally the pools are not touched: a lease's remainder was committed against the
/// budget when it was granted, so spending it keeps the fleet within the budget, and
/// servers' appends never queue behind each other's pool rows. The pools are locked only
/// when a lease is short of the batch's charges (it is topped up from what the pool has
/// uncommitted, a grant made in the same transaction; a new lease expires in 30 s unless
/// the next settle renews it) or when a budget was lowered below what is committed
/// against it (the fleet's exact spend decides).
enum PostgresLeaseDebits {
    /// Applies `charges` (the batch's index, the event, its settlement) in batch order and
    /// returns the ones refused, by index, with the reason to record them unbilled with.
    ///
    /// Locks are taken pools first, as everywhere: `lockFirst` (a retry's) before the
    /// leases; a pool found needed only after the leases are locked is taken without
    /// waiting, and when it is busy the append is retried with it in `lockFirst`
    /// (`PoolsBusy`), so an append never waits on a pool while holding a lease.
    static func apply(
        _ charges: [(index: Int, event: LedgerEvent, settlement: FleetSettlement)], serverID: String, lockFirst: [PoolKey],
        _ connection: PostgresConnection, logger: Logger
    ) async throws -> [Int: UnbilledReason] {
        guard !charges.isEmpty else { return [:] }
        try await PostgresLeaseSQL.lockPools(lockFirst, connection, logger: logger)
        var keys = Set<PoolKey>()
        for charge in charges {
            for key in claims(charge) { keys.insert(key) }
        }
        let sorted = keys.sorted()
        // This server's leases, locked (a reap or a settle of the same rows waits, or is
        // waited for and read as it left them), with their pools' commitments and budgets.
        var leases: [PoolKey: Nanos] = [:]
        var overcommitted: [PoolKey] = []
        var budgets: [PoolKey: Nanos] = [:]
        for row in try await connection.all(
            """
            SELECT l.campaign_id, l.period, l.remaining_nanos, b.committed_nanos, \(unescaped: PostgresLeaseSQL.lifetimeNanos), c.daily_budget_micros
            FROM budget_lease l
            JOIN unnest(\(sorted.map(\.campaign.rawValue))::text[], \(sorted.map(\.period.code))::bigint[]) AS r(c, p)
                ON l.campaign_id = r.c AND l.period = r.p
            JOIN budget_pool b ON b.campaign_id = l.campaign_id AND b.period = l.period
            LEFT JOIN campaign c ON c.id = l.campaign_id
            WHERE l.server_id = \(serverID)
            ORDER BY l.campaign_id COLLATE "C", l.period FOR UPDATE OF l
            """, as: (String, Int64, Int64, Int64, Int64?, Int64?).self, logger: logger)
        {
            let key = PoolKey(CampaignID(unchecked: row.0), BudgetPeriod(code: row.1))
            leases[key] = Nanos(row.2)
            let budget = PostgresLeaseSQL.budget(key.period, total: row.4, daily: row.5)
            budgets[key] = budget
            if let budget, Nanos(row.3) > budget { overcommitted.append(key) }
        }
        // The slow path, under the pools' locks: a lease short of this batch's charges is
        // topped up from what is left uncommitted in its pool (so a beacon for an ad won
        // on another server is billed while the fleet's budget holds it), and a budget
        // lowered below its commitments lets the fleet's exact spend decide.
        var needed: [PoolKey: Nanos] = [:]
        for charge in charges {
            for key in claims(charge) { needed[key, default: .zero] += charge.event.charge }
        }
        let short = sorted.filter { (leases[$0] ?? .zero) < needed[$0]! }
        let slow = Set(short + overcommitted).sorted()
        var fleetSpent: [PoolKey: Nanos] = [:]
        var toppedUp: [PoolKey: Nanos] = [:]
        if !slow.isEmpty {
            let locked = Set(lockFirst)
            let busy = slow.filter { !locked.contains($0) }
            do { try await PostgresLeaseSQL.lockPools(busy, waiting: false, connection, logger: logger) } catch let error
                where error.sqlState == "55P03"
            {
                throw PoolsBusy(keys: Array(locked.union(slow)).sorted())
            }
            for row in try await connection.all(
                """
                SELECT b.campaign_id, b.period, b.committed_nanos, \(unescaped: PostgresLeaseSQL.lifetimeNanos), c.daily_budget_micros,
                       b.spent_before_nanos + COALESCE((SELECT SUM(x.spent_nanos) FROM budget_lease x
                                                        WHERE x.campaign_id = b.campaign_id AND x.period = b.period), 0)::bigint
                FROM budget_pool b
                JOIN unnest(\(slow.map(\.campaign.rawValue))::text[], \(slow.map(\.period.code))::bigint[]) AS r(c, p)
                    ON b.campaign_id = r.c AND b.period = r.p
                LEFT JOIN campaign c ON c.id = b.campaign_id
                """, as: (String, Int64, Int64, Int64?, Int64?, Int64).self, logger: logger)
            {
                let key = PoolKey(CampaignID(unchecked: row.0), BudgetPeriod(code: row.1))
                guard let budget = PostgresLeaseSQL.budget(key.period, total: row.3, daily: row.4) else { continue }
                budgets[key] = budget
                let committed = Nanos(row.2)
                if committed > budget {
                    fleetSpent[key] = Nanos(row.5)
                } else if let need = needed[key], (leases[key] ?? .zero) < need {
                    let topUp = min(need - (leases[key] ?? .zero), budget - committed)
                    if topUp > .zero {
                        toppedUp[key] = topUp
                        leases[key, default: .zero] += topUp
                    }
                }
            }
        }
        var refused: [Int: UnbilledReason] = [:]
        var moved: [PoolKey: Nanos] = [:]
        for charge in charges {
            let claims = claims(charge)
            let amount = charge.event.charge
            if let reason = refusal(amount, claims: claims, leases: leases, budgets: budgets, fleetSpent: fleetSpent) {
                refused[charge.index] = reason
                continue
            }
            for key in claims {
                leases[key]! -= amount
                if fleetSpent[key] != nil { fleetSpent[key]! += amount }
                moved[key, default: .zero] += amount
            }
        }
        let changed = Set(moved.keys).union(toppedUp.keys).sorted()
        guard !changed.isEmpty else { return refused }
        // One statement: each lease's net change (a top-up creates the lease when this
        // server had none) and the top-ups into their pools' commitments.
        try await connection.query(
            PostgresLeaseSQL.moveQuery(
                serverID: serverID, keys: changed, remaining: changed.map { (toppedUp[$0]?.value ?? 0) - (moved[$0]?.value ?? 0) },
                spent: changed.map { moved[$0]?.value ?? 0 }, committed: changed.map { toppedUp[$0]?.value ?? 0 }), logger: logger)
        return refused
    }

    /// A pool this append needs is locked by another transaction: retry the append with
    /// `keys` locked before the leases.
    struct PoolsBusy: Error {
        var keys: [PoolKey]
    }

    /// The leases a charge is drawn from: the lifetime lease, and the day's with a daily budget.
    private static func claims(_ charge: (index: Int, event: LedgerEvent, settlement: FleetSettlement)) -> [PoolKey] {
        var claims = [PoolKey(charge.event.campaignID, .lifetime)]
        if let day = charge.settlement.leaseDay { claims.append(PoolKey(charge.event.campaignID, .day(day))) }
        return claims
    }

    /// Why `amount` cannot be billed against `claims`, or nil when every one covers it.
    private static func refusal(
        _ amount: Nanos, claims: [PoolKey], leases: [PoolKey: Nanos], budgets: [PoolKey: Nanos], fleetSpent: [PoolKey: Nanos]
    ) -> UnbilledReason? {
        for key in claims {
            guard let lease = leases[key], lease >= amount else { return .leaseExhausted }
            if key.period == .lifetime, budgets[key] == nil { return .unknownCampaign }
            if let spent = fleetSpent[key], let budget = budgets[key], spent + amount > budget {
                return key.period == .lifetime ? .totalBudgetExhausted : .dailyBudgetExhausted
            }
        }
        return nil
    }
}
