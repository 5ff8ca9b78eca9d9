import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import VickreyBudget
import VickreyCore
import VickreyStore
import VickreyWire

/// The console's reports: the ledger's delivery over a range of UTC days, by campaign,
/// day, advertiser, placement or creative, with totals and a CSV download of the same rows.
extension ConsoleController {
    /// What a report shows, read from the query string.
    struct ReportQuery: Sendable, Equatable {
        var grouping = DeliveryReport.Grouping.campaign
        /// First UTC day included (`YYYY-MM-DD`), empty: from the ledger's start.
        var from = ""
        /// Last UTC day included, empty: up to now.
        var to = ""

        /// The query, or the field that is wrong and why.
        static func parse(_ request: Request) -> Result<ReportQuery, APIError> {
            let query = request.uri.queryParameters
            var report = ReportQuery()
            if let by = query["by"].map(String.init), !by.isEmpty {
                guard let grouping = DeliveryReport.Grouping(rawValue: by) else {
                    return .failure(
                        APIError(code: .invalidRequest, message: "must be campaign, day, advertiser, placement or creative", field: "by"))
                }
                report.grouping = grouping
            }
            for field in ["from", "to"] {
                let text = String(query[field[...]].map(String.init)?.prefix(32) ?? "").trimmingCharacters(in: .whitespaces)
                guard text.isEmpty || Self.day(text) != nil else {
                    return .failure(APIError(code: .invalidRequest, message: "'\(text)' is not a day such as 2026-12-01", field: field))
                }
                if field == "from" { report.from = text } else { report.to = text }
            }
            if let from = Self.day(report.from), let to = Self.day(report.to), to < from {
                return .failure(APIError(code: .invalidRequest, message: "the last day is before the first", field: "to"))
            }
            return .success(report)
        }

        /// Midnight UTC starting `text` (`YYYY-MM-DD`).
        static func day(_ text: String) -> Instant? {
            guard text.utf8.count == 10,
                text.utf8.enumerated().allSatisfy({
                    [4, 7].contains($0.offset)
                        ? $0.element == UInt8(ascii: "-") : (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0.element)
                })
            else { return nil }
            return RFC3339.parse(text + "T00:00:00Z")
        }

        var since: Instant? { Self.day(from) }
        /// The midnight after the last day.
        var until: Instant? { Self.day(to).map { Instant(secondsSinceEpoch: $0.secondsSinceEpoch + 86_400) } }

        /// The query string (not escaped for HTML).
        var queryString: String {
            var items = ["by=\(grouping.rawValue)"]
            if !from.isEmpty { items.append("from=\(from)") }
            if !to.isEmpty { items.append("to=\(to)") }
            return items.joined(separator: "&")
        }
    }

