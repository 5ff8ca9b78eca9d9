import Foundation
import GRDB
import Testing
import VickreyBilling
import VickreyBudget
import VickreyCore
import VickreyLedger
import VickreySigning
import VickreyStore
import VickreyTestSupport
import VickreyTraffic

/// The billing use case on real parts: a SQLite file, the group-commit writer, the budget
/// book, the replay guard and the server's signing keys, with a clock the test moves. No
/// HTTP: what a beacon does to money and to the ledger, and what it does when the ledger
/// cannot record it.
@Suite("Billing: a beacon turned into money and a durable record")
struct BeaconProcessorTests {
    static let start = Instant(millisecondsSinceEpoch: 1_795_737_600_000)
    /// A person's browser (the default robot list does not match it; no address ranges are configured).
    static let person = BeaconProcessor.Sender(
        userAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
        clientAddress: nil)

    /// Everything a processor needs, on one temporary database with `campaigns` in it.
    final class World: Sendable {
        let database: TestDatabase
        let store: Store
        let keys: LiveKeyring
        let budgets = BudgetBook()
        let replays = BeaconReplayGuard(timeouts: ReservationTimeouts())
        let traffic = LiveTrafficJudge()
        let clock = ManualClock(BeaconProcessorTests.start)
        let reloader: CampaignIndexReloader
        let writer: LedgerWriter
        let processor: BeaconProcessor
        private let running: Task<Void, Never>

        init(_ campaigns: [Campaign]) async throws {
            database = try await TestDatabase(.sqlite)
            store = try await database.open()
            _ = try await store.campaigns.importCampaigns(campaigns)
            let (keyring, _) = try SigningKeyring.loadOrCreate(directory: database.directory.appendingPathComponent("keys").path)
            let keys = LiveKeyring(keyring)
            self.keys = keys
            reloader = CampaignIndexReloader(store: store.campaigns)
            try await reloader.loadAll()
            writer = LedgerWriter(store: store.ledger) { keys.signingKey }
            processor = BeaconProcessor(
                keys: keys, budgets: budgets, ledger: writer, replays: replays, campaigns: reloader, traffic: traffic,
                clock: clock)
            let writer = writer
            running = Task { await writer.run() }
        }

        func close() async {
            writer.close()
            await running.value
        }

        /// A token for an ad of `campaign` sold at `price` (CPM micros), after the win
        /// reserved its maximum charge (as the auction does).
        func token(_ campaign: Campaign, price: Int64, test: Bool = false, reserving: Bool = true) -> String {
            let now = clock.now()
            let reservation =
                reserving
                ? budgets.reserve(campaign.id, limits: BudgetLimits(campaign), amount: campaign.maximumCharge, kind: .impression, at: now)
                : nil
            let ad = SoldAd(
                impressionID: ImpressionID.new(at: now), requestID: "r-1", placementID: PlacementID("home_feed")!,
                campaignID: campaign.id, advertiserID: campaign.advertiserID, creativeID: campaign.creatives[0].id,
                pricing: .cpm, clearingECPM: Micros(price))
            return keys.tokens.encode(
                BeaconToken(
                    ad: ad, price: Micros(price), issuedAt: now, expiresAt: now.adding(seconds: 900), reservationID: reservation ?? 0,
                    isTest: test))
        }

        func spent(_ campaign: Campaign) -> Nanos { budgets.snapshot(campaign.id, at: clock.now())?.spentTotal ?? .zero }
        func records() async throws -> [LedgerRecord] { try await store.ledger.records(chain: nil, after: 0, limit: 100) }
    }

    static func campaign(_ id: String, budget: Int64 = 1_000_000_000) -> Campaign {
        Campaign(
            id: CampaignID(id)!, advertiserID: AdvertiserID("acme")!, name: id, pricing: .cpm, bid: Micros(2_000_000),
            totalBudget: Micros(budget),
            creatives: [
                Creative(
                    id: CreativeID("\(id)-cr")!, size: AdSize("300x250")!, imageURL: "https://cdn.example/a.png",
                    clickURL: "https://acme.example/")
            ])
    }

    @Test func anImpressionIsChargedItsClearingPriceAndRecordedOnceWhateverItsReplays() async throws {
        let campaign = Self.campaign("alpha")
        let world = try await World([campaign])
        let token = world.token(campaign, price: 1_234_567)
        let first = try await world.processor.process(.impression, token: token, from: Self.person)
        #expect(first.outcome == .billed)
        #expect(first.event?.charge == Nanos(1_234_567))
        for _ in 0..<3 {
            #expect(try await world.processor.process(.impression, token: token, from: Self.person).outcome == .replay)
        }
        #expect(world.spent(campaign) == Nanos(1_234_567))
        let records = try await world.records()
        #expect(records.count == 1)
        #expect(records.first?.event.charge == Nanos(1_234_567))
        await world.close()
    }

