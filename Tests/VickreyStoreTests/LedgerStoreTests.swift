import Crypto
import Foundation
import Testing
import VickreyCore
import VickreyLedger
import VickreyStore

@Suite("Ledger table: exact read-back and export windows")
struct LedgerStoreTests {
    let database = TemporaryDatabase()
    let key = Curve25519.Signing.PrivateKey()
    var keys: PublicKeySet { PublicKeySet(keys: ["k-store": Array(key.publicKey.rawRepresentation)]) }

    func event(_ index: Int, requestID: String? = nil, time: Instant) -> LedgerEvent {
        LedgerEvent(
            kind: .impression, billed: true, reason: nil, impressionID: String(format: "%024x", index + 1),
            requestID: requestID ?? "r-\(index)", campaignID: CampaignID(unchecked: "c-\(index % 3)"), advertiserID: AdvertiserID(unchecked: "acme"),
            creativeID: CreativeID(unchecked: "cr"), placementID: PlacementID(unchecked: "home_feed"), pricing: .cpm,
            clearingECPM: Micros(1_000_000), charge: Nanos(1_000_000), eventTime: time
        )
    }

    /// Appends through the real group-commit writer from `tasks` concurrent tasks.
    func append(_ events: [LedgerEvent], tasks: Int) async throws -> LedgerStore {
        let ledger = LedgerStore(try database.open())
        let raw = key.rawRepresentation
        let writer = LedgerWriter(store: ledger, maximumBatch: 16) { ("k-store", raw) }
        let running = Task { await writer.run() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<tasks {
                group.addTask {
                    for event in stride(from: task, to: events.count, by: tasks).map({ events[$0] }) { _ = try await writer.append(event) }
                }
            }
            try await group.waitForAll()
        }
        writer.close()
        await running.value
        return ledger
    }

    func records(_ ledger: LedgerStore, _ window: ExportWindow = .all) throws -> [LedgerRecord] {
        var records: [LedgerRecord] = []
        try ledger.forEachRecord(in: window) { records.append($0) }
        return records
    }

    /// Beacons arriving together are sealed in arrival order, so event times step back
    /// now and then. Windows cut by time must still be whole runs of the chain that join.
    @Test func consecutiveWindowsJoinExactlyWhenTimesStepBack() async throws {
        let base = Instant(millisecondsSinceEpoch: 1_795_737_600_000)
        // Times jitter by up to 3 ms around an even 1 ms step, as concurrent beacons' clocks do.
        let events = (0..<240).map { index in
            event(index, time: Instant(millisecondsSinceEpoch: base.millisecondsSinceEpoch + Int64(index) + Int64((index * 7_919) % 7) - 3))
        }
        let ledger = try await append(events, tasks: 24)
        let all = try records(ledger)
        #expect(all.map(\.seq) == Array(1...240))
        let inversions = zip(all, all.dropFirst()).filter { $1.event.eventTime < $0.event.eventTime }.count
        #expect(inversions > 0, "the test needs times that step back")

        var naiveGaps = 0
        for step in stride(from: 17, to: 240, by: 23) {
            let cuts = [Instant(millisecondsSinceEpoch: base.millisecondsSinceEpoch + Int64(step)), Instant(millisecondsSinceEpoch: base.millisecondsSinceEpoch + Int64(step + 60))]
            let windows = [
                ExportWindow(until: cuts[0]), ExportWindow(since: cuts[0], until: cuts[1]), ExportWindow(since: cuts[1]),
            ]
            let parts = try windows.map { try records(ledger, $0) }
            #expect(parts.flatMap { $0 } == all, "windows at \(step) ms do not join exactly")
            for part in parts where !part.isEmpty {
                #expect(part.map(\.seq) == Array(part[0].seq...part[part.count - 1].seq))
                var verifier = LedgerVerifier(keys: keys, startingAt: part[0].seq == 1 ? 1 : nil)
                for record in part { verifier.check(record) }
                #expect(verifier.problems.isEmpty, "\(verifier.problems)")
            }
            // What a cut by time alone would have exported: not a run of the chain.
            let naive = all.filter { $0.event.eventTime >= cuts[0] }.map(\.seq)
            if naive != Array(naive[0]...naive[naive.count - 1]) { naiveGaps += 1 }
        }
        #expect(naiveGaps > 0, "no cut would have shown the old gap: the test cannot fail")
    }

    /// Whatever a request id holds, the row reads back as it was signed.
    @Test func everyRequestIDReadsBackByteForByte() async throws {
        let ids = [
            "nul\u{0}inside", "\u{0}", "tab\tnewline\ncr\r", "quote\"back\\slash", "emoji 🎈👩‍👩‍👧", "e\u{301} combining",
            "\u{7F}\u{85}\u{2028}", String(repeating: "ж", count: 128), "'); DROP TABLE ledger; --",
        ]
        let time = Instant(millisecondsSinceEpoch: 1_795_737_600_000)
        let ledger = try await append(ids.enumerated().map { event($0.offset, requestID: $0.element, time: time) }, tasks: 1)
        let back = try records(ledger)
        #expect(back.map { Array($0.event.requestID.utf8) } == ids.map { Array($0.utf8) })
        var verifier = LedgerVerifier(keys: keys)
        for record in back { verifier.check(record) }
        #expect(verifier.problems.isEmpty, "\(verifier.problems)")
        #expect(verifier.verifiedCount == ids.count)
    }
}