    /// `/console/reports?by=&from=&to=`: the report as a table with totals.
    func reportsPage(_ request: Request) async throws -> Response {
        let (_, session) = try await requireSession(request)
        let query: ReportQuery
        switch ReportQuery.parse(request) {
        case .success(let parsed): query = parsed
        case .failure(let error):
            return html(
                "Reports", session, reportForm(ReportQuery(), error: error) + "<p>No report: fix the field above.</p>", status: .badRequest)
        }
        let rows = try await administration.deliveryRows(
            for: session.principal, since: query.since, until: query.until, by: query.grouping)
        let keys = query.grouping.keyFields
        let headers = keys.map { Self.reportColumnTitles[$0] ?? $0 }
        var body = reportForm(query, error: nil)
        body +=
            #"<p><a id="download-csv" href="/console/reports/csv?\#(ConsoleHTML.escape(query.queryString))" download>Download CSV</a> · \#(rows.count) row(s)</p>"#
        body += #"<table id="report"><thead><tr>"# + headers.map { "<th>\($0)</th>" }.joined()
        body += Self.reportFigureTitles.map { #"<th class="num">\#($0)</th>"# }.joined() + "</tr></thead><tbody>"
        for row in rows {
            let names = row.names(keys).enumerated().map { index, name -> String in
                if keys[index] == "campaign_id", !name.isEmpty {
                    return #"<td><a href="/console/campaigns/\#(ConsoleHTML.escape(name))">\#(ConsoleHTML.escape(name))</a></td>"#
                }
                return "<td>\(name.isEmpty ? #"<span class="muted">(none)</span>"# : ConsoleHTML.escape(name))</td>"
            }
            body += "<tr>" + names.joined() + Self.figureCells(row) + "</tr>\n"
        }
        if rows.isEmpty {
            body +=
                #"<tr><td colspan="\#(keys.count + Self.reportFigureTitles.count)" class="muted">Nothing delivered in these days.</td></tr>"#
        }
        body += "</tbody>"
        if !rows.isEmpty {
            body += #"<tfoot><tr id="report-total"><th colspan="\#(keys.count)">Total</th>"# + Self.figureCells(DeliveryReport.total(rows))
            body += "</tr></tfoot>"
        }
        return html("Reports", session, body + "</table>")
    }

    /// `/console/reports/csv?by=&from=&to=`: the same rows as CSV, with a total row.
    func reportCSV(_ request: Request) async throws -> Response {
        let (_, session) = try await requireSession(request)
        let query = try ReportQuery.parse(request).get()
        let rows = try await administration.deliveryRows(
            for: session.principal, since: query.since, until: query.until, by: query.grouping)
        let name = ["vickrey-report", query.grouping.rawValue, query.from, query.to].filter { !$0.isEmpty }.joined(separator: "-")
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8", .cacheControl: "no-store",
                .contentDisposition: #"attachment; filename="\#(name).csv""#,
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(string: DeliveryReport.csv(rows, by: query.grouping))))
    }

    static let reportColumnTitles = [
        "campaign_id": "Campaign", "advertiser_id": "Advertiser", "placement_id": "Placement", "creative_id": "Creative",
        "day": "Day (UTC)",
    ]
    static let reportFigureTitles = [
        "Impressions", "Clicks", "CTR", "Spend", "eCPM", "Unbilled", "Gross", "Invalid", "Viewable", "Viewability", "Completed views",
        "Completion",
    ]

    static func figureCells(_ row: DeliveryRow) -> String {
        let percent = ConsoleHTML.percent
        return """
            <td class="num">\(row.impressions)</td><td class="num">\(row.clicks)</td><td class="num">\(percent(row.ctrPPM))</td>\
            <td class="num">\(ConsoleHTML.money(row.spend))</td><td class="num">\(ConsoleHTML.money(Micros(row.ecpmMicros)))</td>\
            <td class="num">\(row.unbilled)</td><td class="num">\(row.grossImpressions)</td>\
            <td class="num" title="\(ConsoleHTML.escape(invalidBreakdown(row.invalid)))">\(row.invalidTotal)</td>\
            <td class="num">\(row.viewableImpressions)</td><td class="num">\(percent(row.viewabilityPPM))</td>\
            <td class="num">\(row.completedViews)</td><td class="num">\(percent(row.completionPPM))</td>
            """
    }

    /// The form above a report: the days, the breakdown, and shortcuts for common ranges.
    private func reportForm(_ query: ReportQuery, error: APIError?) -> String {
        let options = DeliveryReport.Grouping.allCases.map { grouping in
            let label = grouping == .day ? "campaign and day" : grouping == .creative ? "campaign and creative" : grouping.rawValue
            return #"<option value="\#(grouping.rawValue)"\#(grouping == query.grouping ? " selected" : "")>\#(label)</option>"#
        }.joined()
        let today = clock.now().rfc3339.prefix(10)
        func daysAgo(_ days: Int64) -> String {
            String(Instant(secondsSinceEpoch: clock.now().secondsSinceEpoch - days * 86_400).rfc3339.prefix(10))
        }
        let ranges = [
            ("Today", String(today), String(today)), ("Last 7 days", daysAgo(6), String(today)),
            ("Last 30 days", daysAgo(29), String(today)), ("All time", "", ""),
        ]
        let shortcuts = ranges.map { label, from, to in
            var copy = query
            copy.from = from
            copy.to = to
            return #"<a href="/console/reports?\#(ConsoleHTML.escape(copy.queryString))">\#(label)</a>"#
        }.joined(separator: " · ")
        let message =
            error.map {
                #"<span class="error" id="error-\#($0.field ?? "by")">\#(ConsoleHTML.escape(($0.field.map { "\($0): " } ?? "") + $0.message))</span>"#
            } ?? ""
        return """
            <form method="get" action="/console/reports" class="filters">
            <label>From <input type="date" name="from" id="report-from" value="\(ConsoleHTML.escape(query.from))"></label>
            <label>To <input type="date" name="to" id="report-to" value="\(ConsoleHTML.escape(query.to))"></label>
            <label>By <select name="by" id="report-by">\(options)</select></label>
            <button type="submit" id="show-report">Show</button> \(message)</form>
            <p class="muted">Days are UTC and inclusive; empty means from the first event, or up to now. \(shortcuts)</p>
            """
    }
}
