import ArgumentParser
import VickreyCore
import VickreyStore
import VickreyWire

/// `adctl audit list`: the audit log, newest first, of one campaign or of everything.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Who changed what: every change made through the admin API, the console or adctl.",
        subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The audit log, newest first (who: an API key's id, cli or server; the thing before and after with --json).")
        @Option(help: "Only the changes to this campaign.") var campaign: String?
        @Option(help: "At most this many entries (1–10000).") var limit = 50
        @Option(help: "Only entries older than this entry id (the next page).") var before: Int64?
        @OptionGroup var output: OutputOptions
        @OptionGroup var store: StoreOptions

        func validate() throws {
            guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be from 1 to 10000") }
            if let campaign, CampaignID(campaign) == nil { throw ValidationError("--campaign must be a campaign id") }
            if let before, before < 1 { throw ValidationError("--before must be an entry id (1 or more)") }
        }

        func run() async throws {
            let filter = campaign.flatMap(CampaignID.init)
            let (limit, before) = (limit, before)
            let entries = try await store.call { db in try await db.audit.entries(campaign: filter, before: before, limit: limit) }
            if output.json {
                for entry in entries {
                    var out = JSONWriter()
                    entry.write(into: &out)
                    Console.print(out.text)
                }
                return
            }
            var table = TextTable(headers: ["ID", "TIME", "ACTOR", "ACTION", "SUBJECT"])
            for entry in entries {
                table.rows.append([String(entry.id), entry.time.rfc3339, entry.actor, entry.action.rawValue, entry.subject])
            }
            Console.print(table.render())
        }
    }
}
