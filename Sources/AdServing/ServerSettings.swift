import Configuration
import Foundation
import VickreyBudget
import VickreyConfig
import VickreyCore
import VickreyWire

/// Everything the server can be configured with. Each field is read from a dotted key of
/// `config/vickrey.json`, overridable by the environment (`HTTP_PORT`) and then by
/// `adserver` flags. Every key is documented in the README.
public struct ServerSettings: Sendable {
    /// `http.host`
    public var host = "127.0.0.1"
    /// `http.port`
    public var port = 8080
    /// `http.publicBaseURL`: where beacon URLs point; default `http://HOST:PORT`.
    public var publicBaseURL: String?
    /// `db.path`: a SQLite file, or a `postgres://` URL for a fleet.
    public var databasePath = VickreySettings.defaultDatabasePath
    /// `server.id`: this server's name in a fleet (its ledger chain); default `HOST-PORT`.
    public var serverID: String?
    /// `keys.directory`: the Ed25519 signing keys (created on first start).
    public var keysDirectory = "var/keys"
    /// `demo.seed`: seed demo campaigns when the database has none.
    public var seedDemoCampaigns = true
    /// `index.pollIntervalMilliseconds`: how often the store is checked for changes.
    public var pollIntervalMilliseconds = 250
    /// `auction.minimumFloorMicros`, `auction.incrementMicros`.
    public var rules = AuctionRules()
    /// `auction.currency`: the account currency; OpenRTB floors in others get no bid.
    public var currency = "USD"
    /// `beacon.impressionTTLSeconds`, `beacon.clickTTLSeconds`: how long an ad's
    /// impression and click URLs stay valid, and so how long a win's reservation waits
    /// for them (CPM wins wait for the impression, CPC wins for the click).
    public var beaconTimeouts = ReservationTimeouts(impressionSeconds: 900, clickSeconds: 3_600)
    /// `pacing.*`: even pacing's constants.
    public var pacing = PacingSettings()
    /// `lease.*`: how a fleet server (PostgreSQL) sizes, renews and lets expire its budget leases.
    public var leases = LeaseSettings()
    /// `frequencyCap.maximumUsers`: how many users' recent ads are remembered.
    public var frequencyCapUsers = 1_000_000
    /// `ledger.maximumBatch`: the most records one group commit writes (1: a transaction per beacon).
    public var ledgerMaximumBatch = 512
    /// `ledger.bearerToken`: what billing sends as `Authorization: Bearer …` to read
    /// `GET /v1/ledger`. Unset: the endpoint answers 401 to everyone.
    public var ledgerBearerToken: String?
    /// `currency.ratesPath`: the exchange-rates file (nil: none, only the account currency is priced).
    public var currencyRatesPath: String?
    /// `currency.maxAgeHours`: rates older than this are not used.
    public var currencyMaximumAgeHours = 48
    /// `privacy.vendorID`: our IAB Global Vendor List id, for TCF v2 vendor consent (0: none,
    /// so personal data is never used where the GDPR applies).
    public var privacy = PrivacyPolicy()
    /// `auth.maximumFailures`: failed key checks a client address may make per minute
    /// before it is answered 429 until the minute is over.
    public var authMaximumFailures = 20
    /// The example token in the shipped config file; the server warns while it is in use.
    public static let shippedBillingToken = "change-me-billing-token"
    /// Where every time-dependent decision reads the time (tests inject their own).
    public var clock: any VickreyClock = SystemClock()
    /// `http.maxBodyBytes`, `http.maxPlacements`.
    public var limits = RequestLimits()
    /// `ctr.priorWeight`: how many impressions a CPC campaign's declared CTR counts as
    /// when blended with its recorded impressions and clicks.
    public var ctrPriorWeight: Int64 = 1_000
    /// `ctr.refreshSeconds`: how often learned CTRs take in newly recorded events.
    public var ctrRefreshSeconds = 10
    /// `experiments.flushMilliseconds`: how often experiment auction counts are made durable.
    public var experimentFlushMilliseconds = 1_000
    /// `auctionLog.sampleRate` (0 to 1, default 0: off), in parts per million.
    public var auctionLogSamplePPM: Int64 = 0
    /// `auctionLog.path`, `auctionLog.maxBytes`, `auctionLog.keepFiles`.
    public var auctionLogPath = "var/auction-log.jsonl"
    public var auctionLogMaximumBytes: Int64 = 64 << 20
    public var auctionLogKeptFiles = 3

    public init() {}

    /// The server's fleet id: `server.id`, or one derived from the host and port.
    public var effectiveServerID: String {
        if let serverID { return serverID }
        let host = (ProcessInfo.processInfo.hostName.isEmpty ? host : ProcessInfo.processInfo.hostName)
        let cleaned = String(
            host.map { $0.isLetter && $0.isASCII || $0.isNumber && $0.isASCII || $0 == "." || $0 == "_" || $0 == "-" ? $0 : "-" })
        return String("\(cleaned.prefix(57))-\(port)".prefix(64))
    }

    /// The base of beacon URLs.
    public var beaconBaseURL: String { publicBaseURL ?? "http://\(host):\(port)" }

