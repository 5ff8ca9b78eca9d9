import Crypto
import Foundation
import GRDB
import Logging
import PostgresNIO
import Testing
import VickreyCore
import VickreyLedger
import VickreyStore
import VickreyTestSupport

/// What the migrations to viewability and invalid traffic, then to video and native, do to
/// a database an earlier version wrote: every ledger record reads back byte for byte and
/// verifies, campaigns load as they were (their creatives banners), the chain continues
/// after them, the new kinds are accepted (a video's `complete` once), a CPCV video
/// campaign saves and loads, and a prefetch is recorded apart from the render it precedes.
@Suite("Migrations keep what earlier versions wrote")
struct MigrationTests {
    let key = Curve25519.Signing.PrivateKey()
    var keys: PublicKeySet { PublicKeySet(keys: ["k-old": Array(key.publicKey.rawRepresentation)]) }
    /// The last migration of the version before viewability, per engine.
    static func earlierVersion(_ engine: TestEngine) -> String { engine == .sqlite ? "v7: campaign deals" : "v6: campaign deals" }
    static let time = Instant(millisecondsSinceEpoch: 1_795_737_600_000)

    func event(_ kind: BeaconKind, _ impression: Int, reason: UnbilledReason? = nil, charge: Int64 = 0, at offset: Int64 = 0) -> LedgerEvent
    {
        LedgerEvent(
            kind: kind, billed: reason == nil, reason: reason, impressionID: String(format: "%024x", impression),
            requestID: "r-old \"é\" \(impression)", campaignID: CampaignID(unchecked: "spring"),
            advertiserID: AdvertiserID(unchecked: "acme"),
            creativeID: CreativeID(unchecked: "cr-1"), placementID: PlacementID(unchecked: "home_feed"), pricing: .cpc,
            clearingECPM: Micros(1_200_000), charge: Nanos(charge), eventTime: Self.time.adding(seconds: offset))
    }

    /// An impression and its click, sealed as the earlier version sealed them.
    func oldRecords(serverID: String?) throws -> [LedgerRecord] {
        let sealer = try LedgerSealer(LedgerSigningKey(id: "k-old", rawPrivateKey: key.rawRepresentation))
        let impression = try sealer.seal(event(.impression, 1), seq: 1, after: LedgerRecord.genesisHash, serverID: serverID)
        let click = try sealer.seal(event(.click, 1, charge: 100_000_000, at: 5), seq: 2, after: impression.hash, serverID: serverID)
        return [impression, click]
    }

    static let campaignSQL = [
        "INSERT INTO advertiser (id, name, created_at) VALUES ('acme', 'Acme', '2026-11-01T00:00:00Z')",
        """
        INSERT INTO campaign (id, advertiser_id, name, status, pricing, bid_micros, predicted_ctr_ppm, total_budget_micros, time_zone, pacing,
            revision, updated_at)
        VALUES ('spring', 'acme', 'Spring', 'active', 'cpc', 500000, 12000, 100000000, 'UTC', 'asap', 1, '2026-11-01T00:00:00Z')
        """,
        """
        INSERT INTO creative (id, campaign_id, position, size, image_url, click_url)
        VALUES ('cr-1', 'spring', 0, '300x250', 'https://cdn.acme.example/a.png', 'https://acme.example/')
        """,
        "UPDATE store_revision SET revision = 1",
    ]

