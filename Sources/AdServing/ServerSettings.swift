import Configuration
import Foundation
import VickreyBudget
import VickreyConfig
import VickreyCore
import VickreyStore
import VickreyWire
import VickreyTraffic
import VickreyYield

/// Everything the server can be configured with. Each field is read from a dotted key of
/// `config/vickrey.json`, overridable by the environment (`HTTP_PORT`) and then by
/// `adserver` flags; `keys` lists them all, and `docs/configuration.md` documents each.
///
/// A default is written once: on the type that uses the value (`AuctionRules`,
/// `PacingSettings`, `LeasePolicy`, `ReservationTimeouts`, `RequestLimits`, …) or, for
/// what only the server tunes, on the field below. The loader falls back to these, and
/// a test checks that the shipped config file and the documented table say the same.
public struct ServerSettings: Sendable {
    /// The keys `adctl` shares: `db.path`, `keys.directory`, `ctr.priorWeight`, `currency.ratesPath`.
    public var shared = VickreySettings()
    /// `http.host`
    public var host = "127.0.0.1"
    /// `http.port`
    public var port = 8080
    /// `http.publicBaseURL`: where beacon URLs point; default `http://HOST:PORT`.
    public var publicBaseURL: String?
    /// `server.id`: this server's name in a fleet (its ledger chain); default `HOST-PORT`.
    public var serverID: String?
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
    public var beaconTimeouts = ReservationTimeouts()
    /// `budget.reservationWindowSeconds`, `budget.minimumOpenReservations`: how much of a
    /// budget wins without beacons may hold (`ReservationLimits`).
    public var reservationLimits = ReservationLimits()
    /// `pacing.*`: even pacing's constants.
    public var pacing = PacingSettings()
    /// `lease.*`: how a fleet server (PostgreSQL) sizes, renews and lets expire its budget leases.
    public var leases = LeasePolicy()
    /// `frequencyCap.maximumUsers`: how many users' recent ads are remembered.
    public var frequencyCapUsers = FrequencyCapper.defaultMaximumUsers
    /// `ledger.maximumBatch`: the most records one group commit writes (1: a transaction per beacon).
    public var ledgerMaximumBatch = LedgerWriter.defaultMaximumBatch
    /// `ledger.bearerToken`: a token billing may send as `Authorization: Bearer …` to
    /// read the ledger, besides billing API keys. Unset (the default): API keys only.
    public var ledgerBearerToken: String?
    /// The token earlier versions shipped in `config/vickrey.json`: refused, since anyone can read it.
    public static let exampleBillingToken = "change-me-billing-token"
    /// The shortest `ledger.bearerToken` accepted.
    public static let minimumBillingTokenCharacters = 16
    /// `currency.maxAgeHours`: rates older than this are not used.
    public var currencyMaximumAgeHours = 48
    /// `privacy.vendorID`: our IAB Global Vendor List id, for TCF v2 vendor consent (0: none,
    /// so personal data is never used where the GDPR applies).
    public var privacy = PrivacyPolicy()
    /// `auth.maximumFailures`: failed key checks a client address may make per minute
    /// before it is answered 429 until the minute is over.
    public var authMaximumFailures = 20
    /// Where every time-dependent decision reads the time (tests inject their own).
    public var clock: any VickreyClock = SystemClock()
    /// `http.maxBodyBytes`, `http.maxPlacements`.
    public var limits = RequestLimits()
    /// `http.idleTimeoutSeconds`, `http.headerTimeoutSeconds`, `http.bodyTimeoutSeconds`,
    /// `http.maxConnectionsPerClient`.
    public var connections = ConnectionLimits()
    /// `ivt.trustedProxies`: the proxies (CIDRs) whose `X-Forwarded-For` names the client;
    /// no one's by default. Read wherever a client's address decides something.
    public var trustedProxies: [AddressRange] = []
    /// `ivt.robotsPath`, `ivt.browsersPath`, `ivt.excludedAddressesPath`: the invalid-traffic
    /// list files (none: the default robot list alone).
    public var ivtRobotsPath: String?
    public var ivtBrowsersPath: String?
    public var ivtExcludedAddressesPath: String?
    /// `ivt.minimumClickDelayMilliseconds`: a click sooner than this after its ad was
    /// served is invalid (`click_too_fast`).
    public var minimumClickDelayMilliseconds = TrafficJudge.defaultMinimumClickDelayMilliseconds
    /// `ctr.refreshSeconds`: how often learned CTRs take in newly recorded events.
    public var ctrRefreshSeconds = 10
    /// `experiments.flushMilliseconds`: how often experiment auction counts are made durable.
    public var experimentFlushMilliseconds = 1_000
    /// `auctionLog.sampleRate` (0 to 1, default 0: off), in parts per million.
    public var auctionLogSamplePPM: Int64 = 0
    /// `auctionLog.path`, `auctionLog.maxBytes`, `auctionLog.keepFiles`.
    public var auctionLogPath = AuctionLog.defaultPath
    public var auctionLogMaximumBytes = AuctionLog.defaultMaximumBytes
    public var auctionLogKeptFiles = AuctionLog.defaultKeptFiles
    /// `requestSample.sampleRate` (0 to 1, default 0.0001), in parts per million: the
    /// requests forecasts are made from.
    public var requestSamplePPM: Int64 = RequestSample.defaultSampleRatePPM
    /// `requestSample.path` (empty: `request-sample.jsonl` beside a SQLite database, else
    /// `var/request-sample.jsonl`), `requestSample.maxBytes`, `requestSample.keepFiles`.
    public var requestSamplePath = ""
    public var requestSampleMaximumBytes = RequestSample.defaultMaximumBytes
    public var requestSampleKeptFiles = RequestSample.defaultKeptFiles

    /// Where the request sample is written.
    public var effectiveRequestSamplePath: String {
        guard requestSamplePath.isEmpty else { return requestSamplePath }
        return RequestSample.defaultPath(beside: shared.databasePath)
    }

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

    /// Reads the settings from the config file and the environment; throws
    /// `InvalidSetting` naming a key whose value cannot be used.
    public static func load(environment: [String: String]) async throws -> ServerSettings {
        try read(try await VickreySettings.reader(environment: environment))
    }

    /// Reads every key of `keys` from `config`, each falling back to its default.
    public static func read(_ config: ConfigReader) throws(InvalidSetting) -> ServerSettings {
        var settings = ServerSettings()
        for key in keys { try key.apply(config, to: &settings) }
        return settings
    }
}
