import Configuration
import SystemPackage
import VickreyCore

/// The settings every executable shares (the server, and `adctl` where it needs the same
/// files), resolved in this order (first wins): command line flags (for the keys that
/// have one: each executable declares its own), environment variables, the config file,
/// the defaults below.
///
/// The config file is `config/vickrey.json` in the working directory unless the
/// environment variable `VICKREY_CONFIG` names another; a missing default file is not an
/// error, a missing named one is. Keys are dotted (`db.path`); their environment form
/// is upper-cased with dots and camel-case word boundaries as underscores (`DB_PATH`).
public struct VickreySettings: Sendable {
    /// Where the config file is looked for when `VICKREY_CONFIG` is not set.
    public static let defaultConfigFile = "config/vickrey.json"

    /// `db.path`: the SQLite database file, or a `postgres://` URL for a fleet.
    public var databasePath = "var/vickrey.sqlite"
    /// `keys.directory`: the Ed25519 signing keys.
    public var keysDirectory = "var/keys"
    /// `ctr.priorWeight`: how many impressions a CPC campaign's declared CTR counts as
    /// (the server's and `adctl campaign show`'s learned CTRs agree on it).
    public var ctrPriorWeight = ClickThroughLearning.defaultPriorWeight
    /// `currency.ratesPath`: the exchange-rates file (nil: none).
    public var currencyRatesPath: String?

    public init() {}

    /// Every key these settings read.
    public static var keys: [SettingKey<VickreySettings>] {
        [
            .string("db.path", \.databasePath),
            .string("keys.directory", \.keysDirectory),
            .integer("ctr.priorWeight", \.ctrPriorWeight, minimum: 1),
            .optionalString("currency.ratesPath", \.currencyRatesPath),
        ]
    }

    /// Reads the settings from the environment and the config file.
    public static func load(environment: [String: String]) async throws -> VickreySettings {
        try read(try await reader(environment: environment))
    }

    /// Reads the settings from `config`; throws `InvalidSetting` naming a key whose value
    /// cannot be used.
    public static func read(_ config: ConfigReader) throws(InvalidSetting) -> VickreySettings {
        var settings = VickreySettings()
        for key in keys { try key.apply(config, to: &settings) }
        return settings
    }

    /// A reader over the environment and the config file, for settings beyond these.
    public static func reader(environment: [String: String]) async throws -> ConfigReader {
        let named = environment["VICKREY_CONFIG"]
        let file = try await FileProvider<JSONSnapshot>(
            filePath: FilePath(named ?? defaultConfigFile), allowMissing: named == nil
        )
        return ConfigReader(providers: [EnvironmentVariablesProvider(environmentVariables: environment), file])
    }
}
