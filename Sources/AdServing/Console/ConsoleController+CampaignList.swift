import Foundation
import Hummingbird
import VickreyBudget
import VickreyCore
import VickreyStore
import VickreyWire

/// The console's campaign list: search, filters, sorting and pages over any number of
/// campaigns, each with its delivery (impressions, clicks, CTR, eCPM from the ledger) and
/// its live spend against its budgets.
extension ConsoleController {
    /// What the list shows: read from the query string, every value bounded.
    struct CampaignListQuery: Sendable {
        enum Column: String, CaseIterable, Sendable {
            case id, advertiser, status, bid
            case spentToday = "spent_today"
            case spentTotal = "spent_total"
            case impressions, clicks, ctr, ecpm
        }

        /// A case-insensitive part of the id, name or advertiser (at most 64 characters).
        var search = ""
        var status: CampaignStatus?
        var advertiser = ""
        var sort = Column.id
        var descending = false
        var page = 1
        static let pageSize = 50

        init(_ request: Request) {
            let query = request.uri.queryParameters
            func text(_ name: String) -> String { String(query[name[...]].map(String.init)?.prefix(64) ?? "") }
            search = text("q").trimmingCharacters(in: .whitespaces)
            status = CampaignStatus(rawValue: text("status"))
            advertiser = text("advertiser")
            sort = Column(rawValue: text("sort")) ?? .id
            descending = text("order") == "desc"
            page = min(max(Int(text("page")) ?? 1, 1), 1_000_000)
        }

        /// The query string of this list with `changes` applied (HTML-escaped, for links).
        func link(sort: Column? = nil, descending: Bool? = nil, page: Int? = nil) -> String {
            var items: [(String, String)] = []
            if !search.isEmpty { items.append(("q", search)) }
            if let status { items.append(("status", status.rawValue)) }
            if !advertiser.isEmpty { items.append(("advertiser", advertiser)) }
            items.append(("sort", (sort ?? self.sort).rawValue))
            if descending ?? self.descending { items.append(("order", "desc")) }
            items.append(("page", String(page ?? self.page)))
            let query = items.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
            return ConsoleHTML.escape("/console/campaigns?" + query.joined(separator: "&"))
        }
    }

    /// One campaign's line in the list.
    private struct ListedCampaign {
        var campaign: Campaign
        var account: BudgetSnapshot?
        var delivery: DeliveryRow?

        var impressions: Int64 { delivery?.impressions ?? 0 }
        var clicks: Int64 { delivery?.clicks ?? 0 }
        var ctrPPM: Int64 { delivery?.ctrPPM ?? 0 }
        var ecpm: Micros { Micros(delivery?.ecpmMicros ?? 0) }
    }

