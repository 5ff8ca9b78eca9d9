import Foundation
import Testing
import VickreyCore
import VickreyStore
import VickreyTestSupport

@Suite("API keys on SQLite and PostgreSQL")
struct APIKeyStoreTests {
    @Test(arguments: TestEngine.available)
    func keysAreStoredAsHashesScopedAndRevokedOnce(engine: TestEngine) async throws {
        let database = try await TestDatabase(engine)
        try await database.with { store in
            let now = Instant(secondsSinceEpoch: 1_795_000_000)
            try await store.campaigns.createAdvertiser(Advertiser(id: AdvertiserID("acme")!, name: "Acme"))
            let (adminKey, admin) = APIKeyMaterial.generate(role: .admin, advertiserID: nil, label: "ops", at: now)
            let (_, scoped) = APIKeyMaterial.generate(role: .advertiser, advertiserID: AdvertiserID("acme")!, label: "", at: now)
            try await store.apiKeys.create(admin)
            try await store.apiKeys.create(scoped)
            let (id, secret) = try #require(APIKeyMaterial.parse(adminKey))
            let stored = try #require(try await store.apiKeys.key(id: id))
            #expect(stored == admin && stored.secretHash != secret && APIKeyMaterial.matches(secret, stored))
            #expect(try await store.apiKeys.key(id: scoped.id)?.advertiserID == AdvertiserID("acme"))
            #expect(try await store.apiKeys.keys().map(\.id).sorted() == [admin.id, scoped.id].sorted())

            let (_, orphan) = APIKeyMaterial.generate(role: .advertiser, advertiserID: AdvertiserID("nobody")!, label: "", at: now)
            await #expect(throws: StoreError.self) { try await store.apiKeys.create(orphan) }
            try await store.apiKeys.revoke(id: id, at: now.adding(seconds: 60))
            #expect(try await store.apiKeys.key(id: id)?.revokedAt == now.adding(seconds: 60))
            do {
                try await store.apiKeys.revoke(id: id, at: now)
                Issue.record("revoked twice")
            } catch { #expect((error as? StoreError)?.code == .invalidState) }
            do {
                try await store.apiKeys.revoke(id: "0123456789abcdef", at: now)
                Issue.record("an unknown key was revoked")
            } catch { #expect((error as? StoreError)?.code == .notFound) }
        }
    }
}
