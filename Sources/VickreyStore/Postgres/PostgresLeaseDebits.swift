import Logging
import PostgresNIO
import VickreyCore
import VickreyLedger

/// The part of a ledger append that moves billed charges from the appending server's
/// leases to the fleet's spend, inside the append's transaction: a charge is billed only
/// if its lifetime lease (and, with a daily budget, its lease for that day) holds it and
/// the pool's spend plus the charge stays within the campaign's budget as it is now.
enum PostgresFleetSettlements {
    /// Applies `charges` (the batch's index, the event, its debit) in batch order and
    /// returns the ones refused, by index, with the reason to record them unbilled with.
    static func apply(
        _ charges: [(index: Int, event: LedgerEvent, debit: FleetSettlement)], serverID: String, _ connection: PostgresConnection,
        logger: Logger
    ) async throws -> [Int: String] {
        guard !charges.isEmpty else { return [:] }
        var keys = Set<PoolKey>()
        for charge in charges {
            keys.insert(PoolKey(charge.event.campaignID, .lifetime))
            if let day = charge.debit.leaseDay { keys.insert(PoolKey(charge.event.campaignID, .day(day))) }
        }
        let sorted = keys.sorted()
        let campaigns = sorted.map(\.campaign.rawValue)
        let periods = sorted.map(\.period.code)
        // The pools, locked in the one order every transaction takes them, with the budgets.
        var spent: [PoolKey: Nanos] = [:]
        var budgets: [PoolKey: Nanos] = [:]
        for row in try await connection.all(
            """
            SELECT b.campaign_id, b.period, b.spent_nanos, c.total_budget_micros, c.daily_budget_micros FROM budget_pool b
            JOIN unnest(\(campaigns)::text[], \(periods)::bigint[]) AS r(c, p) ON b.campaign_id = r.c AND b.period = r.p
            LEFT JOIN campaign c ON c.id = b.campaign_id
            ORDER BY b.campaign_id COLLATE "C", b.period FOR UPDATE OF b
            """, as: (String, Int64, Int64, Int64?, Int64?).self, logger: logger)
        {
            let key = PoolKey(CampaignID(unchecked: row.0), BudgetPeriod(code: row.1))
            spent[key] = Nanos(row.2)
            budgets[key] = PostgresBudgetLeases.budget(key.period, total: row.3, daily: row.4)
        }
        // Read after the pools are locked (every change to a lease holds its pool's lock),
        // so these are current: a lease reaped meanwhile reads as zero.
        var leases: [PoolKey: Nanos] = [:]
        for row in try await connection.all(
            """
            SELECT l.campaign_id, l.period, l.remaining_nanos FROM budget_lease l
            JOIN unnest(\(campaigns)::text[], \(periods)::bigint[]) AS r(c, p) ON l.campaign_id = r.c AND l.period = r.p
            WHERE l.server_id = \(serverID)
            """, as: (String, Int64, Int64).self, logger: logger)
        {
            leases[PoolKey(CampaignID(unchecked: row.0), BudgetPeriod(code: row.1))] = Nanos(row.2)
        }
        var refused: [Int: String] = [:]
        var moved: [PoolKey: Nanos] = [:]
        for charge in charges {
            var claims = [PoolKey(charge.event.campaignID, .lifetime)]
            if let day = charge.debit.leaseDay { claims.append(PoolKey(charge.event.campaignID, .day(day))) }
            let amount = charge.event.charge
            if let reason = refusal(amount, claims: claims, leases: leases, spent: spent, budgets: budgets) {
                refused[charge.index] = reason
                continue
            }
            for key in claims {
                leases[key]! -= amount
                spent[key]! += amount
                moved[key, default: .zero] += amount
            }
        }
        guard !moved.isEmpty else { return refused }
        let changed = moved.keys.sorted()
        let amounts = changed.map { moved[$0]!.value }
        // One statement moves every charge: out of the leases, into the pools.
        try await connection.query(
            """
            WITH r AS (
                SELECT * FROM unnest(\(changed.map(\.campaign.rawValue))::text[], \(changed.map(\.period.code))::bigint[],
                                     \(amounts)::bigint[]) AS r(c, p, d)
            ), leases AS (
                UPDATE budget_lease l SET remaining_nanos = l.remaining_nanos - r.d FROM r
                WHERE l.campaign_id = r.c AND l.period = r.p AND l.server_id = \(serverID)
            )
            UPDATE budget_pool b SET spent_nanos = b.spent_nanos + r.d FROM r WHERE b.campaign_id = r.c AND b.period = r.p
            """, logger: logger)
        return refused
    }

    /// Why `amount` cannot be billed against `claims`, or nil when every one covers it.
    private static func refusal(
        _ amount: Nanos, claims: [PoolKey], leases: [PoolKey: Nanos], spent: [PoolKey: Nanos], budgets: [PoolKey: Nanos]
    ) -> String? {
        for key in claims {
            guard let lease = leases[key], lease >= amount, let poolSpent = spent[key] else { return "lease_exhausted" }
            switch (key.period, budgets[key]) {
            case (.lifetime, nil): return "unknown_campaign"
            case (.lifetime, let budget?) where poolSpent + amount > budget: return "total_budget_exhausted"
            case (.day, let budget?) where poolSpent + amount > budget: return "daily_budget_exhausted"
            default: continue  // within budget, or the daily budget was removed
            }
        }
        return nil
    }
}