    func campaignsPage(_ request: Request) async throws -> Response {
        let (_, session) = try await requireSession(request)
        let principal = session.principal
        try principal.require(.admin, .advertiser)
        let query = CampaignListQuery(request)
        let now = clock.now()
        // Sorting by a delivery column needs every campaign's totals (the whole ledger, grouped);
        // otherwise only the page's rows are read, through the ledger's index by campaign.
        let sortsByDelivery = [.impressions, .clicks, .ctr, .ecpm].contains(query.sort)
        var delivery: [CampaignID: DeliveryRow] = [:]
        if sortsByDelivery {
            delivery = Dictionary(
                (try await administration.deliveryRows(for: principal, since: nil, by: .campaign)).map { ($0.campaignID, $0) },
                uniquingKeysWith: { first, _ in first })
        }
        let needle = query.search.lowercased()
        // The live accounts are read for every campaign only to sort by spend; otherwise for
        // the page's rows alone (each read takes the account's lock, which ads take too).
        let sortsBySpend = query.sort == .spentToday || query.sort == .spentTotal
        let campaigns: [Campaign]
        if query.advertiser.isEmpty {
            campaigns = try await administration.campaigns(for: principal, status: query.status)
        } else if let advertiser = AdvertiserID(query.advertiser) {
            campaigns = try await administration.campaigns(for: principal, advertiser: advertiser, status: query.status)
        } else {
            campaigns = []
        }
        var listed = campaigns.compactMap { campaign -> ListedCampaign? in
            if !needle.isEmpty,
                ![campaign.id.rawValue, campaign.name, campaign.advertiserID.rawValue].contains(where: { $0.lowercased().contains(needle) })
            {
                return nil
            }
            return ListedCampaign(
                campaign: campaign, account: sortsBySpend ? budgets.snapshot(campaign.id, at: now) : nil, delivery: delivery[campaign.id])
        }
        listed.sort { query.descending ? Self.ascending($1, $0, by: query.sort) : Self.ascending($0, $1, by: query.sort) }
        let pages = max(1, (listed.count + CampaignListQuery.pageSize - 1) / CampaignListQuery.pageSize)
        let page = min(query.page, pages)
        var shown = listed.dropFirst((page - 1) * CampaignListQuery.pageSize).prefix(CampaignListQuery.pageSize)
        if !sortsByDelivery {
            let rows = try await administration.deliveryRows(of: shown.map(\.campaign), for: principal)
            let byCampaign = Dictionary(rows.map { ($0.campaignID, $0) }, uniquingKeysWith: { first, _ in first })
            for index in shown.indices { shown[index].delivery = byCampaign[shown[index].campaign.id] }
        }
        var rows = ""
        for var item in shown {
            if !sortsBySpend { item.account = budgets.snapshot(item.campaign.id, at: now) }
            let campaign = item.campaign
            let id = ConsoleHTML.escape(campaign.id.rawValue)
            rows += """
                <tr id="campaign-\(id)"><td><a href="/console/campaigns/\(id)">\(id)</a><br><span class="muted">\(ConsoleHTML.escape(campaign.name))</span></td>
                <td>\(ConsoleHTML.escape(campaign.advertiserID.rawValue))</td><td class="status-\(campaign.status.rawValue)">\(campaign.status.rawValue)</td>
                <td class="num">\(campaign.pricing.rawValue) \(ConsoleHTML.money(campaign.bid))</td>
                <td>\(ConsoleHTML.bar(item.account?.spentToday ?? .zero, of: campaign.dailyBudget?.nanos))</td>
                <td>\(ConsoleHTML.bar(item.account?.spentTotal ?? .zero, of: campaign.totalBudget.nanos))</td>
                <td class="num">\(item.impressions)</td><td class="num">\(item.clicks)</td>
                <td class="num">\(ConsoleHTML.percent(item.ctrPPM))</td><td class="num">\(ConsoleHTML.money(item.ecpm))</td></tr>

                """
        }
        func header(_ column: CampaignListQuery.Column, _ label: String, numeric: Bool = false) -> String {
            let active = query.sort == column
            let arrow = active ? (query.descending ? " ↓" : " ↑") : ""
            let link = query.link(sort: column, descending: active ? !query.descending : numeric, page: 1)
            return #"<th\#(numeric ? #" class="num""# : "")><a href="\#(link)">\#(label)</a>\#(arrow)</th>"#
        }
        let statusOptions = ([("", "any status")] + CampaignStatus.allCases.map { ($0.rawValue, $0.rawValue) }).map { value, label in
            #"<option value="\#(value)"\#(query.status?.rawValue == value || (query.status == nil && value.isEmpty) ? " selected" : "")>\#(label)</option>"#
        }.joined()
        let create = principal.role == .admin ? #"<p><a href="/console/campaigns/new">New campaign</a></p>"# : ""
        let first = (page - 1) * CampaignListQuery.pageSize
        let pager = """
            <p id="pager">\(listed.isEmpty ? "No campaigns match." : "Campaigns \(first + 1)–\(first + shown.count) of \(listed.count)") \
            \(page > 1 ? #"<a id="previous" href="\#(query.link(page: page - 1))">Previous</a>"# : "") \
            \(page < pages ? #"<a id="next" href="\#(query.link(page: page + 1))">Next</a>"# : "")</p>
            """
        return html(
            "Campaigns", session,
            """
            \(create)<form method="get" action="/console/campaigns" id="filters" class="inline">\
            <label>Search <input name="q" value="\(ConsoleHTML.escape(query.search))" maxlength="64" placeholder="id, name or advertiser"></label> \
            <label>Status <select name="status">\(statusOptions)</select></label> \
            <label>Advertiser <input name="advertiser" value="\(ConsoleHTML.escape(query.advertiser))" maxlength="64"></label> \
            <input type="hidden" name="sort" value="\(query.sort.rawValue)"><button type="submit">Show</button></form>
            \(pager)
            <table id="campaigns"><thead><tr>\(header(.id, "Campaign"))\(header(.advertiser, "Advertiser"))\(header(.status, "Status"))\
            \(header(.bid, "Bid", numeric: true))\(header(.spentToday, "Spent today", numeric: true))\(header(.spentTotal, "Spent in total", numeric: true))\
            \(header(.impressions, "Impressions", numeric: true))\(header(.clicks, "Clicks", numeric: true))\(header(.ctr, "CTR", numeric: true))\
            \(header(.ecpm, "eCPM", numeric: true))</tr></thead><tbody>
            \(rows.isEmpty ? #"<tr><td colspan="10" class="muted">No campaigns.</td></tr>"# : rows)</tbody></table>
            <p class="muted">Spend is this server's live account (reserved wins not included); impressions, clicks, CTR and eCPM are the ledger's billed events, all time.</p>
            """)
    }

