import Crypto
import Foundation
import GRDB
import Testing
import VickreyCore
import VickreyLedger
import VickreyStore
import VickreyTestSupport

@Suite("Ledger store on SQLite and PostgreSQL: exact read-back, export windows, group commit")
struct LedgerStoreTests {
    let key = Curve25519.Signing.PrivateKey()
    var keys: PublicKeySet { PublicKeySet(keys: ["k-store": Array(key.publicKey.rawRepresentation)]) }

    func event(_ index: Int, requestID: String? = nil, time: Instant) -> LedgerEvent {
        LedgerEvent(
            kind: .impression, billed: true, reason: nil, impressionID: String(format: "%024x", index + 1),
            requestID: requestID ?? "r-\(index)", campaignID: CampaignID(unchecked: "c-\(index % 3)"),
            advertiserID: AdvertiserID(unchecked: "acme"),
            creativeID: CreativeID(unchecked: "cr"), placementID: PlacementID(unchecked: "home_feed"), pricing: .cpm,
            clearingECPM: Micros(1_000_000), charge: Nanos(1_000_000), eventTime: time
        )
    }

    /// Appends through the real group-commit writer from `tasks` concurrent tasks.
    func append(_ events: [LedgerEvent], tasks: Int, to database: TestDatabase) async throws -> any LedgerStore {
        let ledger = try await database.open(serverID: "local").ledger
        let raw = key.rawRepresentation
        let writer = LedgerWriter(store: ledger, maximumBatch: 16) { LedgerSigningKey(id: "k-store", rawPrivateKey: raw) }
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

    func records(_ ledger: any LedgerStore, _ window: ExportWindow = .all) async throws -> [LedgerRecord] {
        var records: [LedgerRecord] = []
        try await ledger.forEachRecord(in: window) { records.append($0) }
        return records
    }

    /// Beacons arriving together are sealed in arrival order, so event times step back
    /// now and then. Windows cut by time must still be whole runs of the chain that join.
    @Test(arguments: TestEngine.available)
    func consecutiveWindowsJoinExactlyWhenTimesStepBack(engine: TestEngine) async throws {
        let database = try await TestDatabase(engine)
        let base = Instant(millisecondsSinceEpoch: 1_795_737_600_000)
        // Times jitter by up to 3 ms around an even 1 ms step, as concurrent beacons' clocks do.
        let events = (0..<240).map { index in
            event(index, time: Instant(millisecondsSinceEpoch: base.millisecondsSinceEpoch + Int64(index) + Int64((index * 7_919) % 7) - 3))
        }
        let ledger = try await append(events, tasks: 24, to: database)
        let all = try await records(ledger)
        #expect(all.map(\.seq) == Array(1...240))
        let inversions = zip(all, all.dropFirst()).filter { $1.event.eventTime < $0.event.eventTime }.count
        #expect(inversions > 0, "the test needs times that step back")

        var naiveGaps = 0
        for step in stride(from: 17, to: 240, by: 23) {
            let cuts = [
                Instant(millisecondsSinceEpoch: base.millisecondsSinceEpoch + Int64(step)),
                Instant(millisecondsSinceEpoch: base.millisecondsSinceEpoch + Int64(step + 60)),
            ]
            let windows = [
                ExportWindow(until: cuts[0]), ExportWindow(since: cuts[0], until: cuts[1]), ExportWindow(since: cuts[1]),
            ]
            var parts: [[LedgerRecord]] = []
            for window in windows { parts.append(try await records(ledger, window)) }
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

    /// Whatever a request id holds, the row reads back as it was signed; a verifier then
    /// refuses exactly the ids no ad endpoint signs (control characters, `RequestIDRule`).
    @Test(arguments: TestEngine.available)
    func everyRequestIDReadsBackByteForByte(engine: TestEngine) async throws {
        let database = try await TestDatabase(engine)
        let ids = [
            "nul\u{0}inside", "\u{0}", "tab\tnewline\ncr\r", "quote\"back\\slash", "emoji 🎈👩‍👩‍👧", "e\u{301} combining",
            "\u{7F}\u{85}\u{2028}", String(repeating: "ж", count: 128), "'); DROP TABLE ledger; --",
        ]
        let time = Instant(millisecondsSinceEpoch: 1_795_737_600_000)
        let ledger = try await append(ids.enumerated().map { event($0.offset, requestID: $0.element, time: time) }, tasks: 1, to: database)
        let back = try await records(ledger)
        #expect(back.map { Array($0.event.requestID.utf8) } == ids.map { Array($0.utf8) })
        var verifier = LedgerVerifier(keys: keys)
        for record in back { verifier.check(record) }
        let refused = ids.indices.filter { RequestIDRule.problem(ids[$0]) != nil }.map { Int64($0 + 1) }
        #expect(refused == [1, 2, 3], "the table must hold ids both sides of the rule")
        #expect(verifier.problems.map(\.seq) == refused, "\(verifier.problems)")
        #expect(verifier.problems.allSatisfy { $0.problem.hasPrefix("request_id must not contain control characters") })
        #expect(verifier.verifiedCount == ids.count - refused.count)
    }

    /// Rows written before the request id was stored as bytes hold it as text: they read
    /// back, verify, and the chain continues after them.
    @Test func rowsWrittenByTheEarlierVersionStillReadBackAndVerify() async throws {
        let database = try await TestDatabase(.sqlite)
        _ = try await database.open()  // creates and migrates the schema
        let time = Instant(millisecondsSinceEpoch: 1_795_737_600_000)
        let sealer = try LedgerSealer(LedgerSigningKey(id: "k-store", rawPrivateKey: key.rawRepresentation))
        let old = try sealer.seal(event(0, requestID: "r-old \"quoted\" é", time: time), seq: 1, after: LedgerRecord.genesisHash)
        let e = old.event
        let other = try DatabaseQueue(path: database.path)
        try await other.write { db in
            // The earlier version's insert: every text column bound as text.
            try db.execute(
                sql: """
                    INSERT INTO ledger (seq, kind, billed, reason, impression_id, request_id, campaign_id, advertiser_id, creative_id,
                        placement_id, pricing, clearing_ecpm_micros, charge_nanos, event_time_ms, prev_hash, hash, kid, sig)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    old.seq, e.kind.rawValue, e.billed, e.reason?.rawValue, e.impressionID, e.requestID, e.campaignID.rawValue,
                    e.advertiserID.rawValue,
                    e.creativeID.rawValue, e.placementID.rawValue, e.pricing.rawValue, e.clearingECPM.value, e.charge.value,
                    e.eventTime.millisecondsSinceEpoch, old.prevHash, old.hash, old.keyID, old.signature,
                ])
        }
        let ledger = try await append([event(1, time: time)], tasks: 1, to: database)
        let back = try await records(ledger)
        #expect(back.first == old)
        #expect(back.map(\.seq) == [1, 2])
        var verifier = LedgerVerifier(keys: keys)
        for record in back { verifier.check(record) }
        #expect(verifier.problems.isEmpty, "\(verifier.problems)")
    }

    // MARK: The group-commit writer

    func writer(_ ledger: any LedgerStore, maximumBatch: Int = 512) -> LedgerWriter {
        let raw = key.rawRepresentation
        return LedgerWriter(store: ledger, maximumBatch: maximumBatch) { LedgerSigningKey(id: "k-store", rawPrivateKey: raw) }
    }

    /// Starts `count` appends and waits until all of them are queued (the writer not yet running).
    func queue(_ events: [LedgerEvent], on writer: LedgerWriter) async -> [Task<LedgerAppendOutcome, any Error>] {
        var tasks: [Task<LedgerAppendOutcome, any Error>] = []
        for event in events {
            tasks.append(Task { try await writer.append(event) })
            while writer.waiting < tasks.count { await Task.yield() }
        }
        return tasks
    }

    @Test(arguments: TestEngine.available)
    func eventsWaitingTogetherShareOneTransaction(engine: TestEngine) async throws {
        let database = try await TestDatabase(engine)
        let ledger = try await database.open(serverID: "local").ledger
        let writer = writer(ledger)
        let time = Instant(millisecondsSinceEpoch: 1_795_737_600_000)
        let tasks = await queue((0..<64).map { event($0, time: time) }, on: writer)
        let running = Task { await writer.run() }
        var seqs: [Int64] = []
        for task in tasks {
            guard case .appended(let seq) = try await task.value else {
                Issue.record("not appended")
                continue
            }
            seqs.append(seq)
        }
        #expect(seqs == Array(1...64))
        #expect(writer.committedBatches == 1)
        writer.close()
        await running.value
        #expect(try await records(ledger).count == 64)
    }

    @Test(arguments: TestEngine.available)
    func aDuplicateInsideOneBatchIsRecordedOnce(engine: TestEngine) async throws {
        let database = try await TestDatabase(engine)
        let ledger = try await database.open(serverID: "local").ledger
        let writer = writer(ledger)
        let time = Instant(millisecondsSinceEpoch: 1_795_737_600_000)
        var click = event(1, time: time)
        click.kind = .click
        let tasks = await queue([event(1, time: time), event(2, time: time), event(1, time: time), click], on: writer)
        let running = Task { await writer.run() }
        var outcomes: [LedgerAppendOutcome] = []
        for task in tasks { outcomes.append(try await task.value) }
        #expect(outcomes == [.appended(seq: 1), .appended(seq: 2), .duplicate, .appended(seq: 3)])
        // And across batches: the ledger's unique (kind, impression id) answers a late replay.
        #expect(try await writer.append(event(2, time: time)) == .duplicate)
        writer.close()
        await running.value
        #expect(
            try await records(ledger).map(\.event.impressionID) == [event(1, time: time), event(2, time: time), click].map(\.impressionID))
    }

    @Test(arguments: TestEngine.available)
    func closingDrainsWhatIsWaitingAndRefusesWhatComesAfter(engine: TestEngine) async throws {
        let database = try await TestDatabase(engine)
        let ledger = try await database.open(serverID: "local").ledger
        let writer = writer(ledger, maximumBatch: 3)
        let time = Instant(millisecondsSinceEpoch: 1_795_737_600_000)
        let tasks = await queue((0..<10).map { event($0, time: time) }, on: writer)
        writer.close()
        await expectClosed { try await writer.append(event(99, time: time)) }
        await writer.run()  // returns once the ten waiting are written
        for task in tasks { #expect(try await task.value != .duplicate) }
        #expect(try await records(ledger).count == 10)
        #expect(writer.committedBatches == 4)  // 3 + 3 + 3 + 1
    }

    @Test func aFailedCommitAnswersEveryWaiterAndWritesNothing() async throws {
        let database = try await TestDatabase(.sqlite)
        let ledger = try await database.open(serverID: "local").ledger
        let writer = writer(ledger)
        let time = Instant(millisecondsSinceEpoch: 1_795_737_600_000)
        // A second connection makes every insert fail, as a full disk would.
        let other = try DatabaseQueue(path: database.path)
        try await other.write {
            try $0.execute(sql: "CREATE TRIGGER refuse BEFORE INSERT ON ledger BEGIN SELECT RAISE(ABORT, 'disk full'); END")
        }
        let tasks = await queue((0..<5).map { event($0, time: time) }, on: writer)
        let running = Task { await writer.run() }
        for task in tasks {
            do {
                _ = try await task.value
                Issue.record("a failed commit answered success")
            } catch {
                #expect("\(error)".contains("disk full"), "\(error)")
            }
        }
        #expect(try await ledger.count() == 0)
        try await other.write { try $0.execute(sql: "DROP TRIGGER refuse") }
        #expect(try await writer.append(event(0, time: time)) == .appended(seq: 1))
        writer.close()
        await running.value
    }

    /// Two servers' writers racing to record the same events (a beacon and its replay
    /// reaching two servers at once): each event is recorded once, by one of them, and
    /// both chains stay whole and verify.
    @Test(.enabled(if: PostgresTestServer.isAvailable))
    func twoChainsRacingForTheSameEventsRecordEachOnce() async throws {
        let database = try await TestDatabase(.postgres)
        let time = Instant(millisecondsSinceEpoch: 1_795_737_600_000)
        let events = (0..<200).map { event($0, time: time) }
        var chains: [String: any LedgerStore] = [:]
        for id in ["east", "west"] { chains[id] = try await database.open(serverID: id).ledger }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (_, ledger) in chains {
                let writer = writer(ledger, maximumBatch: 16)
                group.addTask {
                    let running = Task { await writer.run() }
                    try await withThrowingTaskGroup(of: Void.self) { appends in
                        for lane in 0..<8 {
                            appends.addTask {
                                for event in stride(from: lane, to: events.count, by: 8).map({ events[$0] }) {
                                    _ = try await writer.append(event)
                                }
                            }
                        }
                        try await appends.waitForAll()
                    }
                    writer.close()
                    await running.value
                }
            }
            try await group.waitForAll()
        }
        var recorded: [String] = []
        var verifier = LedgerChainsVerifier(keys: keys)
        for (id, ledger) in chains {
            let records = try await records(ledger)
            #expect(records.map(\.seq) == (0..<records.count).map { Int64($0) + 1 }, "chain \(id) has a gap")
            for record in records {
                #expect(record.serverID == id)
                verifier.check(record)
                recorded.append(record.event.impressionID)
            }
        }
        #expect(recorded.count == events.count, "\(recorded.count) records for \(events.count) events")
        #expect(Set(recorded) == Set(events.map(\.impressionID)))
        #expect(verifier.problems.isEmpty, "\(verifier.problems)")
    }

    private func expectClosed(_ body: () async throws -> LedgerAppendOutcome) async {
        do {
            _ = try await body()
            Issue.record("an append after close was taken")
        } catch {
            #expect(error is LedgerWriter.Closed)
        }
    }
}
