import Foundation
import NIOCore
import NIOPosix
import VickreyCore
import VickreyLedger

/// One checked invariant.
public struct InvariantCheck: Codable, Sendable {
    public var name: String
    public var passed: Bool
    public var detail: String
}

/// The invariants checked after a run; the harness exits non-zero unless all pass.
public struct InvariantReport: Codable, Sendable {
    public var checks: [InvariantCheck]
    public var passed: Bool { checks.allSatisfy(\.passed) }

    public var summary: String {
        (["invariants       " + (passed ? "all hold" : "VIOLATED")]
            + checks.map { "  [\($0.passed ? "ok" : "FAIL")] \($0.name): \($0.detail)" })
            .joined(separator: "\n")
    }

    enum CodingKeys: String, CodingKey { case checks, passed }

    public init(checks: [InvariantCheck]) { self.checks = checks }

    public init(from decoder: any Decoder) throws {
        checks = try decoder.container(keyedBy: CodingKeys.self).decode([InvariantCheck].self, forKey: .checks)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(checks, forKey: .checks)
        try container.encode(passed, forKey: .passed)
    }
}

/// A campaign's budgets as the server reports them, with its own count of spend.
public struct CampaignBudget: Sendable {
    public var total: Nanos
    public var daily: Nanos?
    public var timeZone: CampaignTimeZone
    /// What the server holds as spent (a fleet server: the fleet's spend in the
    /// database as of its last settle); compared with the ledger's sum.
    public var serverSpentTotal: Nanos?
    /// Whether `serverSpentTotal` is the fleet's (leases on PostgreSQL).
    public var fleet: Bool

    public init(total: Nanos, daily: Nanos?, timeZone: CampaignTimeZone = .utc, serverSpentTotal: Nanos? = nil, fleet: Bool = false) {
        self.total = total
        self.daily = daily
        self.timeZone = timeZone
        self.serverSpentTotal = serverSpentTotal
        self.fleet = fleet
    }
}

/// Checks what must hold after any run, over every chain of the ledger (one for a single
/// server, one per server in a fleet): every record verifies and every chain is intact;
/// every beacon answered 2xx during the run has exactly one record (billed or unbilled),
/// and no event is recorded twice anywhere; no campaign's billed spend exceeds its
/// lifetime budget or, on any day of its zone, its daily budget; and the server's spend
/// (the fleet's, in a fleet) equals the ledger's.
public enum InvariantChecker {
    /// A single server's ledger: one chain, whose last seq before the run was `lastSeqBeforeRun`.
    public static func check(
        records: [LedgerRecord], keys: PublicKeySet, lastSeqBeforeRun: Int64, beaconsAccepted: Int, budgets: [CampaignID: CampaignBudget]
    ) -> InvariantReport {
        check(records: records, keys: keys, chainsBeforeRun: [nil: lastSeqBeforeRun], beaconsAccepted: beaconsAccepted, budgets: budgets)
    }

