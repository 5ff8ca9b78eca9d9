import Testing
import VickreyBilling
import VickreyBudget
import VickreyCore
import VickreyLedger
import VickreyTestSupport
import VickreyTraffic

/// What invalid traffic does to money and to the ledger: recorded once, unbilled with its
/// category, its reservation released; a prefetch recorded apart, leaving the render to be billed.
@Suite("Billing: invalid traffic")
struct InvalidTrafficBillingTests {
    typealias World = BeaconProcessorTests.World
    static let person = BeaconProcessorTests.person
    static let robot = BeaconProcessor.Sender(
        userAgent: "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", clientAddress: nil)
    static let prefetch = BeaconProcessor.Sender(userAgent: person.userAgent, clientAddress: nil, isPrefetch: true)

    @Test func aPrefetchIsRecordedApartAndTheRenderAfterItIsBilled() async throws {
        let campaign = BeaconProcessorTests.campaign("spring")
        let world = try await World([campaign])
        let token = world.token(campaign, price: 1_500_000)
        let reserved = world.budgets.snapshot(campaign.id, at: world.clock.now())?.reserved
        let prefetched = try await world.processor.process(.impression, token: token, from: Self.prefetch)
        #expect(prefetched.outcome == .unbilled)
        #expect(prefetched.verdict == .prefetch)
        #expect(world.budgets.snapshot(campaign.id, at: world.clock.now())?.reserved == reserved, "the render still has its reservation")
        world.clock.advance(milliseconds: 300)
        #expect(try await world.processor.process(.impression, token: token, from: Self.person).outcome == .billed)
        #expect(try await world.processor.process(.impression, token: token, from: Self.person).outcome == .replay)
        #expect(try await world.processor.process(.impression, token: token, from: Self.prefetch).outcome == .replay)
        #expect(world.spent(campaign) == Nanos(1_500_000))
        let records = try await world.records()
        #expect(records.map(\.event.reason) == [.ivtPrefetch, nil])
        #expect(records.map(\.event.charge) == [.zero, Nanos(1_500_000)])
        await world.close()
    }

    @Test func aRobotsImpressionIsRecordedOnceUnbilledAndReleasesItsReservation() async throws {
        let campaign = BeaconProcessorTests.campaign("spring")
        let world = try await World([campaign])
        let token = world.token(campaign, price: 1_500_000)
        let accepted = try await world.processor.process(.impression, token: token, from: Self.robot)
        #expect(accepted.outcome == .unbilled)
        #expect(accepted.event?.reason == .ivtKnownRobot)
        #expect(world.budgets.snapshot(campaign.id, at: world.clock.now())?.reserved == .zero)
        // The same ad fetched again, by anyone, is the one event already recorded.
        #expect(try await world.processor.process(.impression, token: token, from: Self.person).outcome == .replay)
        #expect(world.spent(campaign) == .zero)
        #expect(try await world.records().count == 1)
        await world.close()
    }

    @Test(arguments: [(499, UnbilledReason.ivtClickTooFast), (500, nil)] as [(Int64, UnbilledReason?)])
    func aClickTooSoonAfterTheAdWasServedIsInvalid(afterMilliseconds: Int64, reason: UnbilledReason?) async throws {
        let campaign = BeaconProcessorTests.campaign("spring")
        let world = try await World([campaign])
        let token = world.token(campaign, price: 1_500_000)
        world.clock.advance(milliseconds: afterMilliseconds)
        let accepted = try await world.processor.process(.click, token: token, from: Self.person)
        #expect(accepted.event?.reason == reason)
        #expect(accepted.event?.billed == (reason == nil))
        await world.close()
    }

    @Test func anExcludedAddressIsADataCentre() async throws {
        let campaign = BeaconProcessorTests.campaign("spring")
        let world = try await World([campaign])
        world.traffic.replace(
            TrafficJudge(
                lists: TrafficLists(
                    robots: DefaultRobotList.list, excludedAddresses: try TrafficListFile.addressRanges("203.0.113.0/24", file: "dc"))))
        let fromCloud = BeaconProcessor.Sender(userAgent: Self.person.userAgent, clientAddress: IPAddress("203.0.113.77"))
        let fromHome = BeaconProcessor.Sender(userAgent: Self.person.userAgent, clientAddress: IPAddress("192.0.2.77"))
        #expect(
            try await world.processor.process(.impression, token: world.token(campaign, price: 1_000_000), from: fromCloud).event?.reason
                == .ivtDatacenter)
        #expect(
            try await world.processor.process(.impression, token: world.token(campaign, price: 1_000_000), from: fromHome).outcome
                == .billed)
        await world.close()
    }
}
