import Testing
import VickreyCore
import VickreyLedger

/// Checking signatures on every core (`LedgerChainsVerifier.check(batch:)`, what
/// `adctl ledger verify` runs) reports exactly what checking one record at a time does,
/// whatever the batch size, on exports tampered in every way the verifier names.
@Suite("Parallel verification equals serial verification")
struct ParallelVerificationTests {
    /// Two chains of 300 records each, interleaved as a fleet's export is, and the
    /// public keys that verify them.
    static let fixture: (records: [LedgerRecord], keys: PublicKeySet) = {
        let signer = TestSigner("k-test")
        var a: [LedgerRecord] = []
        var b: [LedgerRecord] = []
        var previousA = LedgerRecord.genesisHash
        var previousB = LedgerRecord.genesisHash
        for index in 0..<300 {
            let recordA = signer.seal(LedgerFixtures.event(index), seq: Int64(index + 1), prevHash: previousA, serverID: "ads-a")
            let recordB = signer.seal(LedgerFixtures.event(index + 7), seq: Int64(index + 1), prevHash: previousB, serverID: "ads-b")
            a.append(recordA)
            b.append(recordB)
            previousA = recordA.hash
            previousB = recordB.hash
        }
        return (zip(a, b).flatMap { [$0, $1] }, signer.publicKeys)
    }()

    enum Tampering: String, CaseIterable, Sendable {
        case none, deletions, alteredCharges, reordered, forged, duplicated, movedToTheOtherChain, everythingAtOnce
    }

    static func tampered(_ tampering: Tampering) -> [LedgerRecord] {
        var records = fixture.records
        let forger = TestSigner("k-forger")
        func apply(_ one: Tampering) {
            switch one {
            case .none, .everythingAtOnce: break
            case .deletions:
                records.remove(at: 401)
                records.removeSubrange(100..<105)
            case .alteredCharges:
                for index in stride(from: 13, to: records.count, by: 97) { records[index].event.charge = Nanos(1) }
            case .reordered: records.swapAt(200, 202)
            case .forged: records[355] = forger.seal(records[355].event, seq: records[355].seq, prevHash: records[355].prevHash)
            case .duplicated: records.insert(records[234], at: 300)
            case .movedToTheOtherChain: records[500].serverID = records[500].serverID == "ads-a" ? "ads-b" : "ads-a"
            }
        }
        if tampering == .everythingAtOnce {
            for one in Tampering.allCases where one != .everythingAtOnce { apply(one) }
        } else {
            apply(tampering)
        }
        return records
    }

    @Test(arguments: Tampering.allCases)
    func verdictsAreTheSameWhateverTheBatchSize(_ tampering: Tampering) {
        let records = Self.tampered(tampering)
        let keys = Self.fixture.keys
        var serial = LedgerChainsVerifier(keys: keys, chains: ["ads-a", "ads-b"])
        for record in records { serial.check(record) }
        #expect(serial.problems.isEmpty == (tampering == .none), "\(serial.problems)")
        for size in [1, 7, records.count] {
            var parallel = LedgerChainsVerifier(keys: keys, chains: ["ads-a", "ads-b"])
            var start = 0
            while start < records.count {
                parallel.check(batch: Array(records[start..<min(records.count, start + size)]))
                start += size
            }
            #expect(parallel.problems == serial.problems, "batch size \(size)")
            #expect(parallel.verifiedCount == serial.verifiedCount, "batch size \(size)")
            #expect(parallel.heads.map(\.lastHash) == serial.heads.map(\.lastHash), "batch size \(size)")
        }
    }
}