    /// `records`: every chain's, each in order; `chainsBeforeRun`: each chain's last seq
    /// before the run (a chain missing from it was empty).
    ///
    /// `beaconsUnanswered`: beacons that got no answer (a server killed mid-run) or a 5xx;
    /// each may have been recorded (before the kill, or by its replay at another server),
    /// so the records may exceed the accepted beacons by up to that many, never fall
    /// short of them.
    public static func check(
        records: [LedgerRecord], keys: PublicKeySet, chainsBeforeRun: [String?: Int64], beaconsAccepted: Int,
        beaconsUnanswered: Int = 0, budgets: [CampaignID: CampaignBudget]
    ) -> InvariantReport {
        var checks: [InvariantCheck] = []

        // Signatures and hashes on every core, a batch at a time; order and chains in one pass.
        var verifier = LedgerChainsVerifier(keys: keys)
        for start in stride(from: 0, to: records.count, by: 16_384) {
            verifier.check(batch: Array(records[start..<min(records.count, start + 16_384)]))
        }
        let failure = verifier.problems.first
        checks.append(
            InvariantCheck(
                name: "every record verifies, every chain intact", passed: failure == nil,
                detail: failure
                    ?? "\(verifier.verifiedCount) records in \(verifier.chainOrder.count) chain(s) verified against \(keys.keys.count) public key(s)"
            ))

        let events = records.map { "\($0.event.kind.rawValue):\($0.event.impressionID)" }
        let repeated = events.count - Set(events).count
        checks.append(
            InvariantCheck(
                name: "every event recorded once, fleet-wide", passed: repeated == 0,
                detail: repeated == 0 ? "\(events.count) events, each once" : "\(repeated) events recorded more than once"))

        let during = records.filter { $0.seq > chainsBeforeRun[$0.serverID] ?? 0 }
        let billed = during.filter(\.event.billed).count
        let extra = during.count - beaconsAccepted
        checks.append(
            InvariantCheck(
                name: beaconsUnanswered == 0
                    ? "beacons answered 2xx = billed + unbilled records"
                    : "beacons answered 2xx ≤ records ≤ those + beacons unanswered or failed",
                passed: extra >= 0 && extra <= beaconsUnanswered,
                detail:
                    "\(beaconsAccepted) beacons accepted, \(during.count) records appended (\(billed) billed, \(during.count - billed) unbilled)"
                    + (beaconsUnanswered > 0 ? ", \(beaconsUnanswered) beacons unanswered or answered 5xx" : "")
            ))

        var lifetime: [CampaignID: Nanos] = [:]
        var daily: [CampaignID: [Int64: Nanos]] = [:]
        for record in records where record.event.billed {
            let event = record.event
            lifetime[event.campaignID, default: .zero] += event.charge
            let zone = budgets[event.campaignID]?.timeZone ?? .utc
            let day = event.eventTime.dayNumber(offsetSeconds: zone.offsetSeconds(at: event.eventTime))
            daily[event.campaignID, default: [:]][day, default: .zero] += event.charge
        }
        var overspent: [String] = []
        var unknown: [String] = []
        for (campaign, spent) in lifetime.sorted(by: { $0.key < $1.key }) {
            guard let budget = budgets[campaign] else {
                unknown.append(campaign.rawValue)
                continue
            }
            if spent > budget.total {
                overspent.append("\(campaign) spent \(spent.value) nanos of a \(budget.total.value) lifetime budget")
            }
            if let limit = budget.daily {
                for (day, amount) in daily[campaign] ?? [:] where amount > limit {
                    overspent.append("\(campaign) spent \(amount.value) nanos on day \(day) of a \(limit.value) daily budget")
                }
            }
        }
        checks.append(
            InvariantCheck(
                name: "no campaign's spend exceeds its budgets", passed: overspent.isEmpty && unknown.isEmpty,
                detail: overspent.first ?? unknown.first.map { "no budget known for campaign \($0)" }
                    ?? "\(lifetime.count) campaigns with billed spend, all within budget"
            ))

        let mismatched = lifetime.compactMap { campaign, spent -> String? in
            guard let server = budgets[campaign]?.serverSpentTotal, server != spent else { return nil }
            return
                "\(campaign): \(budgets[campaign]?.fleet == true ? "fleet (database)" : "server") \(server.value) nanos, ledger \(spent.value) nanos"
        }
        let fleet = budgets.values.contains { $0.fleet }
        checks.append(
            InvariantCheck(
                name: fleet ? "the fleet's spend (database) equals the ledger's" : "the server's spend equals the ledger's",
                passed: mismatched.isEmpty,
                detail: mismatched.sorted().first ?? "spend matches for \(lifetime.count) campaigns"
            ))
        return InvariantReport(checks: checks)
    }
}

/// Reads what the checks need from a running server: the JWKS, every ledger record (by
/// cursor, with the billing token) and the budgets of the campaigns that spent.
public struct LedgerReader: Sendable {
    public let target: LoadRunner.Target
    public let billingToken: String

    public init(target: LoadRunner.Target, billingToken: String) {
        self.target = target
        self.billingToken = billingToken
    }

    /// The server answered something the checks cannot use.
    public struct ReadError: Error, CustomStringConvertible {
        public var description: String
    }

    func get(_ connection: HTTPConnection, _ path: String) async throws -> [UInt8] {
        let result = try await connection.send(
            PlannedRequest(kind: .healthz, method: .GET, path: path, authorization: "Bearer \(billingToken)"))
        guard result.status == 200 else {
            throw ReadError(
                description:
                    "GET \(path) answered \(result.status)\(result.status == 401 ? ": pass the billing token (--billing-token or LEDGER_BEARER_TOKEN)" : "")"
            )
        }
        return result.body
    }

