import Foundation
import Testing
import VickreyCore
import VickreyLedger
import VickreySigning

@Suite("Ledger records: chain, signatures, tampering")
struct LedgerVerificationTests {
    let signer = TestSigner("k-test")

    @Test func anUntouchedChainVerifies() {
        let records = signer.chain(12)
        #expect(LedgerFixtures.verify(records, keys: signer.publicKeys) == nil)
        #expect(records[0].prevHash == LedgerRecord.genesisHash)
        #expect(records[5].prevHash == records[4].hash)
    }

    /// Each way to tamper with a 10-record ledger, and the seq verification must name.
    enum Tampering: String, CaseIterable, Sendable {
        case deleteRecord4, alterChargeOf6, alterTimeOf1, reorder5And6, resignRecord7WithUnknownKey, resignRecord3UnderTheRightKid
        case deleteFirst, duplicateRecord2, recomputeHashAfterAltering8
    }

    @Test(arguments: Tampering.allCases)
    func tamperingIsCaughtAtTheRightSequenceNumber(_ tampering: Tampering) {
        var records = signer.chain(10)
        let forger = TestSigner("k-forger")
        let expected: (seq: Int64, phrase: String)
        switch tampering {
        case .deleteRecord4:
            records.remove(at: 3)
            expected = (4, "missing")
        case .alterChargeOf6:
            records[5].event.charge = Nanos(records[5].event.charge.value + 1)
            expected = (6, "altered")
        case .alterTimeOf1:
            records[0].event.eventTime = records[0].event.eventTime.adding(seconds: 1)
            expected = (1, "altered")
        case .reorder5And6:
            records.swapAt(4, 5)
            expected = (5, "out of order: found after seq 6")
        case .resignRecord7WithUnknownKey:
            var event = records[6].event
            event.charge = Nanos(1)
            records[6] = forger.seal(event, seq: 7, prevHash: records[5].hash)
            expected = (7, "unknown key 'k-forger'")
        case .resignRecord3UnderTheRightKid:
            let impostor = TestSigner("k-test")
            records[2] = impostor.seal(records[2].event, seq: 3, prevHash: records[1].hash)
            expected = (3, "signature does not verify")
        case .deleteFirst:
            records.removeFirst()
            expected = (1, "missing")
        case .duplicateRecord2:
            records.insert(records[1], at: 2)
            expected = (2, "repeated")
        case .recomputeHashAfterAltering8:
            records[7].event.billed = false
            records[7].hash = records[7].canonicalBytes.sha256Hex
            expected = (8, "signature does not verify")
        }
        let failure = LedgerFixtures.verify(records, keys: signer.publicKeys)
        #expect(failure?.seq == expected.seq, "\(failure.map(\.description) ?? "verified")")
        #expect(failure?.problem.contains(expected.phrase) == true, "\(failure.map(\.description) ?? "verified")")
    }

    /// The whole report, not just the first problem: each tampering named once, as what it is.
    @Test(
        arguments: [
            ("two adjacent deletions", [3, 4], [] as [Int], [(4, "records 4–5 (2 records) are missing (deleted)")]),
            ("two separate deletions", [1, 6], [], [(2, "record 2 is missing (deleted)"), (7, "record 7 is missing (deleted)")]),
            ("a swapped pair", [], [4, 5], [(5, "out of order: found after seq 6")]),
            (
                "the first three cut off", [0, 1, 2], [],
                [
                    (
                        1,
                        "the export starts at seq 4, not 1: records 1–3 (3 records) are missing; an export made with --since starts later: verify it with --partial"
                    )
                ]
            ),
        ] as [(String, [Int], [Int], [(Int64, String)])])
    func theReportNamesEachTamperingOnce(name: String, deleted: [Int], swapped: [Int], expected: [(Int64, String)]) {
        var records = signer.chain(10)
        if swapped.count == 2 { records.swapAt(swapped[0], swapped[1]) }
        for index in deleted.sorted(by: >) { records.remove(at: index) }
        var verifier = LedgerVerifier(keys: signer.publicKeys)
        for record in records { verifier.check(record) }
        #expect(verifier.problems.map(\.seq) == expected.map(\.0), "\(name): \(verifier.problems)")
        #expect(verifier.problems.map(\.problem) == expected.map(\.1), "\(name)")
    }

    @Test func anAlteredRecordWithARecomputedHashIsOneProblemNotTwo() {
        var records = signer.chain(6)
        records[2].event.charge = Nanos(1)
        records[2].hash = records[2].canonicalBytes.sha256Hex
        var verifier = LedgerVerifier(keys: signer.publicKeys)
        for record in records { verifier.check(record) }
        #expect(verifier.problems.count == 1, "\(verifier.problems)")
        #expect(verifier.problems.first?.seq == 3)
        #expect(verifier.verifiedCount == 5)
    }

