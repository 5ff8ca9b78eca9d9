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
    /// What the server holds as spent; compared with the ledger's sum.
    public var serverSpentTotal: Nanos?

    public init(total: Nanos, daily: Nanos?, timeZone: CampaignTimeZone = .utc, serverSpentTotal: Nanos? = nil) {
        self.total = total
        self.daily = daily
        self.timeZone = timeZone
        self.serverSpentTotal = serverSpentTotal
    }
}

/// Checks what must hold after any run: every record verifies and the chain is intact;
/// every beacon answered 2xx during the run has exactly one record (billed or unbilled);
/// no campaign's billed spend exceeds its lifetime budget or, on any day of its zone, its
/// daily budget; and the server's own spend equals the ledger's.
public enum InvariantChecker {
    public static func check(
        records: [LedgerRecord], keys: PublicKeySet, lastSeqBeforeRun: Int64, beaconsAccepted: Int, budgets: [CampaignID: CampaignBudget]
    ) -> InvariantReport {
        var checks: [InvariantCheck] = []

        var verifier = LedgerVerifier(keys: keys)
        for record in records { verifier.check(record) }
        let failure = verifier.firstProblem
        checks.append(
            InvariantCheck(
                name: "every record verifies, chain intact", passed: failure == nil,
                detail: failure.map(\.description) ?? "\(verifier.verifiedCount) records verified against \(keys.keys.count) public key(s)"
            ))

        let during = records.filter { $0.seq > lastSeqBeforeRun }
        let billed = during.filter(\.event.billed).count
        checks.append(
            InvariantCheck(
                name: "beacons answered 2xx = billed + unbilled records", passed: during.count == beaconsAccepted,
                detail:
                    "\(beaconsAccepted) beacons accepted, \(during.count) records appended (\(billed) billed, \(during.count - billed) unbilled)"
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
            return "\(campaign): server \(server.value) nanos, ledger \(spent.value) nanos"
        }
        checks.append(
            InvariantCheck(
                name: "the server's spend equals the ledger's", passed: mismatched.isEmpty,
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

    public func read() async throws -> (records: [LedgerRecord], keys: PublicKeySet, budgets: [CampaignID: CampaignBudget]) {
        let connection = try await HTTPConnection.connect(
            host: target.host, port: target.port, group: MultiThreadedEventLoopGroup.singleton, timeout: .seconds(60))
        defer { connection.close() }
        let keys = try JWKS.decode(Data(try await get(connection, "/.well-known/jwks.json")))
        var records: [LedgerRecord] = []
        var after: Int64 = 0
        while true {
            let body = try await get(connection, "/v1/ledger?after=\(after)&limit=1000")
            guard let page = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
                let objects = page["records"] as? [[String: Any]]
            else { throw ReadError(description: "the ledger page is not the documented shape") }
            for object in objects {
                records.append(
                    try LedgerExport.parse(jsonLine: String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)))
            }
            after = (page["next_after"] as? NSNumber)?.int64Value ?? after
            if page["has_more"] as? Bool != true { break }
        }
        var budgets: [CampaignID: CampaignBudget] = [:]
        for campaign in Set(records.filter(\.event.billed).map(\.event.campaignID)) {
            let body = try await get(connection, "/v1/campaigns/\(campaign)/budget")
            guard let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
                let total = (object["total_budget_nanos"] as? NSNumber)?.int64Value
            else { continue }
            budgets[campaign] = CampaignBudget(
                total: Nanos(total), daily: (object["daily_budget_nanos"] as? NSNumber).map { Nanos($0.int64Value) },
                timeZone: (object["time_zone"] as? String).flatMap(CampaignTimeZone.init(identifier:)) ?? .utc,
                serverSpentTotal: (object["spent_total_nanos"] as? NSNumber).map { Nanos($0.int64Value) }
            )
        }
        return (records, keys, budgets)
    }
}