    public func lastSeq() async throws -> Int64 {
        let connection = try await HTTPConnection.connect(
            host: target.host, port: target.port, group: MultiThreadedEventLoopGroup.singleton)
        defer { connection.close() }
        let page = try JSONSerialization.jsonObject(with: Data(try await get(connection, "/v1/ledger?limit=1"))) as? [String: Any]
        guard let last = (page?["last_seq"] as? NSNumber)?.int64Value else {
            throw ReadError(description: "the ledger page carries no last_seq")
        }
        return last
    }

    /// Every chain's last seq (`GET /v1/ledger/chains`), by server id (nil: a single server's).
    public func chains() async throws -> [String?: Int64] {
        let connection = try await HTTPConnection.connect(
            host: target.host, port: target.port, group: MultiThreadedEventLoopGroup.singleton)
        defer { connection.close() }
        return try await chains(connection)
    }

    private func chains(_ connection: HTTPConnection) async throws -> [String?: Int64] {
        let object = try JSONSerialization.jsonObject(with: Data(try await get(connection, "/v1/ledger/chains"))) as? [String: Any]
        guard let chains = object?["chains"] as? [[String: Any]] else {
            throw ReadError(description: "the chains list is not the documented shape")
        }
        var last: [String?: Int64] = [:]
        for chain in chains { last[chain["server_id"] as? String] = (chain["last_seq"] as? NSNumber)?.int64Value ?? 0 }
        return last
    }

    /// Every chain's records (each in order), the JWKS, and the budgets of the campaigns
    /// that spent with the answering server's spend (a fleet server's: the fleet's).
    public func read() async throws -> (records: [LedgerRecord], keys: PublicKeySet, budgets: [CampaignID: CampaignBudget]) {
        let connection = try await HTTPConnection.connect(
            host: target.host, port: target.port, group: MultiThreadedEventLoopGroup.singleton, timeout: .seconds(60))
        defer { connection.close() }
        let keys = try JWKS.decode(Data(try await get(connection, "/.well-known/jwks.json")))
        var records: [LedgerRecord] = []
        for server in try await chains(connection).keys.sorted(by: { ($0 ?? "") < ($1 ?? "") }) {
            records += try await read(chain: server, connection)
        }
        var budgets: [CampaignID: CampaignBudget] = [:]
        for campaign in Set(records.filter(\.event.billed).map(\.event.campaignID)) {
            let body = try await get(connection, "/v1/campaigns/\(campaign)/budget")
            guard let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
                let total = (object["total_budget_nanos"] as? NSNumber)?.int64Value
            else { continue }
            let lease = object["lease"] as? [String: Any]
            let spent = lease.map { $0["fleet_spent_total_nanos"] } ?? object["spent_total_nanos"]
            budgets[campaign] = CampaignBudget(
                total: Nanos(total), daily: (object["daily_budget_nanos"] as? NSNumber).map { Nanos($0.int64Value) },
                timeZone: (object["time_zone"] as? String).flatMap(CampaignTimeZone.init(identifier:)) ?? .utc,
                serverSpentTotal: (spent as? NSNumber).map { Nanos($0.int64Value) }, fleet: lease != nil
            )
        }
        return (records, keys, budgets)
    }

    /// One chain's records, in order (`server`: nil for a single server's chain).
    private func read(chain server: String?, _ connection: HTTPConnection) async throws -> [LedgerRecord] {
        var records: [LedgerRecord] = []
        var after: Int64 = 0
        while true {
            let body = try await get(connection, "/v1/ledger?after=\(after)&limit=1000\(server.map { "&server=\($0)" } ?? "")")
            guard let page = LedgerPageText(body) else { throw ReadError(description: "the ledger page is not the documented shape") }
            // Each record's exact-format parse on every core.
            for parsed in ParallelMap.map(
                page.recordLines, chunk: 64, { line in Result { () throws(LedgerFormatError) in try LedgerExport.parse(jsonLine: line) } })
            {
                records.append(try parsed.get())
            }
            after = page.nextAfter ?? after
            if !page.hasMore { break }
        }
        return records
    }
}