    @Test func aSignatureSpeltNonCanonicallyIsRefused() {
        var records = signer.chain(2)
        var spelling = Array(records[1].signature.utf8)
        // The last character carries four unused bits: setting one keeps the bytes, changes the text.
        spelling[spelling.count - 1] = Base64URLAlphabet.respell(spelling[spelling.count - 1])
        records[1].signature = String(decoding: spelling, as: UTF8.self)
        #expect(Base64URL.decode(records[1].signature) == Base64URL.decode(signer.chain(2)[1].signature))
        let failure = LedgerFixtures.verify(records, keys: signer.publicKeys)
        #expect(failure?.seq == 2)
        #expect(failure?.problem.contains("canonical base64url") == true, "\(failure.map(\.description) ?? "verified")")
    }

    @Test func everySingleByteOfTheSignedContentMatters() {
        let record = signer.chain(1)[0]
        let bytes = record.canonicalBytes
        // Any change to the content changes the canonical bytes, so hash and signature fail.
        var mutated = record
        mutated.event.requestID += "x"
        #expect(mutated.canonicalBytes != bytes)
        #expect(LedgerFixtures.verify([mutated], keys: signer.publicKeys)?.seq == 1)
        var signature = Base64URL.decode(record.signature)!
        for index in stride(from: 0, to: signature.count, by: 7) {
            signature[index] ^= 0x01
            var forged = record
            forged.signature = Base64URL.encode(signature)
            #expect(LedgerFixtures.verify([forged], keys: signer.publicKeys)?.problem.contains("signature") == true)
            signature[index] ^= 0x01
        }
    }

    @Test func aPartialExportAnchorsAtItsFirstRecord() {
        let records = Array(signer.chain(8).dropFirst(3))
        #expect(LedgerFixtures.verify(records, keys: signer.publicKeys)?.seq == 1)
        #expect(LedgerFixtures.verify(records, keys: signer.publicKeys, startingAt: nil) == nil)
    }

    @Test func afterARotationOldAndNewRecordsVerifyWithBothPublicKeys() {
        let old = TestSigner("k-old")
        let new = TestSigner("k-new")
        let first = old.chain(3)
        let second = new.chain(3, startingAt: 4, after: first.last!.hash)
        var both = old.publicKeys
        both.keys.merge(new.publicKeys.keys) { a, _ in a }
        #expect(LedgerFixtures.verify(first + second, keys: both) == nil)
        #expect(LedgerFixtures.verify(first + second, keys: new.publicKeys)?.seq == 1)
    }

    @Test func canonicalBytesFollowTheDocumentedLayout() {
        let record = signer.seal(LedgerFixtures.event(0), seq: 1, prevHash: LedgerRecord.genesisHash)
        let text = String(decoding: record.canonicalBytes, as: UTF8.self)
        #expect(text.hasPrefix("vickrey-ledger-record-v1\nseq=1:1\nkind=10:impression\nbilled=4:true\nreason=0:\n"))
        #expect(text.contains("\ncharge_nanos=7:1234567\nevent_time=24:2026-11-27T00:00:00.000Z\n"))
        #expect(text.hasSuffix("kid=6:k-test\n"))
        #expect(record.hash == record.canonicalBytes.sha256Hex)
    }
}

extension [UInt8] {
    var sha256Hex: String {
        // Recomputed independently of the library's own helper, with CryptoKit-style API.
        LedgerHash.hex(self)
    }
}

/// The base64url alphabet, to spell a final character differently without changing its bytes.
enum Base64URLAlphabet {
    static let characters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// The character whose value differs from `character`'s only in its lowest bit.
    static func respell(_ character: UInt8) -> UInt8 {
        let value = characters.firstIndex(of: character)!
        return characters[value ^ 1]
    }
}

/// `docs/ledger.md` defines the signed bytes for outside verifiers: its examples must be
/// exactly what the code hashes and signs, byte for byte.
@Suite("docs/ledger.md is exact")
struct LedgerDocumentationTests {
    /// The fenced blocks of the document that are canonical bytes.
    static func examples() throws -> [String] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("docs/ledger.md"), encoding: .utf8)
        return text.components(separatedBy: "```\n").enumerated().compactMap { index, part in
            index % 2 == 1 && part.hasPrefix("vickrey-ledger-record-v") ? part : nil
        }
    }

    @Test func everyDocumentedRecordIsTheBytesTheCodeSigns() throws {
        let examples = try Self.examples()
        #expect(examples.count == 3, "expected the version 1, 2 and 3 examples")
        for example in examples {
            var values: [LedgerField: LedgerValue] = [.hash: .string(LedgerRecord.genesisHash), .sig: .string("-")]
            for line in example.split(separator: "\n").dropFirst() {
                let name = String(line.prefix { $0 != "=" })
                let rest = line.dropFirst(name.count + 1)
                let value = String(rest.drop { $0 != ":" }.dropFirst())
                #expect(Int(rest.prefix { $0 != ":" }) == value.utf8.count, "\(line): the length is not the value's byte count")
                let field = try #require(LedgerField(rawValue: name), "\(name) is not a field")
                values[field] =
                    switch field.shape {
                    case .integer, .optionalInteger: .integer(Int64(value)!)
                    case .boolean: .boolean(value == "true")
                    case .optionalString where value.isEmpty: .null
                    default: .string(value)
                    }
            }
            let record = try LedgerRecord(values: values)
            #expect(String(decoding: record.canonicalBytes, as: UTF8.self) == example)
        }
    }
}