    /// Writes the campaign and the records with the earlier version's columns.
    func writeAsTheEarlierVersion(_ records: [LedgerRecord], into database: TestDatabase) async throws {
        switch database.location {
        case .sqlite(let path):
            let queue = try DatabaseQueue(path: path)
            try await queue.write { db in
                for sql in Self.campaignSQL { try db.execute(sql: sql) }
                for record in records {
                    let e = record.event
                    try db.execute(
                        sql: """
                            INSERT INTO ledger (seq, kind, billed, reason, impression_id, request_id, campaign_id, advertiser_id, creative_id,
                                placement_id, pricing, clearing_ecpm_micros, charge_nanos, event_time_ms, prev_hash, hash, kid, sig)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [
                            record.seq, e.kind.rawValue, e.billed, e.reason?.rawValue, e.impressionID, e.requestID, e.campaignID.rawValue,
                            e.advertiserID.rawValue, e.creativeID.rawValue, e.placementID.rawValue, e.pricing.rawValue,
                            e.clearingECPM.value,
                            e.charge.value, e.eventTime.millisecondsSinceEpoch, record.prevHash, record.hash, record.keyID,
                            record.signature,
                        ])
                }
            }
            try queue.close()
        case .postgres(let address):
            let connection = try await PostgresConnection.connect(
                configuration: .init(
                    host: address.host, port: address.port, username: address.user, password: address.password,
                    database: address.database, tls: .disable),
                id: 1, logger: Logger(label: "migration-test"))
            defer { Task { try? await connection.close() } }
            for sql in Self.campaignSQL { try await connection.query(PostgresQuery(unsafeSQL: sql), logger: connection.logger) }
            for record in records {
                let e = record.event
                try await connection.query(
                    """
                    INSERT INTO ledger (server_id, seq, kind, billed, reason, impression_id, request_id, campaign_id, advertiser_id,
                        creative_id, placement_id, pricing, clearing_ecpm_micros, charge_nanos, event_time_ms, prev_hash, hash, kid, sig)
                    VALUES (\(record.serverID), \(record.seq), \(e.kind.rawValue), \(e.billed), \(e.reason?.rawValue),
                        \(e.impressionID), \(Data(e.requestID.utf8)), \(e.campaignID.rawValue), \(e.advertiserID.rawValue),
                        \(e.creativeID.rawValue), \(e.placementID.rawValue), \(e.pricing.rawValue), \(e.clearingECPM.value),
                        \(e.charge.value), \(e.eventTime.millisecondsSinceEpoch), \(record.prevHash), \(record.hash), \(record.keyID),
                        \(record.signature))
                    """, logger: connection.logger)
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func recordsAndCampaignsOfTheEarlierVersionSurviveAndTheNewKindsWork(engine: TestEngine) async throws {
        let database = try await TestDatabase(engine)
        let serverID = engine == .postgres ? "ads-old" : nil
        try await Store.createEarlierVersion(database.location, upTo: Self.earlierVersion(engine))
        let old = try oldRecords(serverID: serverID)
        try await writeAsTheEarlierVersion(old, into: database)

        let store = try await database.open(serverID: serverID)
        defer { Task { await store.close() } }
        var back: [LedgerRecord] = []
        try await store.ledger.forEachRecord(chain: serverID, in: .all) { back.append($0) }
        #expect(back == old, "the records read back exactly as written")
        let campaign = try #require(try await store.campaigns.campaign(CampaignID("spring")!))
        #expect(campaign.pricing == .cpc)
        #expect(campaign.predictedCTR == ClickThroughRate(partsPerMillion: 12_000))
        #expect(campaign.predictedViewability == nil)
        #expect(campaign.creatives.map(\.id.rawValue) == ["cr-1"])
        #expect(campaign.creatives.map(\.format) == [.banner], "creatives written before formats are banners")

        // A vCPM campaign saves and loads with its prior.
        var visible = campaign
        visible.id = CampaignID("visible")!
        visible.pricing = .vcpm
        visible.predictedCTR = nil
        visible.predictedViewability = ClickThroughRate(partsPerMillion: 650_000)
        visible.creatives[0].id = CreativeID("cr-2")!
        try await store.campaigns.createCampaign(visible)
        #expect(try await store.campaigns.campaign(visible.id)?.predictedViewability == ClickThroughRate(partsPerMillion: 650_000))

        // A CPCV video campaign saves and loads with its video creative and its prior.
        var completed = campaign
        completed.id = CampaignID("completed")!
        completed.pricing = .cpcv
        completed.predictedCTR = nil
        completed.predictedCompletionRate = ClickThroughRate(partsPerMillion: 700_000)
        completed.creatives = [
            .video(
                id: CreativeID("cr-3")!,
                VideoCreative(
                    durationSeconds: 15,
                    mediaFiles: [MediaFile(url: "https://cdn.example/v.mp4", mime: "video/mp4", width: 640, height: 360, bitrateKbps: 900)]),
                clickURL: "https://example.com/v")
        ]
        try await store.campaigns.createCampaign(completed)
        #expect(try await store.campaigns.campaign(completed.id) == completed)

        // The chain continues: a viewable event for the old ad, a prefetch then its render for
        // a new one; the render again, the prefetch again and the old click again are duplicates.
        let raw = key.rawRepresentation
        let writer = LedgerWriter(store: store.ledger, maximumBatch: 1) { LedgerSigningKey(id: "k-old", rawPrivateKey: raw) }
        let running = Task { await writer.run() }
        var outcomes: [String] = []
        for event in [
            event(.viewable, 1, at: 1), event(.impression, 2, reason: .ivtPrefetch, at: 10), event(.impression, 2, at: 11),
            event(.impression, 2, at: 12), event(.impression, 2, reason: .ivtPrefetch, at: 13), event(.click, 1, at: 14),
            event(.complete, 1, at: 15), event(.complete, 1, at: 16),
        ] {
            switch try await writer.append(event) {
            case .appended(let seq): outcomes.append("appended \(seq)")
            case .duplicate: outcomes.append("duplicate")
            case .recordedUnbilled(let seq, _): outcomes.append("unbilled \(seq)")
            }
        }
        writer.close()
        await running.value
        #expect(outcomes == ["appended 3", "appended 4", "appended 5", "duplicate", "duplicate", "duplicate", "appended 6", "duplicate"])

        var all: [LedgerRecord] = []
        try await store.ledger.forEachRecord(chain: serverID, in: .all) { all.append($0) }
        #expect(all.map(\.event.kind) == [.impression, .click, .viewable, .impression, .impression, .complete])
        #expect(all.map(\.event.reason) == [nil, nil, nil, .ivtPrefetch, nil, nil])
        var verifier = LedgerVerifier(keys: keys)
        for record in all { verifier.check(record) }
        #expect(verifier.problems.isEmpty, "\(verifier.problems)")
        // A restarted server's replay guard learns the prefetch apart from the render.
        let recent = try await store.ledger.recentEvents(since: Self.time)
        #expect(recent.filter { $0.impressionID == String(format: "%024x", 2) }.map(\.prefetch).sorted { !$0 && $1 } == [false, true])
    }
}
