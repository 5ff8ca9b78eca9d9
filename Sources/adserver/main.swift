import AdServing
import ArgumentParser
import Foundation
import Hummingbird
import Logging
import VickreyConfig

/// `adserver`: the ad server. Settings come from config/vickrey.json (or $VICKREY_CONFIG),
/// then the environment, then these flags.
@main
struct AdServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "adserver", abstract: "Run the Vickrey ad server.")

    @Option(help: "Address to listen on (http.host).") var host: String?
    @Option(help: "Port to listen on (http.port).") var port: Int?
    @Option(help: "SQLite database file or postgres://USER[:PASSWORD]@HOST[:PORT]/DBNAME (db.path).") var db: String?
    @Option(name: .customLong("server-id"), help: "This server's fleet-unique name, [A-Za-z0-9._-]{1,64} (server.id; default HOST-PORT).")
    var serverID: String?
    @Option(name: .customLong("keys"), help: "Signing key directory (keys.directory).") var keysDirectory: String?
    @Option(name: .customLong("public-base-url"), help: "Base of beacon URLs (http.publicBaseURL).") var publicBaseURL: String?
    @Flag(name: .customLong("no-seed"), help: "Do not seed demo campaigns into an empty database (demo.seed=false).") var noSeed = false

    /// The entry point. A log reader that went away (`adserver | head`) must not stop the
    /// server: SIGPIPE is ignored, so log lines written after it are dropped.
    static func main() async {
        StandardStream.ignoreBrokenPipes()
        await main(nil)
    }

    func validate() throws {
        if let port, !(0...65_535).contains(port) { throw ValidationError("--port must be 0 to 65535, not \(port)") }
    }

    func run() async throws {
        var settings = try await ServerSettings.load(environment: ProcessInfo.processInfo.environment)
        if let host { settings.host = host }
        if let port { settings.port = port }
        if let db { settings.shared.databasePath = db }
        if let serverID { settings.serverID = serverID }
        if let keysDirectory { settings.shared.keysDirectory = keysDirectory }
        if let publicBaseURL { settings.publicBaseURL = publicBaseURL }
        if noSeed { settings.seedDemoCampaigns = false }
        var logger = Logger(label: "vickrey")
        logger.logLevel = .info
        let app = try await buildApplication(settings: settings, logger: logger)
        try await app.runService()
        logger.info("stopped; database closed")
    }
}
