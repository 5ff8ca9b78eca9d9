import ArgumentParser
import VickreyCore
import VickreyStore
import VickreyWire

/// `adctl lease list`: a fleet's budget pools and the leases outstanding on them.
struct LeaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lease",
        abstract: "Show a fleet's budget leases (PostgreSQL): what each server may still spend of each budget.",
        subcommands: [List.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "Each campaign's budgets with the fleet's spend and every server's outstanding lease.",
            discussion: """
                OUTSTANDING is the money in flight: the most the fleet can still bill beyond SPENT before it asks \
                the database again. SPENT + OUTSTANDING never exceeds BUDGET. A lease marked (expired) belongs to a \
                server that stopped renewing it; the next settle by any server returns it to the pool.
                Examples:
                  adctl lease list --db postgres://vickrey@db.internal/vickrey
                  adctl lease list --campaign acme-brand --json
                """
        )

        @Option(help: "Only this campaign.") var campaign: String?
        @OptionGroup var output: OutputOptions
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let only = try campaign.map { text in
                guard let id = CampaignID(text) else { throw CommandFailure.usage("--campaign: '\(text)' is not a campaign id") }
                return id
            }
            let pools = try await store.call { db in
                guard let leases = db.leases else {
                    throw CommandFailure(
                        message:
                            "\(db.location) is a SQLite file: leases exist only in a fleet on PostgreSQL (one server spends its budgets directly)",
                        exitCode: CommandFailure.refused)
                }
                return try await leases.pools(campaign: only)
            }
            if output.json {
                Console.print("[" + pools.map(Self.json).joined(separator: ",") + "]")
                return
            }
            var table = TextTable(headers: ["CAMPAIGN", "BUDGET", "AMOUNT", "SPENT", "OUTSTANDING", "AVAILABLE", "LEASES"])
            for pool in pools {
                let available = pool.budget.map { max(.zero, $0 - pool.spent - pool.outstanding) }
                table.rows.append([
                    pool.campaignID.rawValue, pool.period.description, pool.budget.map(ReportCommand.money) ?? "-",
                    ReportCommand.money(pool.spent), ReportCommand.money(pool.outstanding), available.map(ReportCommand.money) ?? "-",
                    pool.leases.filter { $0.remaining > .zero }.map {
                        "\($0.serverID)=\(ReportCommand.money($0.remaining))\($0.expired ? " (expired)" : "")"
                    }
                    .joined(separator: " "),
                ])
            }
            let inFlight = pools.reduce(Nanos.zero) { $0 + $1.outstanding }
            Console.print(
                table.render() + "\nmoney in flight (outstanding leases): \(ReportCommand.money(inFlight)) (\(inFlight.value) nanos)")
        }

        static func json(_ pool: BudgetPoolState) -> String {
            var out = JSONWriter()
            out.object { out in
                out.field("campaign_id", pool.campaignID.rawValue)
                out.field("budget", pool.period == .lifetime ? "lifetime" : pool.period.description)
                out.field("budget_nanos", pool.budget?.value)
                out.field("spent_nanos", pool.spent.value)
                out.field("outstanding_nanos", pool.outstanding.value)
                out.field("committed_nanos", pool.committed.value)
                out.key("leases")
                out.array { out in
                    for lease in pool.leases {
                        out.object { out in
                            out.field("server_id", lease.serverID)
                            out.field("remaining_nanos", lease.remaining.value)
                            out.field("expires_at", lease.expiresAt.rfc3339Milliseconds)
                            out.field("expired", lease.expired)
                        }
                    }
                }
            }
            return out.text
        }
    }
}
