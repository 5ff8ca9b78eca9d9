import VickreyBudget
import VickreyCore
import VickreyStore

/// Start-up recovery from the ledger, the only durable record of money: each campaign's
/// lifetime spend is the sum of its billed records, its spend today the sum of those
/// whose event time falls on its current budget day, and every beacon recorded within
/// the longest token lifetime is marked taken so a replay after a restart is not
/// counted again. Reservations are not durable: after a crash they are gone, and a late
/// beacon is billed only if the free budget still covers it.
public struct SpendRecovery {
    let ledger: any LedgerStore
    let reloader: CampaignIndexReloader
    let clock: any VickreyClock

    public init(ledger: any LedgerStore, reloader: CampaignIndexReloader, clock: any VickreyClock) {
        self.ledger = ledger
        self.reloader = reloader
        self.clock = clock
    }

    public func restore(into budgets: BudgetBook, replays: BeaconReplayGuard, retentionSeconds: Int64) async throws -> (
        campaigns: Int, records: Int
    ) {
        let now = clock.now()
        let lifetime = try await ledger.billedSpendByCampaign()
        // Two days back covers "today" in every time zone (offsets are within ±14 h).
        var recent: [CampaignID: [(Instant, Nanos)]] = [:]
        for charge in try await ledger.billedCharges(since: now.adding(seconds: -2 * 86_400)) {
            recent[charge.campaign, default: []].append((charge.time, charge.charge))
        }
        for (id, total) in lifetime {
            guard let campaign = try await reloader.campaign(id) else { continue }
            let limits = BudgetLimits(campaign)
            let today = now.dayNumber(offsetSeconds: limits.timeZone.offsetSeconds(at: now))
            let spentToday = (recent[id] ?? []).reduce(Nanos.zero) { sum, entry in
                entry.0.dayNumber(offsetSeconds: limits.timeZone.offsetSeconds(at: entry.0)) == today ? sum + entry.1 : sum
            }
            budgets.restore(id, limits: limits, spentTotal: total, spentToday: spentToday, at: now)
        }
        let taken = try await ledger.recentEvents(since: now.adding(seconds: -retentionSeconds))
        for event in taken { replays.remember(BeaconKey(event.kind, event.impressionID, prefetch: event.prefetch), seenAt: event.time) }
        return (lifetime.count, taken.count)
    }
}
