import Foundation
import Hummingbird
import VickreyCore
import VickreyStore

extension ConsoleController {
    /// How many entries the audit page shows at once (older ones a page at a time).
    static let auditPageSize = 100

    /// `/console/audit[?campaign=ID][&before=ID]` (admin): the audit log, newest first,
    /// each change with the fields it changed, before and after.
    func auditPage(_ request: Request) async throws -> Response {
        let (_, session) = try await requireSession(request)
        let query = request.uri.queryParameters
        let campaign = query["campaign"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let before = query["before"].flatMap { Int64(String($0)) }
        let entries = try await administration.auditEntries(
            campaign: campaign, before: before, limit: Self.auditPageSize + 1, for: session.principal)
        var rows = ""
        for entry in entries.prefix(Self.auditPageSize) {
            let subject =
                entry.campaignID.map {
                    #"<a href="/console/campaigns/\#(ConsoleHTML.escape($0.rawValue))">\#(ConsoleHTML.escape(entry.subject))</a>"#
                }
                ?? ConsoleHTML.escape(entry.subject)
            rows += """
                <tr id="audit-\(entry.id)"><td>\(entry.time.rfc3339)</td><td>\(ConsoleHTML.escape(entry.actor))</td>\
                <td>\(entry.action.rawValue)</td><td>\(subject)</td><td>\(Self.changes(entry))</td></tr>

                """
        }
        let filter = """
            <form method="get" action="/console/audit" class="inline"><label>Campaign <input name="campaign" value="\(ConsoleHTML.escape(campaign ?? ""))" maxlength="64"></label> <button type="submit">Filter</button></form>
            """
        let older =
            entries.count > Self.auditPageSize
            ? #"<p><a id="older" href="/console/audit?\#(campaign.map { "campaign=\(ConsoleHTML.escape($0))&amp;" } ?? "")before=\#(entries[Self.auditPageSize - 1].id)">Older changes</a></p>"#
            : ""
        return html(
            campaign.map { "Audit log · \($0)" } ?? "Audit log", session,
            """
            <p>\(filter)</p>
            <table id="audit"><thead><tr><th>Time (UTC)</th><th>Who</th><th>Action</th><th>What</th><th>Changed</th></tr></thead><tbody>
            \(rows.isEmpty ? #"<tr><td colspan="5" class="muted">No changes recorded.</td></tr>"# : rows)</tbody></table>
            \(older)
            <p class="muted">Who: the API key's id (the admin API and the console), <code>cli</code> (adctl) or <code>server</code>.</p>
            """)
    }

    /// The top-level fields that differ between the entry's before and after, as
    /// `field: before → after` (a creation lists what was set; values cut at 80 characters).
    static func changes(_ entry: AuditEntry) -> String {
        func object(_ text: String?) -> [String: Any] {
            text.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] } ?? [:]
        }
        func spelled(_ value: Any?) -> String {
            guard let value, !(value is NSNull) else { return "–" }
            guard JSONSerialization.isValidJSONObject([value]),
                let data = try? JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys, .withoutEscapingSlashes])
            else { return "\(value)" }
            let text = String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
            return text.count > 80 ? String(text.prefix(79)) + "…" : text
        }
        let (before, after) = (object(entry.before), object(entry.after))
        let changed = Set(before.keys).union(after.keys).sorted().filter { spelled(before[$0]) != spelled(after[$0]) }
        guard !changed.isEmpty else { return #"<span class="muted">–</span>"# }
        return changed.map { field in
            let from = entry.before == nil ? "" : "\(ConsoleHTML.escape(spelled(before[field]))) → "
            return "<code>\(ConsoleHTML.escape(field))</code>: \(from)\(ConsoleHTML.escape(spelled(after[field])))"
        }.joined(separator: "<br>")
    }
}
