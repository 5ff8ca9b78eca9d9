import AdServing
import Configuration
import Foundation
import Testing
import VickreyConfig
import VickreyCore

/// Each default is written once, on its type: the shipped config file and the
/// documented configuration table must say exactly what the code does, and a value a
/// key does not allow stops the server at start, naming the key.
@Suite("Settings: one default per key, and the file and the docs agree with it")
struct SettingsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let defaults = ServerSettings()

    /// A JSON value of the config file, as JSONDecoder reads it (a boolean is never a number).
    enum ConfigValue: Decodable {
        case boolean(Bool)
        case number(Double)
        case text(String)
        case object([String: ConfigValue])

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let flag = try? container.decode(Bool.self) {
                self = .boolean(flag)
            } else if let number = try? container.decode(Double.self) {
                self = .number(number)
            } else if let text = try? container.decode(String.self) {
                self = .text(text)
            } else {
                self = .object(try container.decode([String: ConfigValue].self))
            }
        }
    }

    /// The shipped file's keys (dotted) and their values spelt as the settings spell them.
    static func shippedFile() throws -> [String: String] {
        let data = try Data(contentsOf: root.appendingPathComponent("config/vickrey.json"))
        var flat: [String: String] = [:]
        func walk(_ prefix: String, _ value: ConfigValue) {
            switch value {
            case .object(let members): for (key, inner) in members { walk(prefix.isEmpty ? key : "\(prefix).\(key)", inner) }
            case .boolean(let flag): flat[prefix] = flag ? "true" : "false"
            case .number(let number): flat[prefix] = SettingKey<ServerSettings>.spell(number)
            case .text(let text): flat[prefix] = text
            }
        }
        walk("", try JSONDecoder().decode(ConfigValue.self, from: data))
        return flat
    }

    /// The rows of docs/configuration.md's table: key → (environment variable, default).
    static func documentedTable() throws -> [String: (environment: String, value: String)] {
        let text = try String(contentsOf: root.appendingPathComponent("docs/configuration.md"), encoding: .utf8)
        var rows: [String: (String, String)] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 6 else { continue }
            func unquoted(_ cell: String) -> String { cell.trimmingCharacters(in: CharacterSet(charactersIn: "`")) }
            rows[unquoted(cells[1])] = (unquoted(cells[2]), unquoted(cells[4]))
        }
        return rows
    }

    @Test func everyKeyOfTheShippedFileHoldsTheDefaultTheCodeUses() throws {
        let shipped = try Self.shippedFile()
        let keys = Dictionary(uniqueKeysWithValues: ServerSettings.keys.map { ($0.name, $0) })
        #expect(!shipped.isEmpty)
        for (name, value) in shipped {
            let key = try #require(keys[name], "config/vickrey.json has \(name), which the server does not read")
            #expect(value == key.spelling(defaults), "\(name): the file says \(value), the code's default is \(key.spelling(defaults))")
        }
    }

    @Test func loadingTheShippedFileChangesNothing() async throws {
        let path = Self.root.appendingPathComponent("config/vickrey.json").path
        let loaded = try await ServerSettings.load(environment: ["VICKREY_CONFIG": path])
        for key in ServerSettings.keys {
            #expect(key.spelling(loaded) == key.spelling(defaults), "\(key.name)")
        }
    }

    @Test func everyKeyIsDocumentedWithItsEnvironmentVariableAndItsDefault() throws {
        let table = try Self.documentedTable()
        for key in ServerSettings.keys {
            let row = try #require(table[key.name], "docs/configuration.md does not document \(key.name)")
            #expect(row.environment == key.environmentName, "\(key.name)")
            #expect(
                row.value == key.spelling(defaults), "\(key.name): documented \(row.value), the code's default is \(key.spelling(defaults))"
            )
        }
        let known = Set(ServerSettings.keys.map(\.name))
        for documented in table.keys {
            #expect(known.contains(documented), "docs/configuration.md documents \(documented), which nothing reads")
        }
    }

    @Test func adctlAndTheServerShareTheSameDefaults() {
        let shared = VickreySettings()
        for key in VickreySettings.keys {
            let server = ServerSettings.keys.first { $0.name == key.name }
            #expect(server?.spelling(defaults) == key.spelling(shared), "\(key.name)")
        }
    }

    @Test(arguments: [
        ("HTTP_PORT", "-1", "http.port"),
        ("CTR_PRIOR_WEIGHT", "0", "ctr.priorWeight"),
        ("LEASE_TTL_SECONDS", "1", "lease.ttlSeconds"),
        ("LEASE_RENEW_INTERVAL_MILLISECONDS", "10", "lease.renewIntervalMilliseconds"),
        ("AUCTION_LOG_SAMPLE_RATE", "1.5", "auctionLog.sampleRate"),
        ("AUCTION_CURRENCY", "dollars", "auction.currency"),
        ("PACING_HOURLY_TRAFFIC_WEIGHTS", "1,2,3", "pacing.hourlyTrafficWeights"),
        ("PACING_ADJUSTMENT_RATE", "2", "pacing.adjustmentRate"),
        ("LEDGER_BEARER_TOKEN", "change-me-billing-token", "ledger.bearerToken"),
        ("LEDGER_BEARER_TOKEN", "short", "ledger.bearerToken"),
        ("PRIVACY_VENDOR_ID", "65536", "privacy.vendorID"),
        ("HTTP_PORT", "65536", "http.port"),
    ])
    func aValueTheKeyDoesNotAllowIsRefusedNamingIt(variable: String, value: String, key: String) async throws {
        let error = await #expect(throws: InvalidSetting.self) {
            try await ServerSettings.load(environment: [
                "VICKREY_CONFIG": Self.root.appendingPathComponent("config/vickrey.json").path, variable: value,
            ])
        }
        #expect(error?.key == key)
    }

    @Test func theLeasePolicyKeepsItsSettleIntervalWithinAThirdOfTheTTL() async throws {
        let settings = try await ServerSettings.load(environment: [
            "VICKREY_CONFIG": Self.root.appendingPathComponent("config/vickrey.json").path, "LEASE_TTL_SECONDS": "3",
            "LEASE_RENEW_INTERVAL_MILLISECONDS": "5000",
        ])
        #expect(settings.leases.settleIntervalMilliseconds == 1_000)
        #expect(settings.leases.reapEverySettles == 1)
    }
}