    /// Whether `a` comes before `b` in ascending order of `column` (ties by id).
    private static func ascending(_ a: ListedCampaign, _ b: ListedCampaign, by column: CampaignListQuery.Column) -> Bool {
        func key(_ item: ListedCampaign) -> (Int64, String) {
            switch column {
            case .id: (0, item.campaign.id.rawValue)
            case .advertiser: (0, item.campaign.advertiserID.rawValue)
            case .status: (0, item.campaign.status.rawValue)
            case .bid: (item.campaign.bid.value, "")
            case .spentToday: ((item.account?.spentToday ?? .zero).value, "")
            case .spentTotal: ((item.account?.spentTotal ?? .zero).value, "")
            case .impressions: (item.impressions, "")
            case .clicks: (item.clicks, "")
            case .ctr: (item.ctrPPM, "")
            case .ecpm: (item.ecpm.value, "")
            }
        }
        let (left, right) = (key(a), key(b))
        if left != right { return left < right }
        return a.campaign.id.rawValue < b.campaign.id.rawValue
    }
}

extension ConsoleController {
    /// A campaign's flight, frequency cap, targeting and deals as rows of its page's table
    /// (its creatives are previewed below the table).
    static func settingsRows(_ campaign: Campaign) -> String {
        let cap =
            campaign.frequencyCap.map {
                "\($0.impressions) per \(Self.duration($0.windowSeconds))" + ($0.refuseAnonymous ? ", refuses anonymous requests" : "")
            } ?? "none"
        let rows: [(String, String, String)] = [
            (
                "flight", "Flight",
                "\(campaign.start?.rfc3339 ?? "from now") → \(campaign.end?.rfc3339 ?? "no end") (\(ConsoleHTML.escape(campaign.timeZone.identifier)))"
            ),
            ("frequency-cap", "Frequency cap", cap),
            ("targeting", "Targeting", campaign.targeting.summary.map(ConsoleHTML.escape).joined(separator: "<br>")),
            (
                "deals", "Deals",
                campaign.deals.isEmpty ? "none" : campaign.deals.map { ConsoleHTML.escape($0.id.rawValue) }.joined(separator: ", ")
            ),
        ]
        return rows.map { id, label, value in #"<tr><th>\#(label)</th><td id="\#(id)">\#(value)</td></tr>"# }.joined(separator: "\n")
    }

    /// Seconds as the largest whole unit: `1 day`, `6 hours`, `90 s`.
    static func duration(_ seconds: Int64) -> String {
        for (unit, length) in [("day", Int64(86_400)), ("hour", 3_600), ("minute", 60)] where seconds >= length && seconds % length == 0 {
            let count = seconds / length
            return "\(count) \(unit)\(count == 1 ? "" : "s")"
        }
        return "\(seconds) s"
    }
}
