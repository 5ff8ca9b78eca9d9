import HTTPTypes
import Hummingbird
import NIOCore
import VickreyBilling
import VickreyBudget
import VickreyCore
import VickreyLedger
import VickreyStore
import VickreyWire

/// For billing (bearer token from config): `GET /v1/ledger?after=SEQ&limit=N` and
/// `GET /v1/campaigns/{id}/budget` (live spend and reservations). For anyone who
/// verifies records: `GET /.well-known/jwks.json`.
struct LedgerController: Sendable {
    let ledger: any LedgerStore
    let keys: LiveKeyring
    /// Billing and admin keys, and the configured `ledger.bearerToken` (a billing key).
    let auth: Authenticator
    let budgets: BudgetBook
    /// A fleet's pools and leases, read for the budget endpoint's fleet figures (nil on SQLite).
    let leases: (any BudgetLeaseStore)?
    let reloader: CampaignIndexReloader
    let clock: any VickreyClock

    static var defaultLimit: Int { 100 }
    static var maximumLimit: Int { 1_000 }

    func addRoutes(to router: Router<VickreyRequestContext>) {
        router.get("/.well-known/jwks.json") { _, _ in
            var response = JSONResponse.bytes(Array(JWKS.encode(keys.publicKeys).utf8))
            response.headers[.cacheControl] = "max-age=300"
            return response
        }
        router.get("/v1/ledger") { request, context in
            try await authorize(request, context)
            return try await page(request)
        }
        router.get("/v1/ledger/chains") { request, context in
            try await authorize(request, context)
            let chains = try await ledger.chains()
            var out = JSONWriter(capacity: 64 + 128 * chains.count)
            out.object { out in
                out.key("chains")
                out.array { out in
                    for chain in chains {
                        out.object { out in
                            out.field("server_id", chain.serverID)
                            out.field("last_seq", chain.lastSeq)
                            out.field("hash", chain.headHash)
                        }
                    }
                }
            }
            return JSONResponse.bytes(out.bytes)
        }
        router.get("/v1/campaigns/:id/budget") { request, context in
            try await authorize(request, context)
            let idText = try context.parameters.require("id")
            guard let id = CampaignID(idText) else { throw APIError(code: .notFound, message: "no campaign '\(idText)'", field: "id") }
            let found: Campaign?
            do { found = try await reloader.campaign(id) } catch {
                throw APIError(code: .unavailable, message: "the campaign store: \(error)", field: nil)
            }
            guard let campaign = found else { throw APIError(code: .notFound, message: "no campaign '\(idText)'", field: "id") }
            // A fleet's figures come from the database, exact now; while it is unreachable,
            // from this server's last settle.
            var pools: [BudgetPoolState]?
            if let leases { pools = try? await leases.pools(campaign: id) }
            return budget(of: campaign, pools: pools)
        }
    }

    /// The campaign's live account. (The store call stays in the route, inside a `do`:
    /// a typed-throws `await` in a `guard` crashed Swift 6.3's optimiser, coroutine
    /// splitting, in release builds.)
    func budget(of campaign: Campaign, pools: [BudgetPoolState]?) -> Response {
        let now = clock.now()
        let account = budgets.snapshot(campaign.id, at: now)
        let limits = BudgetLimits(campaign)
        var out = JSONWriter(capacity: 640)
        out.object { out in
            out.field("campaign_id", campaign.id.rawValue)
            out.field("spent_total_nanos", account?.spentTotal.value ?? 0)
            out.field("spent_today_nanos", account?.spentToday.value ?? 0)
            out.field("reserved_nanos", account?.reserved.value ?? 0)
            out.field("open_reservations", account?.openReservations ?? 0)
            out.field("unreserved_wins", account?.unreservedWins ?? 0)
            out.field("daily_budget_nanos", limits.daily?.value)
            out.field("total_budget_nanos", limits.total.value)
            out.field("pacing", limits.pacing.rawValue)
            out.key("pass_through")
            out.number(String(account?.passThrough ?? 1))
            out.field("time_zone", limits.timeZone.identifier)
            out.key("lease")
            if budgets.isLeased {
                Self.lease(
                    account?.lease, reserved: account?.reserved ?? .zero, pools: pools, today: budgets.budgetDay(limits, at: now),
                    into: &out)
            } else {
                out.null()
            }
        }
        return JSONResponse.bytes(out.bytes)
    }

