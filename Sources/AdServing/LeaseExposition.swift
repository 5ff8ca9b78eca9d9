import VickreyBudget
import VickreyCore

/// A fleet server's leases in Prometheus text, per campaign and budget (`lifetime`,
/// `daily`): this server's unspent lease and its unreserved part, and the fleet's spend
/// and outstanding leases as of the last settle. Written here rather than through
/// swift-metrics so the amounts stay exact integers (nanos), never floating point.
enum LeaseExposition {
    static func render(_ accounts: [(CampaignID, BudgetSnapshot)]) -> String {
        guard !accounts.isEmpty else { return "" }
        var held = gaugeHeader("vickrey_lease_held_nanos", "This server's unspent lease on a campaign's budget.")
        var unreserved = gaugeHeader("vickrey_lease_unreserved_nanos", "The part of this server's lease no reservation holds.")
        var spent = gaugeHeader(
            "vickrey_fleet_spent_nanos", "The fleet's billed spend against a campaign's budget (as of the last settle).")
        var outstanding = gaugeHeader(
            "vickrey_fleet_outstanding_nanos", "Every server's unspent lease on a campaign's budget (as of the last settle).")
        for (id, account) in accounts {
            guard let lease = account.lease else { continue }
            let budgets: [(String, Nanos?, LeaseGrant?)] =
                [("lifetime", lease.lifetime, lease.fleetLifetime)] + (lease.daily.map { [("daily", $0, lease.fleetDaily)] } ?? [])
            for (budget, amount, fleet) in budgets {
                let labels = #"{campaign_id="\#(id)",budget="\#(budget)"}"#
                if let amount {
                    held += "vickrey_lease_held_nanos\(labels) \(amount.value)\n"
                    unreserved += "vickrey_lease_unreserved_nanos\(labels) \(max(Nanos.zero, amount - account.reserved).value)\n"
                }
                if let fleet {
                    spent += "vickrey_fleet_spent_nanos\(labels) \(fleet.fleetSpent.value)\n"
                    outstanding += "vickrey_fleet_outstanding_nanos\(labels) \(fleet.outstanding.value)\n"
                }
            }
        }
        return held + unreserved + spent + outstanding
    }
}

/// The `# HELP` and `# TYPE … gauge` lines that open a gauge in Prometheus text.
func gaugeHeader(_ name: String, _ help: String) -> String {
    "# HELP \(name) \(help)\n# TYPE \(name) gauge\n"
}
