import Logging
import PostgresNIO
import VickreyCore

/// The SQL that every transaction touching budget leases shares, whether it settles
/// leases (`PostgresBudgetLeases`) or bills charges from them inside a ledger append
/// (`PostgresLeaseDebits`): the database's clock, the order pools are locked in, the one
/// statement that moves money between a lease and its pool, and a budget read from the
/// campaign row. The rules these serve are `LeasePolicy`'s and `BudgetLeaseStore`'s.
enum PostgresLeaseSQL {
    /// The database's clock in milliseconds, read inside the transaction (not its start time).
    static let nowSQL = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint"

    static func now(_ connection: PostgresConnection, logger: Logger) async throws -> Int64 {
        try await connection.all(PostgresQuery(unsafeSQL: "SELECT \(nowSQL)"), as: Int64.self, logger: logger)[0]
    }

    /// Locks the pools of `keys` in (campaign, period) order, the order every transaction
    /// that changes a pool or takes a lease away takes them in.
    /// `waiting` false: fail at once (SQLSTATE 55P03) rather than wait for a lock.
    static func lockPools(_ keys: [PoolKey], waiting: Bool = true, _ connection: PostgresConnection, logger: Logger) async throws {
        guard !keys.isEmpty else { return }
        // Read to the end: a lock that cannot be had is reported with the rows.
        _ = try await connection.all(
            PostgresQuery(
                unsafeSQL: """
                    SELECT 1 FROM budget_pool b
                    JOIN unnest($1::text[], $2::bigint[]) AS r(c, p) ON b.campaign_id = r.c AND b.period = r.p
                    ORDER BY b.campaign_id COLLATE "C", b.period FOR UPDATE OF b\(waiting ? "" : " NOWAIT")
                    """,
                binds: {
                    var binds = PostgresBindings(capacity: 2)
                    binds.append(keys.map(\.campaign.rawValue))
                    binds.append(keys.map(\.period.code))
                    return binds
                }()), as: Int32.self, logger: logger)
    }

    /// One statement that changes this server's leases on `keys` by `remaining[i]` and
    /// `spent[i]` (creating the leases it lacks) and their pools' commitments by
    /// `committed[i]`: how grants, hand-backs, charges and top-ups are written.
    ///
    /// A hand-back larger than what the lease still holds (an own charge committed since
    /// the figures were read, or a lease reaped while this server was cut off) takes back
    /// only what is there, and the pool's commitment falls by what was taken: the lease
    /// never goes below zero and the pool always equals its leases.
    static func moveQuery(serverID: String, keys: [PoolKey], remaining: [Int64], spent: [Int64], committed: [Int64]) -> PostgresQuery {
        """
        WITH r AS (
            SELECT * FROM unnest(\(keys.map(\.campaign.rawValue))::text[], \(keys.map(\.period.code))::bigint[],
                                 \(remaining)::bigint[], \(spent)::bigint[], \(committed)::bigint[]) AS r(c, p, d, s, k)
        ), old AS (
            SELECT l.campaign_id, l.period, l.remaining_nanos FROM budget_lease l JOIN r ON l.campaign_id = r.c AND l.period = r.p
            WHERE l.server_id = \(serverID) FOR UPDATE OF l
        ), actual AS (
            SELECT r.c, r.p, GREATEST(r.d, -COALESCE(old.remaining_nanos, 0)) AS d, r.s,
                   r.k + GREATEST(r.d, -COALESCE(old.remaining_nanos, 0)) - r.d AS k, old.campaign_id IS NOT NULL AS existing
            FROM r LEFT JOIN old ON old.campaign_id = r.c AND old.period = r.p
        ), changed AS (
            UPDATE budget_lease l SET remaining_nanos = l.remaining_nanos + a.d, spent_nanos = l.spent_nanos + a.s
            FROM actual a WHERE a.existing AND l.campaign_id = a.c AND l.period = a.p AND l.server_id = \(serverID)
        ), created AS (
            INSERT INTO budget_lease (campaign_id, period, server_id, remaining_nanos, spent_nanos)
            SELECT a.c, a.p, \(serverID), a.d, a.s FROM actual a WHERE NOT a.existing
        )
        UPDATE budget_pool b SET committed_nanos = b.committed_nanos + a.k FROM actual a
        WHERE a.k <> 0 AND b.campaign_id = a.c AND b.period = a.p
        """
    }

    /// A budget in nanos from the campaign row's micros (nil: no such budget or campaign).
    /// A campaign's lifetime budget in nanos as the fleet may spend it: its total budget,
    /// or a standard line item's goal at its rate when lower (so goals lease like budgets).
    static let lifetimeNanos = "LEAST(c.total_budget_micros * 1000, COALESCE(c.spend_cap_nanos, c.total_budget_micros * 1000))"

    /// `total`: the lifetime budget in nanos (`lifetimeNanos`); `daily` in micros.
    static func budget(_ period: BudgetPeriod, total: Int64?, daily: Int64?) -> Nanos? {
        switch period {
        case .lifetime: total.map(Nanos.init)
        case .day: daily.map { Micros($0).nanos }
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