    /// A fleet server's leases on the campaign and the fleet's figures: from `pools` (the
    /// database, now) when given, else from the server's last settle.
    static func lease(_ lease: LeaseSnapshot?, reserved: Nanos, pools: [BudgetPoolState]?, today: Int64?, into out: inout JSONWriter) {
        let lifetime = lease?.lifetime ?? .zero
        let daily = lease?.daily
        let unreserved = max(Nanos.zero, min(lifetime, daily ?? lifetime) - reserved)
        var fleet = (
            spentTotal: lease?.fleetLifetime?.fleetSpent, spentToday: lease?.fleetDaily?.fleetSpent,
            outstandingLifetime: lease?.fleetLifetime?.outstanding, outstandingToday: lease?.fleetDaily?.outstanding
        )
        if let pools {
            let lifetimePool = pools.first { $0.period == .lifetime }
            let todayPool = today.flatMap { day in pools.first { $0.period == .day(day) } }
            fleet = (
                lifetimePool?.spent ?? .zero, today == nil ? nil : todayPool?.spent ?? .zero, lifetimePool?.outstanding ?? .zero,
                today == nil ? nil : todayPool?.outstanding ?? .zero
            )
        }
        out.object { out in
            out.field("lifetime_nanos", lifetime.value)
            out.field("daily_nanos", daily?.value)
            out.field("unreserved_nanos", unreserved.value)
            out.field("fleet_spent_total_nanos", fleet.spentTotal?.value)
            out.field("fleet_spent_today_nanos", fleet.spentToday?.value)
            out.field("fleet_outstanding_lifetime_nanos", fleet.outstandingLifetime?.value)
            out.field("fleet_outstanding_today_nanos", fleet.outstandingToday?.value)
        }
    }

    func page(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        let after = try Self.integer(query["after"].map(String.init), field: "after", default: 0, range: 0...Int64.max)
        let limit = Int(
            try Self.integer(
                query["limit"].map(String.init), field: "limit", default: Int64(Self.defaultLimit), range: 1...Int64(Self.maximumLimit)))
        let chain =
            try query["server"].map { text in
                let id = String(text)
                guard LedgerRecord.isValidServerID(id) else {
                    throw APIError(
                        code: .invalidRequest, message: "server must be a server id: 1–64 characters from A-Z a-z 0-9 . _ -",
                        field: "server")
                }
                return id
            } ?? ledger.chainID
        // A chain that is neither this server's nor in the ledger is unknown: 404, not an
        // empty page that would read like a chain with no records.
        if let chain, chain != ledger.chainID, try await !ledger.chains().contains(where: { $0.serverID == chain }) {
            throw APIError(
                code: .notFound, message: "no chain '\(chain)' in this ledger (GET /v1/ledger/chains lists them)", field: "server")
        }
        let records = try await ledger.records(chain: chain, after: after, limit: limit)
        // Read after the page: a record appended in between shows up as more to come.
        let last = try await ledger.tail(chain: chain).seq
        let next = records.last?.seq ?? after
        var out = JSONWriter(capacity: 128 + 640 * records.count)
        out.object { out in
            out.field("server_id", chain)
            out.key("records")
            out.array { out in
                for record in records { out.json(LedgerExport.jsonLine(record).utf8) }
            }
            out.field("next_after", next)
            out.field("has_more", next < last)
            out.field("last_seq", last)
        }
        return JSONResponse.bytes(out.bytes)
    }

    /// Billing's routes take a billing or admin key (or the configured billing token).
    private func authorize(_ request: Request, _ context: VickreyRequestContext) async throws {
        try await auth.principal(request, from: context.peerAddress).require(.billing, .admin)
    }

    private static func integer(_ text: String?, field: String, default value: Int64, range: ClosedRange<Int64>) throws -> Int64 {
        guard let text else { return value }
        guard let parsed = Int64(text), range.contains(parsed) else {
            throw APIError(code: .invalidRequest, message: "must be an integer in \(range.lowerBound)...\(range.upperBound)", field: field)
        }
        return parsed
    }
}
