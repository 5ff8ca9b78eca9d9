import AdServing
import Foundation
import Hummingbird
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Logging
import NIOCore
import VickreyBudget
import VickreyConfig
import VickreyCore
import Testing
import VickreySigning
import VickreyStore

/// A server on a temporary database and key directory, driven through HummingbirdTesting.
final class ServerHarness: Sendable {
    let directory: URL
    let settings: ServerSettings

    init(seedDemo: Bool = false, configure: (inout ServerSettings) -> Void = { _ in }) {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("adserver-test-\(UUID().uuidString)")
        var settings = ServerSettings()
        settings.shared.databasePath = directory.appendingPathComponent("vickrey.sqlite").path
        settings.shared.keysDirectory = directory.appendingPathComponent("keys").path
        settings.seedDemoCampaigns = seedDemo
        settings.publicBaseURL = "https://ads.example"
        settings.ledgerBearerToken = ServerHarness.billingToken
        // The tests of other features click as soon as they have an ad; InvalidTrafficTests
        // set the delay of the product's default.
        settings.minimumClickDelayMilliseconds = 0
        configure(&settings)
        self.settings = settings
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func store() async throws -> any CampaignStore { try await Store.open(StoreLocation(settings.shared.databasePath)).campaigns }

    func ledger() async throws -> any LedgerStore { try await Store.open(StoreLocation(settings.shared.databasePath)).ledger }

    static let billingToken = "test-billing-token"
    /// What the tests' requests say they are: an ordinary desktop browser (`docs/counting.md`:
    /// test traffic must look like a person's, or the invalid-traffic filter drops its beacons).
    static let browserUserAgent =
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"

    /// A new admin API key in the harness's database (made before the server starts, or
    /// while it runs: keys are read on every request).
    func adminKey() async throws -> String {
        let store = try await Store.open(StoreLocation(settings.shared.databasePath))
        let (key, record) = APIKeyMaterial.generate(
            role: .admin, advertiserID: nil, label: "test-admin", at: Instant(secondsSinceEpoch: 1_795_737_600))
        try await store.apiKeys.create(record)
        return key
    }

    /// What a request asking for the auction's explanation sends: JSON and an admin key.
    func debugHeaders() async throws -> HTTPFields {
        [.contentType: "application/json", .authorization: "Bearer \(try await adminKey())"]
    }

    /// Runs `body` against a freshly built application, through the router only (no
    /// background services: enough for auctions, not for beacons).
    func test(_ body: @Sendable @escaping (any TestClientProtocol) async throws -> Void) async throws {
        try await test(.router, body)
    }

    /// Runs `body` against the application really started on a local port, with its
    /// background services (ledger writer, reservation sweeps, key reloads).
    func live(_ body: @Sendable @escaping (any TestClientProtocol) async throws -> Void) async throws {
        try await test(.live, body)
    }

    /// `live`, returning what `body` returns.
    func liveResult<Value: Sendable>(_ body: @Sendable @escaping (any TestClientProtocol) async throws -> Value) async throws -> Value {
        let box = Box<Value>()
        try await live { client in await box.set(try await body(client)) }
        return try #require(await box.value)
    }

    /// The server's signing keys, as `adctl` would load them.
    func keyring() throws -> SigningKeyring? { try SigningKeyring.load(directory: settings.shared.keysDirectory) }

    private func test(_ setup: TestingSetup, _ body: @Sendable @escaping (any TestClientProtocol) async throws -> Void) async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let app = try await buildApplication(settings: settings, logger: logger)
        try await app.test(setup) { client in try await body(client) }
    }
}

extension TestClientProtocol {
    func post(_ uri: String, json: String, headers: HTTPFields = [.contentType: "application/json"]) async throws -> TestResponse {
        try await execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: json))
    }

    /// A GET as a browser makes it (`ServerHarness.browserUserAgent` unless the headers name another).
    func get(_ uri: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        if headers[.userAgent] == nil { headers[.userAgent] = ServerHarness.browserUserAgent }
        return try await execute(uri: uri, method: .get, headers: headers)
    }

    /// The ledger page, read with the billing token.
    func ledger(after: Int64 = 0, limit: Int = 1_000) async throws -> [[String: Any]] {
        let response = try await get(
            "/v1/ledger?after=\(after)&limit=\(limit)", headers: [.authorization: "Bearer \(ServerHarness.billingToken)"])
        return response.object["records"] as? [[String: Any]] ?? []
    }

    /// One ad for a single placement, with the paths of its beacon URLs.
    func ad(_ json: String) async throws -> (ad: [String: Any], impression: String, click: String)? {
        let response = try await post("/v1/ads", json: json)
        guard let ad = (response.object["ads"] as? [[String: Any]])?.first,
            let impression = (ad["impression_url"] as? String).flatMap(URL.init(string:))?.path,
            let click = (ad["click_url"] as? String).flatMap(URL.init(string:))?.path
        else { return nil }
        return (ad, impression, click)
    }
}

extension TestResponse {
    var json: Any? { try? JSONSerialization.jsonObject(with: Data(body.readableBytesView), options: [.fragmentsAllowed]) }
    var object: [String: Any] { json as? [String: Any] ?? [:] }
    var text: String { String(buffer: body) }
    /// `error.field` of an error body (NSNull becomes nil).
    var errorField: String? { (object["error"] as? [String: Any])?["field"] as? String }
    var errorCode: String? { (object["error"] as? [String: Any])?["code"] as? String }
}

enum Campaigns {
    static func make(
        _ id: String, advertiser: String, bid: Int64, targeting: Targeting = .any, sizes: [String] = ["300x250"],
        pricing: Pricing = .cpm, ctr: Int64? = nil, totalBudget: Int64 = 1_000_000_000
    ) -> Campaign {
        Campaign(
            id: CampaignID(id)!, advertiserID: AdvertiserID(advertiser)!, name: id, pricing: pricing, bid: Micros(bid),
            predictedCTR: ctr.map { ClickThroughRate(partsPerMillion: $0) }, totalBudget: Micros(totalBudget),
            targeting: targeting,
            creatives: sizes.enumerated().map {
                Creative(
                    id: CreativeID("\(id)-\($0.offset)")!, size: AdSize($0.element)!, imageURL: "https://cdn.example/\(id).png",
                    clickURL: "https://\(advertiser).example/", advertiserDomains: ["\(advertiser).example"])
            }
        )
    }

    /// The OpenRTB 2.6 §4.4.1 example: bids 1.00, 0.90, 0.80 from three advertisers.
    static func seedSpecExample(_ harness: ServerHarness) async throws {
        _ = try await harness.store().importCampaigns([
            make("one", advertiser: "a", bid: 1_000_000), make("two", advertiser: "b", bid: 900_000),
            make("three", advertiser: "c", bid: 800_000, targeting: Targeting(countries: [CountryCode("US")!])),
        ])
    }
}
