import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import VickreyBudget
import VickreyCore
import VickreyStore
import VickreyWire
import VickreyYield

/// The web console at `/console/`: server-rendered pages over the same use cases and
/// role rules as the admin API (`Administration`). Sign-in takes an API key and starts a session (cookie
/// `HttpOnly`, `SameSite=Strict`, `Path=/console`); every form carries the session's
/// CSRF token (the sign-in form a double-submit token). What a role may not do is not
/// offered, and refused if asked anyway.
struct ConsoleController: Sendable {
    let administration: Administration
    let auth: Authenticator
    let sessions: ConsoleSessions
    let budgets: BudgetBook
    let clock: any VickreyClock
    /// Adds `Secure` to the cookies (when the console is served over HTTPS).
    let secureCookies: Bool

    func addRoutes(to router: Router<VickreyRequestContext>) {
        // `/console` and `/console/` are one route.
        router.get("/console") { request, _ in
            Self.redirect(signedIn(request) == nil ? "/console/signin" : "/console/campaigns")
        }
        router.get("/console/assets/console.css") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=3600"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: ConsoleHTML.stylesheet)))
        }
        router.get("/console/signin") { _, _ in signInPage(message: nil) }
        router.post("/console/signin") { request, context in try await signIn(request, context) }
        router.post("/console/signout") { request, _ in
            let (id, _) = try await requireSession(request)
            _ = try await requireForm(request, id: id)
            sessions.end(id)
            var response = Self.redirect("/console/signin")
            response.headers[values: .setCookie] = [cookie(ConsoleSessions.cookieName, "", maxAge: 0)]
            return response
        }
        router.get("/console/campaigns") { request, _ in try await campaignsPage(request) }
        router.get("/console/campaigns/new") { request, _ in
            let (_, session) = try await requireSession(request)
            try requireAdmin(session)
            return try await newCampaignPage(session, form: .blank)
        }
        router.post("/console/campaigns") { request, _ in try await createCampaign(request) }
        router.get("/console/campaigns/:id") { request, context in try await campaignPage(request, try context.parameters.require("id")) }
        router.get("/console/campaigns/:id/edit") { request, context in
            let (_, session) = try await requireSession(request)
            try requireAdmin(session)
            let campaign = try await administration.campaign(try context.parameters.require("id"), for: session.principal)
            return editPage(session, campaign.id, form: CampaignForm(campaign))
        }
        router.post("/console/campaigns/:id/edit") { request, context in
            try await editCampaign(request, try context.parameters.require("id"))
        }
        for (action, status) in [("pause", CampaignStatus.paused), ("resume", .active)] {
            router.post("/console/campaigns/:id/\(action)") { request, context in
                let (id, session) = try await requireSession(request)
                _ = try await requireForm(request, id: id)
                let campaign = try await administration.setStatus(try context.parameters.require("id"), to: status, by: session.principal)
                return Self.redirect("/console/campaigns/\(campaign.id)")
            }
        }
        router.post("/console/campaigns/:id/forecast") { request, context in
            try await forecastPage(request, try context.parameters.require("id"))
        }
        router.get("/console/line-items") { request, _ in try await lineItemsPage(request) }
        router.get("/console/reports") { request, _ in try await reportsPage(request) }
        router.get("/console/reports/csv") { request, _ in try await reportCSV(request) }
        router.get("/console/experiments") { request, _ in try await experimentsPage(request) }
        router.post("/console/experiments") { request, _ in try await createExperiment(request) }
        router.post("/console/experiments/:id/stop") { request, context in
            let (id, session) = try await requireSession(request)
            _ = try await requireForm(request, id: id)
            let stopped = try await administration.stopExperiment(try context.parameters.require("id"), by: session.principal)
            return Self.redirect("/console/experiments#experiment-\(stopped.experiment.id)")
        }
        router.get("/console/audit") { request, _ in try await auditPage(request) }
    }

    // MARK: Sessions

    private func signInPage(message: String?, status: HTTPResponse.Status = .ok) -> Response {
        let token = sessions.signInToken()
        let body = """
            \(message.map { #"<p class="notice" id="signin-error">\#(ConsoleHTML.escape($0))</p>"# } ?? "")
            <form method="post" action="/console/signin" class="edit">
            <input type="hidden" name="csrf" value="\(token)">
            <label for="f-key">API key</label><input id="f-key" name="key" type="password" autocomplete="off">
            <p><button type="submit">Sign in</button></p></form>
            <p class="muted">An administrator makes keys with <code>adctl apikey create --role admin</code> (or
            <code>--role advertiser --advertiser ID</code>).</p>
            """
        var response = htmlResponse(ConsoleHTML.page("Sign in", principal: nil, csrf: nil, body), status: status)
        response.headers[values: .setCookie] = [cookie(ConsoleSessions.signInCookieName, token, maxAge: 3_600)]
        return response
    }

    private func signIn(_ request: Request, _ context: VickreyRequestContext) async throws -> Response {
        let fields = FormData.parse(try await readBody(request, limit: 16_384))
        // Double submit, and the token must be one this server issued: a pair an attacker
        // chose (login CSRF: signing a victim into the attacker's session) is refused.
        guard let expected = FormData.cookie(ConsoleSessions.signInCookieName, in: request.headers[.cookie]),
            let presented = fields["csrf"], ConsoleSessions.same(expected, presented), sessions.isValidSignInToken(presented)
        else { return signInPage(message: "The form expired; sign in again.", status: .forbidden) }
        let principal: Principal
        let client = auth.addresses.client(peer: context.peerAddress, forwardedFor: request.headers[values: .xForwardedFor])
        do { principal = try await auth.principal(key: fields["key"] ?? "", client: client) } catch let error as APIError {
            return signInPage(message: error.code == .tooManyAttempts ? error.message : "That key is not valid.", status: error.status)
        }
        guard principal.role != .billing else {
            return signInPage(
                message: "A billing key reads the ledger API; the console needs an admin or advertiser key.", status: .forbidden)
        }
        let (id, _) = sessions.start(principal)
        var response = Self.redirect("/console/campaigns")
        response.headers[values: .setCookie] = [
            cookie(ConsoleSessions.cookieName, id, maxAge: Int(sessions.lifetimeSeconds)),
            cookie(ConsoleSessions.signInCookieName, "", maxAge: 0),
        ]
        return response
    }

    private func signedIn(_ request: Request) -> (String, ConsoleSessions.Session)? {
        guard let id = FormData.cookie(ConsoleSessions.cookieName, in: request.headers[.cookie]), let session = sessions.session(id) else {
            return nil
        }
        return (id, session)
    }

    /// The request's session, its key still valid; otherwise a redirect to sign in.
    func requireSession(_ request: Request) async throws -> (String, ConsoleSessions.Session) {
        guard let (id, session) = signedIn(request) else { throw ConsoleRedirect(location: "/console/signin") }
        if let keyID = session.principal.keyID {
            guard try await administration.keyIsValid(keyID) else {
                sessions.end(id)
                throw ConsoleRedirect(location: "/console/signin")
            }
        }
        return (id, session)
    }

    /// A posted form's fields, once its CSRF token matches the session's (403 otherwise).
    func requireForm(_ request: Request, id: String) async throws -> [String: String] {
        let fields = FormData.parse(try await readBody(request, limit: 65_536))
        guard let session = sessions.session(id), let token = fields["csrf"], ConsoleSessions.same(token, session.csrfToken) else {
            throw APIError(code: .forbidden, message: "the form's CSRF token is missing or wrong: reload the page", field: "csrf")
        }
        return fields
    }

    func requireAdmin(_ session: ConsoleSessions.Session) throws {
        try session.principal.require(.admin)
    }

    private func cookie(_ name: String, _ value: String, maxAge: Int) -> String {
        "\(name)=\(value); Path=/console; HttpOnly; SameSite=Strict; Max-Age=\(maxAge)\(secureCookies ? "; Secure" : "")"
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    func htmlResponse(_ html: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                HTTPField.Name("Content-Security-Policy")!:
                    "default-src 'self'; style-src 'self'; img-src 'self' data: https:; media-src https:; form-action 'self'; frame-ancestors 'none'",
                HTTPField.Name("Referrer-Policy")!: "same-origin",
                HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    func html(_ title: String, _ session: ConsoleSessions.Session, _ body: String, status: HTTPResponse.Status = .ok) -> Response {
        htmlResponse(ConsoleHTML.page(title, principal: session.principal, csrf: session.csrfToken, body), status: status)
    }

    // MARK: Campaigns

    private func campaignPage(_ request: Request, _ idText: String) async throws -> Response {
        let (_, session) = try await requireSession(request)
        let campaign: Campaign
        let since: Instant
        let delivered: [HourlyDelivery]
        do { (campaign, since, delivered) = try await administration.hourlyDelivery(idText, hours: 48, for: session.principal) } catch {
            guard case .notFound = error else { throw error }
            return html("Not found", session, "<p>No campaign '\(ConsoleHTML.escape(idText))'.</p>", status: .notFound)
        }
        let now = clock.now()
        let byHour = Dictionary(uniqueKeysWithValues: delivered.map { ($0.hour.secondsSinceEpoch, $0) })
        let hours = (0..<48).map { offset -> (label: String, impressions: Int64, spend: Nanos) in
            let start = since.secondsSinceEpoch + Int64(offset) * 3_600
            let row = byHour[start]
            return (
                String(Instant(secondsSinceEpoch: start).rfc3339.prefix(16)).replacingOccurrences(of: "T", with: " "),
                row?.impressions ?? 0, row?.spend ?? .zero
            )
        }
        let account = budgets.snapshot(campaign.id, at: now)
        let id = ConsoleHTML.escape(campaign.id.rawValue)
        var actions = ""
        if campaign.status == .active || campaign.status == .paused {
            let (action, label) = campaign.status == .active ? ("pause", "Pause") : ("resume", "Resume")
            actions +=
                #"<form method="post" action="/console/campaigns/\#(id)/\#(action)" class="inline">\#(ConsoleHTML.csrfField(session.csrfToken))<button type="submit" id="\#(action)">\#(label)</button></form> "#
        }
        if session.principal.role == .admin {
            actions +=
                #"<a href="/console/campaigns/\#(id)/edit">Edit</a> <a href="/console/audit?campaign=\#(id)" id="history">History</a>"#
        }
        let body = """
            <p>\(actions)</p>
            <table><tbody>
            <tr><th>Advertiser</th><td>\(ConsoleHTML.escape(campaign.advertiserID.rawValue))</td></tr>
            <tr><th>Status</th><td class="status-\(campaign.status.rawValue)" id="status">\(campaign.status.rawValue)</td></tr>
            <tr><th>Bid</th><td>\(campaign.pricing.rawValue) \(ConsoleHTML.money(campaign.bid))\(campaign.predictedCTR.map { " at a \($0) CTR prior" } ?? "")</td></tr>
            <tr><th>Spent today</th><td>\(ConsoleHTML.bar(account?.spentToday ?? .zero, of: campaign.dailyBudget?.nanos))</td></tr>
            <tr><th>Spent in total</th><td>\(ConsoleHTML.bar(account?.spentTotal ?? .zero, of: campaign.totalBudget.nanos))</td></tr>
            <tr><th>Pacing</th><td>\(campaign.pacing.rawValue)\(campaign.pacing == .even ? ", passing \(Int(((account?.passThrough ?? 1) * 1000).rounded()) / 10)% of requests" : "")</td></tr>
            \(Self.settingsRows(campaign))
            </tbody></table>
            \(try await lineItemSection(campaign, session: session, now: now))
            <h2>Creatives</h2>
            \(ConsoleHTML.creativePreviews(campaign.creatives))
            <h2>Delivery by hour (UTC, last 48 hours)</h2>
            \(ConsoleHTML.hourlyChart(hours))
            <p class="muted">\(delivered.reduce(0) { $0 + $1.impressions }) impressions, \(delivered.reduce(0) { $0 + $1.clicks }) clicks, \(ConsoleHTML.money(delivered.reduce(Nanos.zero) { $0 + $1.spend })) spent in these hours (from the ledger).</p>
            """
        return html(campaign.name.isEmpty ? campaign.id.rawValue : "\(campaign.id) · \(campaign.name)", session, body)
    }

    /// A line item's status and its cumulative delivery by hour over its flight so far,
    /// against the ideal curve its goal follows; empty for other campaigns.
    private func lineItemSection(_ campaign: Campaign, session: ConsoleSessions.Session, now: Instant) async throws -> String {
        guard let status = administration.lineItems.status(of: campaign) else { return "" }
        var section = #"<h2>Line item</h2><p id="line-item-status">\#(ConsoleHTML.escape(status.summary))</p>"#
        if session.principal.role == .admin { section += availabilityForm(campaign, csrf: session.csrfToken) }
        guard case .standard(let goal, let pace) = campaign.lineItem.delivery, let start = campaign.start, let end = campaign.end,
            now > start
        else { return section }
        let flightHours = Int(min((min(now, end).secondsSinceEpoch - start.secondsSinceEpoch + 3_599) / 3_600, 24 * 31))
        let delivery = try await administration.hourlyDelivery(campaign.id.rawValue, hours: max(1, flightHours), for: session.principal)
        let byHour = Dictionary(uniqueKeysWithValues: delivery.rows.map { ($0.hour.secondsSinceEpoch, $0.impressions) })
        let shape = administration.lineItems.policy.lineItems.trafficShape
        let ideal: GoalPace = pace == .asap ? .even : pace
        var cumulative: Int64 = 0
        var points: [(label: String, delivered: Int64, ideal: Int64)] = []
        for offset in 0..<max(1, flightHours) {
            let hourStart = delivery.since.secondsSinceEpoch + Int64(offset) * 3_600
            cumulative += byHour[hourStart] ?? 0
            let at = Instant(secondsSinceEpoch: hourStart + 3_600)
            let due = GoalCurve.units(goal, ppm: GoalCurve.duePPM(pace: ideal, start: start, end: end, at: at, shape: shape))
            points.append(
                (String(Instant(secondsSinceEpoch: hourStart).rfc3339.prefix(13)).replacingOccurrences(of: "T", with: " "), cumulative, due)
            )
        }
        section += "<h3>Delivered against the ideal curve (UTC, cumulative)</h3>" + ConsoleHTML.goalChart(points, goal: goal)
        return section
    }

    /// "Check availability": the forecast of the line item over a window (its flight by default).
    private func availabilityForm(_ campaign: Campaign, csrf: String) -> String {
        let id = ConsoleHTML.escape(campaign.id.rawValue)
        return #"""
            <form method="post" action="/console/campaigns/\#(id)/forecast" class="forecast">\#(ConsoleHTML.csrfField(csrf))
            <label>From <input name="from" value="\#(campaign.start?.rfc3339 ?? "")" placeholder="2026-12-01T00:00:00Z"></label>
            <label>To <input name="to" value="\#(campaign.end?.rfc3339 ?? "")" placeholder="2026-12-31T00:00:00Z"></label>
            <button type="submit" id="check-availability">Check availability</button></form>
            """#
    }

    /// The forecast of a line item over the form's window (admin).
    private func forecastPage(_ request: Request, _ idText: String) async throws -> Response {
        let (id, session) = try await requireSession(request)
        try requireAdmin(session)
        let fields = try await requireForm(request, id: id)
        let campaign = try await administration.campaign(idText, for: session.principal)
        func instant(_ name: String) throws -> Instant? {
            guard let text = fields[name], !text.isEmpty else { return nil }
            guard let instant = RFC3339.parse(text) else {
                throw APIError(code: .invalidRequest, message: "'\(text.prefix(64))' is not an RFC 3339 time", field: name)
            }
            return instant
        }
        let (forecast, question) = try await administration.forecast(
            campaign, from: try instant("from"), to: try instant("to"), weeks: 4, by: session.principal)
        let contenders = forecast.contenders.map { contender in
            "<tr><td>\(ConsoleHTML.escape(contender.campaignID.rawValue))</td><td>\(contender.type)</td><td>\(contender.takes)</td></tr>"
        }.joined()
        let warnings = forecast.warnings.map { "<li>\(ConsoleHTML.escape($0))</li>" }.joined()
        let body = """
            <p>\(question.from.rfc3339) → \(question.to.rfc3339), from \(forecast.historyWeeks) week(s) of sampled requests.</p>
            <table id="forecast"><tbody>
            <tr><th>Matched requests</th><td id="forecast-matched">\(forecast.matched)</td></tr>
            <tr><th>Available</th><td id="forecast-available">\(forecast.available)</td></tr>
            <tr><th>95% interval</th><td>\(forecast.low) – \(forecast.high)</td></tr>
            \(question.proposed.lineItem.goal.map { "<tr><th>Goal</th><td>\($0)</td></tr>" } ?? "")
            </tbody></table>
            <h2>Booked line items taking what it matches</h2>
            <table><thead><tr><th>Line item</th><th>Type</th><th>Takes</th></tr></thead><tbody>\(contenders.isEmpty ? #"<tr><td colspan="3" class="muted">None.</td></tr>"# : contenders)</tbody></table>
            \(warnings.isEmpty ? "" : #"<h2>Warnings</h2><ul id="forecast-warnings">\#(warnings)</ul>"#)
            <p><a href="/console/campaigns/\(ConsoleHTML.escape(campaign.id.rawValue))">Back to the line item</a></p>
            """
        return html("Availability of \(campaign.id)", session, body)
    }

    /// The advertisers the create form's menu offers (none past 1,000: a text field then).
    private func advertiserChoices(_ session: ConsoleSessions.Session) async throws -> [String] {
        let advertisers = try await administration.advertisers(for: session.principal)
        return advertisers.count > 1_000 ? [] : advertisers.map(\.id.rawValue)
    }

    private func newCampaignPage(_ session: ConsoleSessions.Session, form: CampaignForm, status: HTTPResponse.Status = .ok)
        async throws -> Response
    {
        var form = form
        form.advertisers = try await advertiserChoices(session)
        return html(
            "New campaign", session, form.html(action: "/console/campaigns", csrf: session.csrfToken, submit: "Create"), status: status)
    }

    private func editPage(_ session: ConsoleSessions.Session, _ id: CampaignID, form: CampaignForm, status: HTTPResponse.Status = .ok)
        -> Response
    {
        html(
            "Edit \(id)", session,
            form.html(action: "/console/campaigns/\(id)/edit", csrf: session.csrfToken, submit: "Save", locked: ["id", "advertiser_id"]),
            status: status)
    }

    private func createCampaign(_ request: Request) async throws -> Response {
        let (id, session) = try await requireSession(request)
        try requireAdmin(session)
        let fields = try await requireForm(request, id: id)
        let form = CampaignForm(values: fields)
        if let format = fields["add"].flatMap(CreativeFormat.init(rawValue:)) {
            return try await newCampaignPage(session, form: form.adding(format))
        }
        switch form.campaign(existing: nil) {
        case .invalid(let form): return try await newCampaignPage(session, form: form, status: .badRequest)
        case .campaign(let campaign):
            do { try await administration.createCampaign(campaign, by: session.principal) } catch {
                let refusal = APIError(error)
                var form = form
                form.errors[refusal.code == .notFound ? "advertiser_id" : "id"] = refusal.message
                return try await newCampaignPage(session, form: form, status: refusal.status)
            }
            return Self.redirect("/console/campaigns/\(campaign.id)")
        }
    }

    private func editCampaign(_ request: Request, _ idText: String) async throws -> Response {
        let (id, session) = try await requireSession(request)
        try requireAdmin(session)
        let fields = try await requireForm(request, id: id)
        let existing = try await administration.campaign(idText, for: session.principal)
        var values = fields
        values["id"] = existing.id.rawValue
        values["advertiser_id"] = existing.advertiserID.rawValue
        let form = CampaignForm(values: values)
        if let format = fields["add"].flatMap(CreativeFormat.init(rawValue:)) {
            return editPage(session, existing.id, form: form.adding(format))
        }
        switch form.campaign(existing: existing) {
        case .invalid(let form): return editPage(session, existing.id, form: form, status: .badRequest)
        case .campaign(let campaign):
            _ = try await administration.replaceCampaign(existing.id.rawValue, with: campaign, by: session.principal)
            return Self.redirect("/console/campaigns/\(existing.id)")
        }
    }

    // MARK: Reports and experiments

    /// "known_robot 3, prefetch 1": the invalid events of a report row, by category.
    static func invalidBreakdown(_ invalid: [String: Int64]) -> String {
        let shown = DeliveryReport.invalidCategories.compactMap { category in invalid[category].map { "\(category) \($0)" } }
        return shown.isEmpty ? "none" : shown.joined(separator: ", ")
    }
}

/// Sends a console request elsewhere (to sign in, say).
struct ConsoleRedirect: Error {
    var location: String
}
