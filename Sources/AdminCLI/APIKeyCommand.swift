import ArgumentParser
import Foundation
import VickreyCore
import VickreyStore
import VickreyWire

/// `adctl apikey create|list|revoke`: keys for the admin API, the console and billing.
struct APIKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apikey",
        abstract: "Create, list and revoke API keys (admin, advertiser, billing).",
        discussion: """
            A key is printed once, when it is created; the database keeps only a hash of it. Requests send \
            it as Authorization: Bearer KEY; the console signs in with it.
            Examples:
              adctl apikey create --role admin --label ops
              adctl apikey create --role advertiser --advertiser acme --json
              adctl apikey revoke 1f0c9a7b2d3e4f56
            """,
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a key and print it (once).")
        @Option(help: "admin, advertiser or billing.") var role: String
        @Option(help: "The advertiser an advertiser key is limited to.") var advertiser: String?
        @Option(help: "A note to tell keys apart in `apikey list`.") var label = ""
        @OptionGroup var output: OutputOptions
        @OptionGroup var store: StoreOptions

        func run() async throws {
            guard let role = AccessRole(rawValue: role) else {
                throw CommandFailure.usage("--role must be admin, advertiser or billing, not '\(role)'")
            }
            var advertiserID: AdvertiserID?
            switch (role, advertiser) {
            case (.advertiser, nil): throw CommandFailure.usage("--advertiser is required for an advertiser key")
            case (.advertiser, let text?):
                guard let id = AdvertiserID(text) else { throw CommandFailure.usage("--advertiser: '\(text)' is not an advertiser id") }
                advertiserID = id
            case (_, .some): throw CommandFailure.usage("--advertiser is only for --role advertiser")
            default: break
            }
            guard label.utf8.count <= 128, !label.contains(where: \.isNewline) else {
                throw CommandFailure.usage("--label: at most 128 characters on one line")
            }
            let (key, record) = APIKeyMaterial.generate(role: role, advertiserID: advertiserID, label: label, at: wallClockNow())
            try await store.call { db in try await db.apiKeys.create(record) }
            if output.json {
                var out = JSONWriter()
                out.object { out in
                    out.field("id", record.id)
                    out.field("key", key)
                    out.field("role", role.rawValue)
                    out.field("advertiser_id", advertiserID?.rawValue)
                }
                Console.print(out.text)
            } else {
                Console.print(key)
                Console.error(
                    "created \(role.rawValue) key \(record.id)\(advertiserID.map { " for advertiser \($0)" } ?? ""): shown only now, keep it"
                )
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every key (never its secret).")
        @OptionGroup var output: OutputOptions
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let keys = try await store.call { db in try await db.apiKeys.keys() }
            if output.json {
                var out = JSONWriter()
                out.array { out in
                    for key in keys {
                        out.object { out in
                            out.field("id", key.id)
                            out.field("role", key.role.rawValue)
                            out.field("advertiser_id", key.advertiserID?.rawValue)
                            out.field("label", key.label)
                            out.field("created_at", key.createdAt.rfc3339)
                            out.field("revoked", key.revokedAt != nil)
                        }
                    }
                }
                Console.print(out.text)
                return
            }
            var table = TextTable(headers: ["ID", "ROLE", "ADVERTISER", "LABEL", "CREATED", "REVOKED"])
            for key in keys {
                table.rows.append([
                    key.id, key.role.rawValue, key.advertiserID?.rawValue ?? "-", key.label.isEmpty ? "-" : key.label,
                    key.createdAt.rfc3339,
                    key.revokedAt?.rfc3339 ?? "-",
                ])
            }
            Console.print(table.render())
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key for good (running servers refuse it at once).")
        @Argument(help: "The key's id (the 16 hex characters after vk_), or the whole key.") var id: String
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let keyID = APIKeyMaterial.parse(id)?.id ?? id
            try await store.call { db in try await db.apiKeys.revoke(id: keyID, at: wallClockNow()) }
            Console.print("revoked API key \(keyID)")
        }
    }
}
