import Foundation
import Testing
import VickreyCore
import VickreyStore
import VickreyTestSupport

/// The audit log on both engines: each change appended in its own transaction with the
/// task's actor, the thing before and after, newest first and filterable by campaign; a
/// change that fails leaves no entry.
@Suite("The audit log on SQLite and PostgreSQL")
struct AuditLogTests {
    static func json(_ text: String?) -> [String: Any]? {
        text.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    @Test(arguments: TestEngine.available)
    func everyChangeIsRecordedWithWhoAndWhatBeforeAndAfter(engine: TestEngine) async throws {
        let database = try await TestDatabase(engine)
        try await database.with { store in
            let ops = AuditActor("3f0c5e6a7b8d9e01")
            try await AuditActor.$current.withValue(ops) {
                try await store.campaigns.createAdvertiser(Advertiser(id: AdvertiserID("acme")!, name: "Acme"))
                try await store.campaigns.createCampaign(Sample.campaign("spring"))
                try await store.campaigns.createCampaign(Sample.campaign("autumn"))
                try await store.campaigns.modifyCampaign(CampaignID("spring")!) { $0.bid = Micros(2_500_000) }
            }
            try await AuditActor.$current.withValue(.cli) {
                try await store.campaigns.setStatus(CampaignID("spring")!, to: .paused)
                // Refused (already paused): no entry.
                await #expect(throws: StoreError.self) { try await store.campaigns.setStatus(CampaignID("spring")!, to: .paused) }
                _ = try await store.campaigns.importCampaigns([Sample.campaign("winter", advertiser: "globex")])
            }

            let all = try await store.audit.entries(campaign: nil, before: nil, limit: 100)
            #expect(
                all.map(\.action) == [
                    .campaignsImport, .campaignPause, .campaignUpdate, .campaignCreate, .campaignCreate, .advertiserCreate,
                ])
            #expect(all.map(\.actor) == ["cli", "cli", ops.name, ops.name, ops.name, ops.name])
            #expect(all.map(\.id) == all.map(\.id).sorted(by: >), "newest first")
            #expect(Self.json(all[0].after)?["created"] as? Int == 1 && Self.json(all[0].after)?["advertisers_created"] as? Int == 1)
            #expect(Self.json(all[5].after)?["name"] as? String == "Acme" && all[5].before == nil)

            let spring = try await store.audit.entries(campaign: CampaignID("spring")!, before: nil, limit: 100)
            #expect(spring.map(\.action) == [.campaignPause, .campaignUpdate, .campaignCreate])
            #expect(spring.allSatisfy { $0.campaignID == CampaignID("spring") && $0.subject == "campaign spring" })
            let update = spring[1]
            #expect(Self.json(update.before)?["bid_micros"] as? Int == 1_000_000)
            #expect(Self.json(update.after)?["bid_micros"] as? Int == 2_500_000)
            #expect(Self.json(spring[0].before)?["status"] as? String == "active")
            #expect(Self.json(spring[0].after)?["status"] as? String == "paused")
            #expect(spring[2].before == nil && Self.json(spring[2].after)?["id"] as? String == "spring")

            // Paging: older than an entry, a limit.
            let older = try await store.audit.entries(campaign: CampaignID("spring")!, before: spring[0].id, limit: 1)
            #expect(older.map(\.id) == [spring[1].id])
        }
    }

    @Test(arguments: TestEngine.available)
    func experimentsAndKeysAreRecordedAndTheServerIsTheDefaultActor(engine: TestEngine) async throws {
        let database = try await TestDatabase(engine)
        try await database.with { store in
            let now = Instant(secondsSinceEpoch: 1_795_000_000)
            let experiment = Experiment(
                id: ExperimentID("floors")!,
                arms: [ExperimentArm(name: ArmName("a")!, weight: 1), ExperimentArm(name: ArmName("b")!, weight: 1)])
            try await store.experiments.create(experiment, at: now)
            try await store.experiments.stop(experiment.id, at: now)
            let (_, key) = APIKeyMaterial.generate(role: .billing, advertiserID: nil, label: "finance", at: now)
            try await store.apiKeys.create(key)
            try await store.apiKeys.revoke(id: key.id, at: now)
            let entries = try await store.audit.entries(campaign: nil, before: nil, limit: 10)
            #expect(entries.map(\.action) == [.apiKeyRevoke, .apiKeyCreate, .experimentStop, .experimentCreate])
            #expect(entries.allSatisfy { $0.actor == "server" && $0.campaignID == nil })
            #expect(entries[1].subject == "api key \(key.id)" && Self.json(entries[1].after)?["role"] as? String == "billing")
            #expect(entries[1].after?.contains(key.secretHash) == false, "a key's secret (or its hash) is never in the log")
            #expect(Self.json(entries[3].after)?["id"] as? String == "floors")
        }
    }
}