    @Test func aBeaconForACampaignThatNoLongerExistsIsRecordedUnbilled() async throws {
        let campaign = Self.campaign("alpha")
        let world = try await World([Self.campaign("other")])
        let accepted = try await world.processor.process(
            .impression, token: world.token(campaign, price: 1_000_000, reserving: false), from: Self.person)
        #expect(accepted.outcome == .unbilled)
        let records = try await world.records()
        #expect(records.map(\.event.reason) == [.unknownCampaign])
        #expect(records.map(\.event.charge) == [.zero])
        await world.close()
    }

    @Test func aChargePastTheBudgetIsRecordedUnbilledWithItsReasonAndCostsNothing() async throws {
        // A budget of 1,500 micros: one impression at 1,000,000 micros CPM costs 1,000 micros.
        let campaign = Self.campaign("alpha", budget: 1_500)
        let world = try await World([campaign])
        let first = world.token(campaign, price: 1_000_000, reserving: false)
        let second = world.token(campaign, price: 1_000_000, reserving: false)
        #expect(try await world.processor.process(.impression, token: first, from: Self.person).outcome == .billed)
        let refused = try await world.processor.process(.impression, token: second, from: Self.person)
        #expect(refused.outcome == .unbilled)
        #expect(refused.event?.reason == .totalBudgetExhausted)
        #expect(world.spent(campaign) == Micros(1_000).nanos)
        #expect(try await world.records().map(\.event.billed) == [true, false])
        await world.close()
    }

    @Test func aTestRequestsAdIsRecordedUnbilledAndItsReservationReleased() async throws {
        let campaign = Self.campaign("alpha")
        let world = try await World([campaign])
        let accepted = try await world.processor.process(
            .impression, token: world.token(campaign, price: 1_000_000, test: true), from: Self.person)
        #expect(accepted.event?.reason == .test)
        let account = try #require(world.budgets.snapshot(campaign.id, at: world.clock.now()))
        #expect(account.reserved == .zero)
        #expect(account.spentTotal == .zero)
        await world.close()
    }

    /// A commit that fails (a trigger stands in for a full disk) charges nothing and
    /// takes nothing from the replay guard: the client's retry records it once.
    @Test func aFailedCommitIsRefundedAndTheRetryRecordsItOnce() async throws {
        let campaign = Self.campaign("alpha")
        let world = try await World([campaign])
        let token = world.token(campaign, price: 1_234_567)
        let other = try DatabaseQueue(path: world.database.path)
        try await other.write {
            try $0.execute(sql: "CREATE TRIGGER refuse BEFORE INSERT ON ledger BEGIN SELECT RAISE(ABORT, 'disk full'); END")
        }
        do {
            _ = try await world.processor.process(.impression, token: token, from: Self.person)
            Issue.record("a failed commit was answered as recorded")
        } catch {
            guard case .unavailable(let message) = error else { throw error }
            #expect(message.contains("disk full"), "\(message)")
        }
        #expect(world.spent(campaign) == .zero)
        #expect(try await world.records().isEmpty)
        try await other.write { try $0.execute(sql: "DROP TRIGGER refuse") }
        #expect(try await world.processor.process(.impression, token: token, from: Self.person).outcome == .billed)
        #expect(try await world.processor.process(.impression, token: token, from: Self.person).outcome == .replay)
        #expect(world.spent(campaign) == Nanos(1_234_567))
        #expect(try await world.records().count == 1)
        await world.close()
    }

    @Test(arguments: [("altered", BeaconTokenCodec.Rejection.forged), ("expired", .expired), ("garbage", .malformed)])
    func aTokenThatDoesNotVerifyChargesNothing(name: String, rejection: BeaconTokenCodec.Rejection) async throws {
        let campaign = Self.campaign("alpha")
        let world = try await World([campaign])
        var token = world.token(campaign, price: 1_000_000)
        switch name {
        case "altered":
            var bytes = Base64URL.decode(token)!
            bytes[bytes.count - 1] ^= 1  // the MAC's last byte: the payload still parses
            token = Base64URL.encode(bytes)
        case "expired": world.clock.advance(seconds: 901)
        default: token = "not-a-token"
        }
        do {
            _ = try await world.processor.process(.impression, token: token, from: Self.person)
            Issue.record("\(name) token accepted")
        } catch {
            guard case .token(let reason) = error else { throw error }
            #expect(reason == rejection)
        }
        #expect(world.spent(campaign) == .zero)
        #expect(try await world.records().isEmpty)
        await world.close()
    }
}
