import Crypto
import Foundation
import Testing
import VickreyCore
import VickreyLedger

/// Records signed with the real key whose fields `docs/ledger.md` forbids: a verifier
/// written from the docs refuses them, and so must ours. The records are built here from
/// the documented canonical layout alone (not the library's writer), so nothing the
/// library would refuse to write is out of reach.
@Suite("The verifier refuses what the ledger's docs forbid, even when it is signed")
struct ForbiddenRecordTests {
    let key = Curve25519.Signing.PrivateKey()
    let keyID = "k20261127000000-1a2b3c4d"
    var keys: PublicKeySet { PublicKeySet(keys: [keyID: Array(key.publicKey.rawRepresentation)]) }

    /// A valid record's fields as `docs/ledger.md` lists them, as JSON values.
    static let impressionID = "0000000000b000000000000a"
    static var base: [(String, Any)] {
        [
            ("seq", 1), ("kind", "impression"), ("billed", true), ("reason", NSNull()), ("impression_id", impressionID),
            ("request_id", "r-1"), ("campaign_id", "alpha"), ("advertiser_id", "acme"), ("creative_id", "cr-1"),
            ("placement_id", "home_feed"), ("pricing", "cpm"), ("clearing_ecpm_micros", 1_234_567), ("charge_nanos", 1_234_567),
            ("event_time", "2026-11-27T00:00:00.000Z"), ("prev_hash", String(repeating: "0", count: 64)),
        ]
    }

    /// The JSON line of a record with `changes` applied, hashed and signed as the docs say:
    /// `vickrey-ledger-record-vN`, then `NAME=LENGTH:VALUE\n` per signed field.
    func signedLine(_ changes: [String: any Sendable], serverID: String? = nil) -> String {
        var fields: [(String, Any)] = Self.base.map { name, value in (name, changes[name].map { $0 as Any } ?? value) }
        fields.append(("kid", keyID))
        if let serverID { fields.append(("server_id", serverID)) }
        func text(_ value: Any) -> String {
            switch value {
            case is NSNull: ""
            case let flag as Bool: flag ? "true" : "false"
            default: "\(value)"
            }
        }
        var bytes = Array("vickrey-ledger-record-v\(serverID == nil ? 1 : 2)\n".utf8)
        for (name, value) in fields {
            let value = Array(text(value).utf8)
            bytes += Array("\(name)=\(value.count):".utf8) + value + [0x0A]
        }
        let hash = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        let signature = Base64URL.encode(Array(try! key.signature(for: bytes)))
        let signedTail: [(String, Any)] = [("hash", hash), ("kid", keyID), ("sig", signature)]
        let ordered = Array(fields.prefix(15)) + signedTail + Array(fields.dropFirst(16))
        func json(_ value: Any) -> String {
            switch value {
            case is NSNull: "null"
            case let flag as Bool: flag ? "true" : "false"
            case let number as Int: String(number)
            default:
                String(decoding: try! JSONSerialization.data(withJSONObject: [value], options: [.withoutEscapingSlashes]), as: UTF8.self)
                    .dropFirst().dropLast().description
            }
        }
        return "{" + ordered.map { "\"\($0.0)\":\(json($0.1))" }.joined(separator: ",") + "}"
    }

    /// What the verifier says of one line: a refusal of the line, or its problems.
    func verdict(_ line: String) -> String {
        do {
            let record = try LedgerExport.parse(jsonLine: line)
            var verifier = LedgerChainsVerifier(keys: keys)
            verifier.check(record)
            return verifier.problems.joined(separator: "; ")
        } catch { return "line refused: \(error)" }
    }

    @Test func theUntouchedRecordVerifies() {
        #expect(verdict(signedLine([:])) == "")
        #expect(verdict(signedLine([:], serverID: "ads-1")) == "")
        #expect(verdict(signedLine(["billed": false, "reason": "lease_exhausted", "charge_nanos": 0], serverID: "ads-1")) == "")
    }

    @Test(
        arguments: [
            (["impression_id": String(impressionID.dropLast())], "impression_id must be 24 lowercase hex digits"),
            (["impression_id": impressionID.uppercased()], "impression_id must be 24 lowercase hex digits"),
            (["impression_id": impressionID + "0"], "impression_id must be 24 lowercase hex digits"),
            (["impression_id": String(impressionID.dropLast()) + "g"], "impression_id must be 24 lowercase hex digits"),
            (["request_id": ""], "request_id must not be empty"),
            (["request_id": String(repeating: "r", count: 129)], "request_id longer than 128 characters"),
            (["request_id": "r\u{1}1"], "request_id must not contain control characters (found U+0001)"),
            (["request_id": "r\n1"], "request_id must not contain control characters (found U+000A)"),
            (["billed": false, "reason": "bogus", "charge_nanos": 0], "line refused: reason: 'bogus' is not a reason the ledger records"),
            (
                ["billed": false, "reason": "lease_exhausted", "charge_nanos": 0],
                "reason 'lease_exhausted' is only recorded by a fleet's chains, and this record has no server_id"
            ),
        ] as [([String: any Sendable], String)])
    func aSignedRecordWithAForbiddenFieldIsRefusedNamingIt(changes: [String: any Sendable], expected: String) {
        let verdict = verdict(signedLine(changes))
        #expect(verdict.contains(expected), "\(verdict)")
    }

    @Test func aFieldLeftOutWhenAbsentIsNotWrittenAsNullAndTheMessageSaysSo() {
        let line = signedLine([:], serverID: "ads-1").replacingOccurrences(of: #""server_id":"ads-1""#, with: #""server_id":null"#)
        #expect(verdict(line) == "line refused: server_id: must be left out when the record has none, not null")
        let empty = signedLine([:], serverID: "ads-1").replacingOccurrences(of: #""server_id":"ads-1""#, with: #""server_id":"""#)
        #expect(verdict(empty).contains("server_id: must be a non-empty string, or left out when the record has none"), "\(verdict(empty))")
    }

    /// A record moved from one chain to another (its `server_id` rewritten and the record
    /// placed among the other chain's) is one problem, not one per record after it.
    @Test(arguments: [Int64(3), 40])
    func aRecordMovedToAnotherChainIsReportedOnce(movedSeq: Int64) throws {
        func chain(_ server: String, _ count: Int) -> [LedgerRecord] {
            var records: [LedgerRecord] = []
            var previous = LedgerRecord.genesisHash
            for index in 0..<count {
                var event = LedgerFixtures.event(index)
                event.ad.impressionID = String(format: "%024x", index + (server == "ads-1" ? 1 : 1_000))
                let record = try! LedgerRecord.seal(
                    event, seq: Int64(index + 1), prevHash: previous, keyID: keyID, serverID: server, signingKey: key)
                records.append(record)
                previous = record.hash
            }
            return records
        }
        var first = chain("ads-1", 50)
        var second = chain("ads-2", 50)
        var moved = first.remove(at: Int(movedSeq) - 1)
        moved.serverID = "ads-2"
        second.insert(moved, at: 10)
        // The export names its chains in a first pass (as `adctl ledger verify` does).
        for order in [first + second, second + first] {
            var verifier = LedgerChainsVerifier(keys: keys, chains: ["ads-1", "ads-2"])
            for record in order { verifier.check(record) }
            #expect(
                verifier.problems == [
                    "record seq \(movedSeq) of chain ads-1 was moved to chain ads-2 (its hash matches its content only under chain ads-1)"
                ])
        }
    }
}
