import Testing
import VickreyBudget
import VickreyCore
import VickreyTestSupport

@Suite("Budget accounts and reservations")
struct BudgetBookTests {
    let clock = ManualClock(Fixture.midnight.adding(seconds: 3_600))

    @Test func aWinReservesItsMaximumAndTheBeaconSettlesTheClearingPrice() throws {
        let policy = Fixture.policy()
        let rich = Fixture.campaign("rich", bid: 3_000_000)
        let other = Fixture.campaign("other", bid: 2_000_000)
        let win = try #require(Fixture.win([rich, other], Fixture.request("r1", at: clock.now()), policy: policy))
        #expect(win.campaignID == rich.id)
        #expect(win.clearingECPM == Micros(2_010_000))
        var account = try #require(policy.budgets.snapshot(rich.id, at: clock.now()))
        #expect(account.reserved == Nanos(3_000_000))

        let outcome = policy.budgets.charge(
            rich.id, limits: BudgetLimits(rich), amount: .impression(atCPM: win.clearingECPM), reservationID: win.reservationID,
            at: clock.now())
        #expect(outcome == .billed(Nanos(2_010_000)))
        account = try #require(policy.budgets.snapshot(rich.id, at: clock.now()))
        #expect(account.reserved == .zero)
        #expect(account.spentTotal == Nanos(2_010_000))
        #expect(account.spentToday == Nanos(2_010_000))
        #expect(account.releasedCumulative == Nanos(990_000))
    }

    @Test func aCampaignIsEligibleOnlyWhileItsMaximumChargeFits() throws {
        let policy = Fixture.policy()
        // Room for exactly two impressions at the 1.0 CPM bid (1_000_000 nanos each).
        let tiny = Fixture.campaign("tiny", bid: 1_000_000, total: 2_000)
        #expect(Fixture.win([tiny], Fixture.request("a", at: clock.now()), policy: policy) != nil)
        #expect(Fixture.win([tiny], Fixture.request("b", at: clock.now()), policy: policy) != nil)
        let third = Fixture.outcome([tiny], Fixture.request("c", at: clock.now()), policy: policy)
        guard case .unfilled(let reason) = third.placements[0].result else {
            Issue.record("third request filled")
            return
        }
        #expect(reason == .budget)
        #expect(policy.budgets.snapshot(tiny.id, at: clock.now())?.reserved == Nanos(2_000_000))
    }

    @Test func anExpiredReservationGivesItsBudgetBack() throws {
        let policy = Fixture.policy(timeouts: ReservationTimeouts(impressionSeconds: 60, clickSeconds: 600))
        let tiny = Fixture.campaign("tiny", total: 1_000)
        let first = try #require(Fixture.win([tiny], Fixture.request("a", at: clock.now()), policy: policy))
        clock.advance(seconds: 59)
        #expect(Fixture.win([tiny], Fixture.request("b", at: clock.now()), policy: policy) == nil)
        clock.advance(seconds: 1)
        let second = try #require(Fixture.win([tiny], Fixture.request("c", at: clock.now()), policy: policy))
        // The first ad's late beacon finds no reservation and no free budget: not billed.
        let late = policy.budgets.charge(
            tiny.id, limits: BudgetLimits(tiny), amount: Nanos(1_000_000), reservationID: first.reservationID, at: clock.now())
        #expect(late == .unbilled(.totalBudgetExhausted))
        let settled = policy.budgets.charge(
            tiny.id, limits: BudgetLimits(tiny), amount: Nanos(1_000_000), reservationID: second.reservationID, at: clock.now())
        #expect(settled == .billed(Nanos(1_000_000)))
        let account = try #require(policy.budgets.snapshot(tiny.id, at: clock.now()))
        #expect(account.spentTotal == Nanos(1_000_000))
        #expect(account.releasedCumulative == Nanos(1_000_000))
    }

