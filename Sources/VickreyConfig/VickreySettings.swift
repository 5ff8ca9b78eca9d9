import Configuration
import SystemPackage

/// The settings every executable shares, resolved in this order (first wins): command
/// line flags (for the keys that have one: each executable declares its own), environment
/// variables, the config file, built-in defaults.
///
/// The config file is `config/vickrey.json` in the working directory unless the
/// environment variable `VICKREY_CONFIG` names another; a missing default file is not an
/// error, a missing named one is. Keys are dotted (`db.path`); their environment form
/// is upper-cased with dots as underscores (`DB_PATH`).
public struct VickreySettings: Sendable {
    /// Where the config file is looked for when `VICKREY_CONFIG` is not set.
    public static let defaultConfigFile = "config/vickrey.json"
    /// Where the database lives when nothing says otherwise.
    public static let defaultDatabasePath = "var/vickrey.sqlite"

    /// Where the signing keys live when nothing says otherwise.
    public static let defaultKeysDirectory = "var/keys"

    /// `db.path`: the SQLite database file.
    public var databasePath: String
    /// `keys.directory`: the Ed25519 signing keys.
    public var keysDirectory: String
    /// `ctr.priorWeight`: how many impressions a CPC campaign's declared CTR counts as
    /// (the server's and `adctl campaign show`'s learned CTRs agree on it).
    public var ctrPriorWeight: Int64 = 1_000
    /// `currency.ratesPath`: the exchange-rates file (nil: none).
    public var currencyRatesPath: String?

    /// Reads the settings from the environment and the config file.
    public static func load(environment: [String: String]) async throws -> VickreySettings {
        let reader = try await reader(environment: environment)
        var settings = VickreySettings(
            databasePath: reader.string(forKey: "db.path", default: defaultDatabasePath),
            keysDirectory: reader.string(forKey: "keys.directory", default: defaultKeysDirectory)
        )
        settings.ctrPriorWeight = Int64(max(1, reader.int(forKey: "ctr.priorWeight", default: 1_000)))
        settings.currencyRatesPath = reader.string(forKey: "currency.ratesPath")
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
