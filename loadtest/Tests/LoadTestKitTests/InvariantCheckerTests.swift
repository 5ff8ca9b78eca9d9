import Crypto
import Foundation
import LoadTestKit
import Testing
import VickreyCore
import VickreyLedger

@Suite("Invariant checks")
struct InvariantCheckerTests {
    let key = Curve25519.Signing.PrivateKey()
    var keys: PublicKeySet { PublicKeySet(keys: ["k": Array(key.publicKey.rawRepresentation)]) }
    static let budgets: [CampaignID: CampaignBudget] = [
        CampaignID(unchecked: "a"): CampaignBudget(total: Nanos(10_000_000), daily: Nanos(6_000_000), serverSpentTotal: Nanos(6_000_000)),
        CampaignID(unchecked: "b"): CampaignBudget(total: Nanos(5_000_000), daily: nil, serverSpentTotal: Nanos(2_000_000)),
    ]

    /// Records charging `charges` (campaign, nanos, day offset), chained and signed.
    func ledger(_ charges: [(String, Int64, Int64)]) -> [LedgerRecord] {
        var previous = LedgerRecord.genesisHash
        return charges.enumerated().map { index, charge in
            let event = LedgerEvent(
                kind: .impression, billed: true, reason: nil, impressionID: String(format: "%024x", index + 1), requestID: "r",
                campaignID: CampaignID(unchecked: charge.0),
                advertiserID: AdvertiserID(unchecked: "x"), creativeID: CreativeID(unchecked: "c"),
                placementID: PlacementID(unchecked: "p"),
                pricing: .cpm, clearingECPM: Micros(charge.1), charge: Nanos(charge.1),
                eventTime: Instant(secondsSinceEpoch: 1_795_737_600 + charge.2 * 86_400 + Int64(index))
            )
            let record = try! LedgerRecord.seal(event, seq: Int64(index + 1), prevHash: previous, keyID: "k", signingKey: key)
            previous = record.hash
            return record
        }
    }

    static let clean: [(String, Int64, Int64)] = [("a", 3_000_000, 0), ("b", 2_000_000, 0), ("a", 3_000_000, 1)]

    func failed(_ report: InvariantReport) -> [String] { report.checks.filter { !$0.passed }.map(\.name) }

    @Test func aCleanRunPassesEveryCheck() {
        let report = InvariantChecker.check(
            records: ledger(Self.clean), keys: keys, lastSeqBeforeRun: 0, beaconsAccepted: 3, budgets: Self.budgets)
        #expect(report.passed, "\(report.summary)")
        #expect(report.checks.count == 5)
    }

    @Test func aPlantedOverspendIsCaught() {
        // 7 + 3 = 10 lifetime is fine for "a", but 7 on one day breaks its daily budget of 6.
        var budgets = Self.budgets
        budgets[CampaignID(unchecked: "a")]?.serverSpentTotal = Nanos(10_000_000)
        let report = InvariantChecker.check(
            records: ledger([("a", 7_000_000, 0), ("b", 2_000_000, 0), ("a", 3_000_000, 1)]), keys: keys, lastSeqBeforeRun: 0,
            beaconsAccepted: 3, budgets: budgets
        )
        #expect(failed(report) == ["no campaign's spend exceeds its budgets"])
        #expect(report.checks[3].detail.contains("a spent 7000000 nanos on day"))
    }

    @Test func aTamperedRecordIsCaught() {
        var records = ledger(Self.clean)
        records[1].event.charge = Nanos(1)
        let report = InvariantChecker.check(records: records, keys: keys, lastSeqBeforeRun: 0, beaconsAccepted: 3, budgets: Self.budgets)
        #expect(failed(report).contains("every record verifies, every chain intact"))
        #expect(report.checks[0].detail.contains("record seq 2"))
    }

    @Test func aLostBeaconIsCaught() {
        let report = InvariantChecker.check(
            records: ledger(Self.clean), keys: keys, lastSeqBeforeRun: 0, beaconsAccepted: 4, budgets: Self.budgets)
        #expect(failed(report) == ["beacons answered 2xx = billed + unbilled records"])
    }

    @Test func aServerWhoseSpendDriftedFromTheLedgerIsCaught() {
        var budgets = Self.budgets
        budgets[CampaignID(unchecked: "b")]?.serverSpentTotal = Nanos(2_000_001)
        let report = InvariantChecker.check(
            records: ledger(Self.clean), keys: keys, lastSeqBeforeRun: 0, beaconsAccepted: 3, budgets: budgets)
        #expect(failed(report) == ["the server's spend equals the ledger's"])
    }

    @Test func anEventRecordedInTwoChainsIsCaught() {
        // Server y's chain records the same impression server x's did.
        let x = ledger(Self.clean)
        var twin = x[0].event
        twin.requestID = "r-again"
        let y = try! LedgerRecord.seal(twin, seq: 1, prevHash: LedgerRecord.genesisHash, keyID: "k", serverID: "y", signingKey: key)
        let report = InvariantChecker.check(
            records: x + [y], keys: keys, chainsBeforeRun: [:], beaconsAccepted: 4, budgets: Self.budgets)
        #expect(failed(report).contains("every event recorded once, fleet-wide"), "\(report.summary)")
    }

    @Test(arguments: [(0, true), (1, true), (2, false)])
    func beaconsLeftUnansweredMayBeRecordedButNoMore(accepted: Int, passes: Bool) {
        // Three records; a server killed mid-run left one beacon unanswered.
        let report = InvariantChecker.check(
            records: ledger(Self.clean), keys: keys, chainsBeforeRun: [nil: 0], beaconsAccepted: 3 - accepted, beaconsUnanswered: 1,
            budgets: Self.budgets)
        #expect(report.passed == passes, "\(report.summary)")
    }

    @Test func aFleetWhoseSpendDriftedFromTheLedgerIsNamedAsTheFleet() {
        var budgets = Self.budgets
        budgets[CampaignID(unchecked: "b")]?.serverSpentTotal = Nanos(1)
        budgets[CampaignID(unchecked: "b")]?.fleet = true
        let report = InvariantChecker.check(
            records: ledger(Self.clean), keys: keys, lastSeqBeforeRun: 0, beaconsAccepted: 3, budgets: budgets)
        #expect(failed(report) == ["the fleet's spend (database) equals the ledger's"])
        #expect(report.checks[4].detail.contains("b: fleet (database) 1 nanos, ledger 2000000 nanos"))
    }

    @Test func onlyRecordsAppendedDuringTheRunAreCountedAgainstItsBeacons() {
        let report = InvariantChecker.check(
            records: ledger(Self.clean), keys: keys, lastSeqBeforeRun: 2, beaconsAccepted: 1, budgets: Self.budgets)
        #expect(report.passed, "\(report.summary)")
    }
}
