import ArgumentParser
import VickreyCore
import VickreyStore

/// `adctl advertiser create|list|show`.
struct AdvertiserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "advertiser", abstract: "Create, list and show advertisers.",
        subcommands: [Create.self, List.self, Show.self]
    )

    /// The JSON shape of an advertiser.
    struct Document: Codable {
        var id: String
        var name: String
        var campaigns: [String: Int]?
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an advertiser.",
            discussion: "Example:\n  adctl advertiser create acme --name \"Acme Corp\" --db var/vickrey.sqlite"
        )
        @Argument(help: "Advertiser id: 1–64 characters from A-Z a-z 0-9 . _ -") var id: String
        @Option(help: "Display name (default: the id).") var name: String?
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let advertiser = try parsedAdvertiserID(id)
            try await store.call { db in try await db.campaigns.createAdvertiser(Advertiser(id: advertiser, name: name ?? id)) }
            Console.print("created advertiser \(advertiser)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List advertisers.", discussion: "Example:\n  adctl advertiser list --json")
        @OptionGroup var output: OutputOptions
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let advertisers = try await store.call { db in try await db.campaigns.advertisers() }
            if output.json {
                Console.print(try JSONOutput.pretty(advertisers.map { Document(id: $0.id.rawValue, name: $0.name) }))
            } else {
                Console.print(TextTable(headers: ["ID", "NAME"], rows: advertisers.map { [$0.id.rawValue, $0.name] }).render())
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one advertiser and its campaign counts.", discussion: "Example:\n  adctl advertiser show acme")
        @Argument(help: "Advertiser id.") var id: String
        @OptionGroup var output: OutputOptions
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let advertiserID = try parsedAdvertiserID(id)
            guard let advertiser = try await store.call({ db in try await db.campaigns.advertiser(advertiserID) }) else {
                throw CommandFailure(message: "no advertiser '\(id)'", exitCode: CommandFailure.notFound)
            }
            let counts = try await store.call { db in try await db.campaigns.campaignCounts(advertiser: advertiserID) }
            let byStatus = Dictionary(uniqueKeysWithValues: CampaignStatus.allCases.map { ($0.rawValue, counts[$0] ?? 0) })
            if output.json {
                Console.print(try JSONOutput.pretty(Document(id: advertiser.id.rawValue, name: advertiser.name, campaigns: byStatus)))
            } else {
                Console.print(
                    keyValueLines([
                        ("id", advertiser.id.rawValue), ("name", advertiser.name),
                        ("campaigns", CampaignStatus.allCases.map { "\(byStatus[$0.rawValue]!) \($0.rawValue)" }.joined(separator: ", ")),
                    ]))
            }
        }
    }
}

func parsedAdvertiserID(_ text: String) throws -> AdvertiserID {
    do { return try AdvertiserID(validating: text) } catch { throw CommandFailure.usage("advertiser id: \(error.description)") }
}

func parsedCampaignID(_ text: String) throws -> CampaignID {
    do { return try CampaignID(validating: text) } catch { throw CommandFailure.usage("campaign id: \(error.description)") }
}
