import Foundation
import Hummingbird
import VickreyCore
import VickreyWire

/// The console's line items: every served sponsorship and standard line item with its
/// delivery against its goal, the ones needing attention first; each links to its page
/// (the cumulative chart against the ideal curve, and "check availability").
extension ConsoleController {
    /// Which statuses need attention first.
    static let lineItemOrder = ["at_risk": 0, "behind": 1, "on_track": 2, "completed": 3]

    func lineItemsPage(_ request: Request) async throws -> Response {
        let (_, session) = try await requireSession(request)
        let statuses = try await administration.lineItemStatuses(for: session.principal).sorted {
            (Self.lineItemOrder[$0.status ?? ""] ?? 4, $0.campaignID) < (Self.lineItemOrder[$1.status ?? ""] ?? 4, $1.campaignID)
        }
        var body = """
            <p class="muted">Served sponsorship and standard line items, those at risk or behind first. Delivered counts billed \
            impressions; expected is where the goal's ideal curve stands now; projected is where the item ends at its pace so \
            far. Open one for its chart and to check availability.</p>
            <table id="line-items"><thead><tr><th>Line item</th><th>Type</th><th class="num">Goal</th><th>Delivered</th>\
            <th class="num">Expected to date</th><th class="num">Pacing</th><th class="num">Projected</th><th>Status</th></tr></thead><tbody>
            """
        for item in statuses {
            let id = ConsoleHTML.escape(item.campaignID.rawValue)
            var goal = "–"
            var delivered = "\(item.delivered)"
            var expected = "–"
            var pacing = "–"
            var projected = "–"
            switch item.delivery {
            case .standard(let target, _):
                goal = "\(target)"
                let permille = target == 0 ? 1_000 : min(1_000, item.delivered * 1_000 / target)
                delivered =
                    #"<progress max="1000" value="\#(permille)"></progress> \#(item.delivered) <span class="share">\#(permille / 10).\#(permille % 10)%</span>"#
                if let standing = item.standing {
                    expected = "\(standing.expectedToDate)"
                    pacing = LineItemStatus.percent(standing.pacingRatioPPM)
                    projected = "\(standing.projected)"
                }
            case .sponsorship(let share):
                goal = "\(share)% share"
                if let tally = item.tally, tally.matched > 0 {
                    pacing = LineItemStatus.percent(tally.taken * 1_000_000 / tally.matched) + " taken"
                }
            case .pricePriority, .house: break
            }
            let status = item.status ?? ""
            body += """
                <tr id="line-item-\(id)"><td><a href="/console/campaigns/\(id)">\(id)</a></td><td>\(item.delivery.name)</td>\
                <td class="num">\(goal)</td><td>\(delivered)</td><td class="num">\(expected)</td><td class="num">\(pacing)</td>\
                <td class="num">\(projected)</td><td class="health-\(status)">\(status.replacingOccurrences(of: "_", with: " "))</td></tr>

                """
        }
        if statuses.isEmpty {
            body += #"<tr><td colspan="8" class="muted">No sponsorship or standard line items are serving.</td></tr>"#
        }
        return html("Line items", session, body + "</tbody></table>")
    }
}