    /// Reads the settings from the config file and the environment.
    public static func load(environment: [String: String]) async throws -> ServerSettings {
        let config = try await VickreySettings.reader(environment: environment)
        var settings = ServerSettings()
        settings.host = config.string(forKey: "http.host", default: settings.host)
        settings.port = config.int(forKey: "http.port", default: settings.port)
        settings.publicBaseURL = config.string(forKey: "http.publicBaseURL")
        settings.databasePath = config.string(forKey: "db.path", default: settings.databasePath)
        settings.keysDirectory = config.string(forKey: "keys.directory", default: settings.keysDirectory)
        settings.serverID = config.string(forKey: "server.id")
        settings.seedDemoCampaigns = config.bool(forKey: "demo.seed", default: settings.seedDemoCampaigns)
        settings.pollIntervalMilliseconds = config.int(forKey: "index.pollIntervalMilliseconds", default: settings.pollIntervalMilliseconds)
        settings.rules.minimumFloor = Micros(Int64(config.int(forKey: "auction.minimumFloorMicros", default: 10_000)))
        settings.rules.increment = Micros(Int64(config.int(forKey: "auction.incrementMicros", default: 10_000)))
        settings.currency = config.string(forKey: "auction.currency", default: settings.currency).uppercased()
        settings.beaconTimeouts.impressionSeconds = Int64(config.int(forKey: "beacon.impressionTTLSeconds", default: 900))
        settings.beaconTimeouts.clickSeconds = Int64(config.int(forKey: "beacon.clickTTLSeconds", default: 3_600))
        settings.pacing = PacingSettings(
            updateIntervalSeconds: Int64(config.int(forKey: "pacing.updateIntervalSeconds", default: 60)),
            adjustmentRate: config.double(forKey: "pacing.adjustmentRate", default: 0.1),
            initialPassThrough: config.double(forKey: "pacing.initialPassThrough", default: 0.1),
            minimumPassThrough: config.double(forKey: "pacing.minimumPassThrough", default: 0.001),
            hourlyTrafficWeights: (config.string(forKey: "pacing.hourlyTrafficWeights") ?? "").split(separator: ",").compactMap {
                Double($0.trimmingCharacters(in: .whitespaces))
            }
        )
        let ttl = Int64(max(2, config.int(forKey: "lease.ttlSeconds", default: Int(settings.leases.ttlSeconds))))
        settings.leases = LeaseSettings(
            horizonMilliseconds: Int64(max(0.1, config.double(forKey: "lease.horizonSeconds", default: 5)) * 1000),
            minimumSlice: Micros(Int64(max(1, config.int(forKey: "lease.minimumSliceMicros", default: 10_000)))).nanos,
            maximumSlice: Micros(Int64(max(1, config.int(forKey: "lease.maximumSliceMicros", default: 100_000_000)))).nanos,
            ttlSeconds: ttl,
            // Renewed at least twice per lifetime, so one slow settle never lets a live lease expire.
            renewIntervalMilliseconds: min(
                ttl * 1000 / 3,
                Int64(
                    max(50, config.int(forKey: "lease.renewIntervalMilliseconds", default: Int(settings.leases.renewIntervalMilliseconds))))
            )
        )
        settings.frequencyCapUsers = config.int(forKey: "frequencyCap.maximumUsers", default: settings.frequencyCapUsers)
        settings.ledgerMaximumBatch = config.int(forKey: "ledger.maximumBatch", default: settings.ledgerMaximumBatch)
        settings.ledgerBearerToken = config.string(forKey: "ledger.bearerToken")
        settings.currencyRatesPath = config.string(forKey: "currency.ratesPath")
        settings.currencyMaximumAgeHours = max(1, config.int(forKey: "currency.maxAgeHours", default: settings.currencyMaximumAgeHours))
        settings.privacy = PrivacyPolicy(vendorID: max(0, config.int(forKey: "privacy.vendorID", default: 0)))
        settings.authMaximumFailures = max(1, config.int(forKey: "auth.maximumFailures", default: settings.authMaximumFailures))
        settings.limits.maximumBodyBytes = config.int(forKey: "http.maxBodyBytes", default: settings.limits.maximumBodyBytes)
        settings.limits.maximumPlacements = config.int(forKey: "http.maxPlacements", default: settings.limits.maximumPlacements)
        settings.ctrPriorWeight = Int64(max(1, config.int(forKey: "ctr.priorWeight", default: Int(settings.ctrPriorWeight))))
        settings.ctrRefreshSeconds = max(1, config.int(forKey: "ctr.refreshSeconds", default: settings.ctrRefreshSeconds))
        settings.experimentFlushMilliseconds = max(
            50, config.int(forKey: "experiments.flushMilliseconds", default: settings.experimentFlushMilliseconds))
        let rate = config.double(forKey: "auctionLog.sampleRate", default: 0)
        guard (0...1).contains(rate) else {
            throw InvalidSetting(key: "auctionLog.sampleRate", message: "must be from 0 to 1, not \(rate)")
        }
        settings.auctionLogSamplePPM = Int64((rate * 1_000_000).rounded())
        settings.auctionLogPath = config.string(forKey: "auctionLog.path", default: settings.auctionLogPath)
        settings.auctionLogMaximumBytes = Int64(
            max(4_096, config.int(forKey: "auctionLog.maxBytes", default: Int(settings.auctionLogMaximumBytes))))
        settings.auctionLogKeptFiles = max(1, config.int(forKey: "auctionLog.keepFiles", default: settings.auctionLogKeptFiles))
        return settings
    }
}

/// A setting whose value cannot be used; the server refuses to start and names it.
struct InvalidSetting: Error, CustomStringConvertible {
    var key: String
    var message: String
    var description: String { "\(key) \(message)" }
}