    @Test func aClickReservationLivesForTheClickTimeoutAndSettlesThePerClickPrice() throws {
        let policy = Fixture.policy(timeouts: ReservationTimeouts(impressionSeconds: 60, clickSeconds: 600))
        // CPC bid 0.50 per click at 2% CTR: score 10_000 micros eCPM; reserves one click at the bid.
        let cpc = Fixture.campaign("cpc", pricing: .cpc, bid: 500_000, ctr: 20_000, total: 500_000)
        let win = try #require(Fixture.win([cpc], Fixture.request("a", at: clock.now()), policy: policy))
        #expect(policy.budgets.snapshot(cpc.id, at: clock.now())?.reserved == Nanos(500_000_000))
        clock.advance(seconds: 300)
        #expect(policy.budgets.snapshot(cpc.id, at: clock.now())?.reserved == Nanos(500_000_000))
        let outcome = policy.budgets.charge(
            cpc.id, limits: BudgetLimits(cpc), amount: .click(atPrice: win.price), reservationID: win.reservationID, at: clock.now())
        #expect(outcome == .billed(.click(atPrice: win.price)))
        #expect(win.price == Micros(500))  // the 0.01 floor at 2% CTR: 10_000 × 1000 / 20_000
        #expect(policy.budgets.snapshot(cpc.id, at: clock.now())?.reserved == .zero)
    }

