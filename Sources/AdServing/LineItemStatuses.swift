import VickreyBudget
import VickreyCore
import VickreyStore
import VickreyWire

/// The live status of the server's line items: delivered from the budget book (spend
/// billed at the booked rate, restored from the ledger at start), sponsorship tallies and
/// the traffic shape from the line-item book. Read by `/metrics`, the admin API and the console.
struct LineItemStatuses: Sendable {
    let reloader: CampaignIndexReloader
    let policy: ServingPolicy
    let clock: any VickreyClock

    /// Every served sponsorship and standard line item's status, by campaign id.
    func all() -> [LineItemStatus] {
        reloader.index.snapshot.campaigns(in: [.sponsorship, .standard]).compactMap(status(of:)).sorted { $0.campaignID < $1.campaignID }
    }

    func status(of campaign: Campaign) -> LineItemStatus? {
        guard campaign.lineItem.delivery.isGuaranteed else { return nil }
        let now = clock.now()
        let spent = policy.budgets.snapshot(campaign.id, at: now)?.spentTotal ?? .zero
        let tally = campaign.lineItem.delivery.tier == .sponsorship ? policy.lineItems.tally(campaign.id) : nil
        return LineItemStatus(campaign, billedSpend: spent, tally: tally, shape: policy.lineItems.trafficShape, at: now)
    }

    /// The statuses in Prometheus text (integers only).
    static func exposition(_ statuses: [LineItemStatus]) -> String {
        guard !statuses.isEmpty else { return "" }
        var goal = gaugeHeader("vickrey_line_item_goal_impressions", "A standard line item's impression goal.")
        var delivered = gaugeHeader("vickrey_line_item_delivered_impressions", "A line item's billed impressions.")
        var expected = gaugeHeader(
            "vickrey_line_item_expected_impressions", "Impressions a standard line item's ideal curve expects by now.")
        var status = gaugeHeader(
            "vickrey_line_item_status", "1 for a line item's delivery status (on_track, behind, at_risk, completed).")
        for item in statuses {
            let id = #"campaign_id="\#(item.campaignID)""#
            delivered += "vickrey_line_item_delivered_impressions{\(id)} \(item.delivered)\n"
            if let standing = item.standing {
                goal += "vickrey_line_item_goal_impressions{\(id)} \(standing.goal)\n"
                expected += "vickrey_line_item_expected_impressions{\(id)} \(standing.expectedToDate)\n"
            }
            for health in DeliveryHealth.allCases {
                status += "vickrey_line_item_status{\(id),status=\"\(health.rawValue)\"} \(item.status == health.rawValue ? 1 : 0)\n"
            }
        }
        return goal + delivered + expected + status
    }
}
