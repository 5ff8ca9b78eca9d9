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
        var spent = try await PostgresBudgetLeases.lockPools(campaigns: campaigns, periods: periods, connection, logger: logger)
        var budgets: [PoolKey: Nanos] = [:]
        for row in try await connection.all(
            "SELECT id, total_budget_micros, daily_budget_micros FROM campaign WHERE id = ANY(\(Array(Set(campaigns))))",
            as: (String, Int64, Int64?).self, logger: logger)
        {
            for key in sorted where key.campaign.rawValue == row.0 {
                budgets[key] = PostgresBudgetLeases.budget(key.period, total: row.1, daily: row.2)
            }
        }
        var leases: [PoolKey: Nanos] = [:]
        for row in try await connection.all(
            """
            SELECT l.campaign_id, l.period, l.remaining_nanos FROM budget_lease l
            JOIN unnest(\(campaigns)::text[], \(periods)::bigint[]) AS r(c, p) ON l.campaign_id = r.c AND l.period = r.p
            WHERE l.server_id = \(serverID) FOR UPDATE OF l
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
        try await connection.query(
            """
            UPDATE budget_lease l SET remaining_nanos = l.remaining_nanos - r.d
            FROM unnest(\(changed.map(\.campaign.rawValue))::text[], \(changed.map(\.period.code))::bigint[], \(amounts)::bigint[]) AS r(c, p, d)
            WHERE l.campaign_id = r.c AND l.period = r.p AND l.server_id = \(serverID)
            """, logger: logger)
        try await connection.query(
            """
            UPDATE budget_pool b SET spent_nanos = b.spent_nanos + r.d
            FROM unnest(\(changed.map(\.campaign.rawValue))::text[], \(changed.map(\.period.code))::bigint[], \(amounts)::bigint[]) AS r(c, p, d)
            WHERE b.campaign_id = r.c AND b.period = r.p
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