    @Test func theDailySpendResetsAtTheCampaignsMidnight() throws {
        let policy = Fixture.policy()
        let newYork = try #require(CampaignTimeZone(identifier: "America/New_York"))
        let zones: [(CampaignTimeZone, Int64)] = [(.utc, 0), (newYork, 5 * 3_600)]
        for (zone, offset) in zones {
            let campaign = Fixture.campaign("daily-\(zone.identifier.count)", daily: 2_000, timeZone: zone)
            let dayStart = Fixture.midnight.adding(seconds: offset)
            for index in 0..<2 {
                let win = try #require(
                    Fixture.win([campaign], Fixture.request("\(zone)-\(index)", at: dayStart.adding(seconds: 60)), policy: policy))
                #expect(
                    policy.budgets.charge(
                        campaign.id, limits: BudgetLimits(campaign), amount: Nanos(1_000_000), reservationID: win.reservationID,
                        at: dayStart.adding(seconds: 60)) == .billed(Nanos(1_000_000)))
            }
            let lastMinute = dayStart.adding(seconds: 86_399)
            #expect(Fixture.win([campaign], Fixture.request("\(zone)-late", at: lastMinute), policy: policy) == nil)
            let nextDay = dayStart.adding(seconds: 86_400)
            #expect(Fixture.win([campaign], Fixture.request("\(zone)-next", at: nextDay), policy: policy) != nil)
            let account = try #require(policy.budgets.snapshot(campaign.id, at: nextDay))
            #expect(account.spentToday == .zero)
            #expect(account.spentTotal == Nanos(2_000_000))
        }
    }

    @Test func flightDatesBoundServingToTheMillisecond() {
        let policy = Fixture.policy()
        let start = Fixture.midnight.adding(seconds: 3_600)
        let end = start.adding(seconds: 3_600)
        let flighted = Fixture.campaign("flight", start: start, end: end)
        let cases: [(Instant, Bool)] = [
            (start.adding(seconds: -1), false), (start, true), (end.adding(seconds: -1), true), (end, false),
        ]
        for (index, (time, serves)) in cases.enumerated() {
            #expect((Fixture.win([flighted], Fixture.request("f\(index)", at: time), policy: policy) != nil) == serves)
        }
    }

    @Test func aChargeWithoutAReservationIsBilledOnlyWhenItFits() {
        let book = BudgetBook()
        let campaign = Fixture.campaign("c", daily: 1_500, total: 10_000)
        let limits = BudgetLimits(campaign)
        let now = clock.now()
        #expect(
            book.charge(campaign.id, limits: limits, amount: Nanos(1_000_000), reservationID: nil, at: now) == .billed(Nanos(1_000_000)))
        #expect(
            book.charge(campaign.id, limits: limits, amount: Nanos(1_000_000), reservationID: nil, at: now)
                == .unbilled(.dailyBudgetExhausted))
        #expect(book.charge(campaign.id, limits: limits, amount: Nanos(500_000), reservationID: 42, at: now) == .billed(Nanos(500_000)))
        book.restore(campaign.id, limits: limits, spentTotal: Nanos(9_900_000), spentToday: .zero, at: now.adding(seconds: 86_400))
        #expect(
            book.charge(campaign.id, limits: limits, amount: Nanos(200_000), reservationID: nil, at: now.adding(seconds: 86_400))
                == .unbilled(.totalBudgetExhausted))
    }

    @Test func theExplanationNamesTheBudgetThatRanOut() throws {
        let policy = Fixture.policy()
        let broke = Fixture.campaign("broke", daily: 500, total: 10_000)
        var request = Fixture.request("dbg", at: clock.now())
        request.debug = true
        let outcome = Fixture.outcome([broke], request, policy: policy)
        let candidate = try #require(outcome.explanation?.placements.first?.candidates.first)
        #expect(candidate.stage == .budget)
        #expect(candidate.reason.hasPrefix("daily budget: "))
    }

    @Test func aCampaignRefusedForBudgetBidsAgainAsSoonAsBudgetIsReleased() throws {
        let policy = Fixture.policy()
        let tiny = Fixture.campaign("tiny", total: 1_000)
        let snapshot = CampaignIndex(campaigns: [tiny]).snapshot
        let first = try #require(Auctioneer().run(Fixture.request("a", at: clock.now()), on: snapshot, policy: policy).wins.first)
        // Refused, and from now on skipped by auctions without asking the book...
        #expect(Auctioneer().run(Fixture.request("b", at: clock.now()), on: snapshot, policy: policy).wins.isEmpty)
        #expect(Auctioneer().run(Fixture.request("c", at: clock.now()), on: snapshot, policy: policy).wins.isEmpty)
        // ...until the reservation is released: then at once.
        #expect(policy.budgets.release(tiny.id, reservationID: first.reservationID, at: clock.now()))
        #expect(Auctioneer().run(Fixture.request("d", at: clock.now()), on: snapshot, policy: policy).wins.first?.campaignID == tiny.id)
    }

    /// Skipping exhausted campaigns must not change any decision: the same traffic over two
    /// identical books, one with every request in debug (which never skips), wins the same.
    @Test func skippingExhaustedCampaignsChangesNoDecision() {
        // One advertiser: every winner pays the floor, so a settlement frees almost all it held.
        let campaigns = (0..<6).map {
            Fixture.campaign(
                "c\($0)", advertiser: "same", bid: 1_000_000 + Int64($0) * 250_000, daily: 2_000 + Int64($0) * 700, total: 9_000)
        }
        let plain = Fixture.policy(timeouts: ReservationTimeouts(impressionSeconds: 40, clickSeconds: 40))
        let explained = Fixture.policy(timeouts: ReservationTimeouts(impressionSeconds: 40, clickSeconds: 40))
        let snapshot = CampaignIndex(campaigns: campaigns).snapshot
        var open: [(quiet: Win, loud: Win)] = []
        for index in 0..<300 {
            let time = clock.now().adding(seconds: Int64(index * 7))
            var request = Fixture.request("r\(index)", at: time, floor: 10_000)
            let quiet = Auctioneer().run(request, on: snapshot, policy: plain).wins.first
            request.debug = true
            let loud = Auctioneer().run(request, on: snapshot, policy: explained).wins.first
            #expect(quiet?.campaignID == loud?.campaignID, "request \(index)")
            #expect(quiet?.clearingECPM == loud?.clearingECPM, "request \(index)")
            if let quiet, let loud { open.append((quiet, loud)) }
            // Every other request, the oldest open ad's beacon arrives and frees what it held.
            if index % 2 == 1, !open.isEmpty {
                let (q, l) = open.removeFirst()
                let amount = Nanos.impression(atCPM: q.clearingECPM)
                _ = plain.budgets.charge(
                    q.campaignID, limits: BudgetLimits(q.campaign), amount: amount, reservationID: q.reservationID, at: time)
                _ = explained.budgets.charge(
                    l.campaignID, limits: BudgetLimits(l.campaign), amount: amount, reservationID: l.reservationID, at: time)
            }
        }
    }
}
