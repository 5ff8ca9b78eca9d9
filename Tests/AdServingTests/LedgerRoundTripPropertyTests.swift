import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import VickreyCore
import VickreyLedger
import VickreySigning
import VickreyStore
import VickreySynthetic

/// Whatever a client puts in the id that is signed into the ledger, every record it leads
/// to reads back exactly as it was signed, or the request is refused: request → beacon →
/// ledger → read back (API and database) → verify, on the real server and database.
@Suite("Property: request ids reach the ledger byte for byte")
struct LedgerRoundTripPropertyTests {
    let harness = ServerHarness()

    /// One piece of a JSON string literal: its text in the body and the string it decodes to
    /// (nil when it makes the JSON invalid).
    struct Piece {
        var json: String
        var decoded: String?
    }

    static func piece(_ random: inout SeededRandom) -> Piece {
        switch random.int(in: 0...12) {
        case 0: return Piece(json: "abc", decoded: "abc")
        case 1:
            let code = random.int(in: 0...0x1F)
            return Piece(json: String(format: "\\u%04x", code), decoded: String(UnicodeScalar(UInt8(code))))
        case 2: return Piece(json: #"\""#, decoded: "\"")
        case 3: return Piece(json: #"\\"#, decoded: "\\")
        case 4: return Piece(json: #"\ud83c\udf88"#, decoded: "🎈")  // a paired surrogate escape
        case 5: return Piece(json: #"\ud800"#, decoded: nil)  // a lone high surrogate
        case 6: return Piece(json: #"x\udc00"#, decoded: nil)  // a lone low surrogate
        case 7: return Piece(json: "👩‍👩‍👧", decoded: "👩‍👩‍👧")
        case 8: return Piece(json: "e\u{301}", decoded: "e\u{301}")  // a combining mark
        case 9: return Piece(json: #"\u007f\u0085\u2028"#, decoded: "\u{7F}\u{85}\u{2028}")  // DEL, C1, a line separator: refused
        case 10: return Piece(json: String(repeating: "ж", count: random.int(in: 1...70)), decoded: nil).decodedAsItself
        case 11: return Piece(json: #"\u202e"#, decoded: "\u{202E}")  // a right-to-left override: refused
        default: return Piece(json: "/,'; DROP", decoded: "/,'; DROP")
        }
    }

    /// What the server must do with an id: accept it (and sign exactly it) or refuse it.
    static func expectation(_ pieces: [Piece]) -> String? {
        var text = ""
        for piece in pieces {
            guard let decoded = piece.decoded else { return nil }
            text += decoded
        }
        // Refused: empty, over 128 characters, C0 and C1 controls, DEL, the bidirectional
        // controls and the line and paragraph separators (they change how an id is shown).
        let refusedScalars: [ClosedRange<UInt32>] = [
            0...0x1F, 0x7F...0x9F, 0x061C...0x061C, 0x200E...0x200F, 0x202A...0x202E, 0x2066...0x2069, 0x2028...0x2029,
        ]
        guard !text.isEmpty, text.unicodeScalars.count <= 128,
            !text.unicodeScalars.contains(where: { scalar in refusedScalars.contains { $0.contains(scalar.value) } })
        else { return nil }
        return text
    }

    @Test func everyAcceptedIDIsSignedAndReadBackExactly() async throws {
        _ = try await harness.store().importCampaigns([
            Campaigns.make("any", advertiser: "a", bid: 1_000_000, totalBudget: 1_000_000_000_000)
        ])
        var random = SeededRandom(seed: 20_261_201)
        var cases: [(json: String, expected: String?, openRTB: Bool)] = []
        for _ in 0..<240 {
            let pieces = (0..<random.int(in: 1...6)).map { _ in Self.piece(&random) }
            cases.append((pieces.map(\.json).joined(), Self.expectation(pieces), random.chance(40)))
        }
        // The longest id allowed, of 4-byte characters, and one past it.
        cases.append((String(repeating: "🎈", count: 128), String(repeating: "🎈", count: 128), false))
        cases.append((String(repeating: "🎈", count: 128), String(repeating: "🎈", count: 128), true))
        cases.append((String(repeating: "🎈", count: 129), nil, false))
        let all = cases
        let accepted = try await harness.liveResult { client -> [String] in
            var accepted: [String] = []
            for (json, expected, openRTB) in all {
                let body =
                    openRTB
                    ? #"{"id":"\#(json)","imp":[{"id":"1","tagid":"home_feed","banner":{"w":300,"h":250}}]}"#
                    : #"{"request_id":"\#(json)","placements":[{"id":"home_feed"}]}"#
                let response = try await client.post(openRTB ? "/openrtb2/auction" : "/v1/ads", json: body)
                guard let expected else {
                    #expect(response.status == .badRequest, "\(json) was accepted")
                    if response.errorField != nil { #expect(response.errorField == (openRTB ? "id" : "request_id")) }
                    continue
                }
                #expect(response.status == .ok, "\(json): \(response.status) \(response.text)")
                let url =
                    openRTB
                    ? ((((response.object["seatbid"] as? [[String: Any]])?.first?["bid"] as? [[String: Any]])?.first?["burl"]) as? String)
                    : ((response.object["ads"] as? [[String: Any]])?.first?["impression_url"] as? String)
                let path = try #require(url.flatMap(URL.init(string:))?.path)
                #expect(try await client.get(path).status == .ok)
                accepted.append(expected)
            }
            // Billing's view: every page parsed strictly and verified against the served keys.
            let keys = try JWKS.decode(Data(try await client.get("/.well-known/jwks.json").body.readableBytesView))
            var verifier = LedgerVerifier(keys: keys)
            var read: [String] = []
            var after: Int64 = 0
            while true {
                let page = try await client.get(
                    "/v1/ledger?after=\(after)&limit=50", headers: [.authorization: "Bearer \(ServerHarness.billingToken)"])
                let object = try #require(try JSONSerialization.jsonObject(with: Data(page.body.readableBytesView)) as? [String: Any])
                for item in object["records"] as? [[String: Any]] ?? [] {
                    let line = String(decoding: try JSONSerialization.data(withJSONObject: item), as: UTF8.self)
                    let record = try LedgerExport.parse(jsonLine: line)
                    verifier.check(record)
                    read.append(record.event.requestID)
                }
                guard object["has_more"] as? Bool == true, let next = object["next_after"] as? Int else { break }
                after = Int64(next)
            }
            #expect(verifier.problems.isEmpty, "\(verifier.problems)")
            #expect(read.map { Array($0.utf8) } == accepted.map { Array($0.utf8) })
            return accepted
        }
        #expect(accepted.count > 40, "too few accepted cases to mean anything")
        #expect(accepted.count < all.count - 20, "too few refused cases to mean anything")

        // The database's own rows, read back and verified as `adctl ledger verify` does.
        let ledger = try await harness.ledger()
        let keyring = try #require(try harness.keyring())
        var verifier = LedgerVerifier(keys: PublicKeySet(keys: keyring.keys.mapValues(\.rawPublicKey)))
        var records: [LedgerRecord] = []
        try await ledger.forEachRecord { records.append($0) }
        var stored: [[UInt8]] = []
        for record in records {
            verifier.check(record)
            stored.append(Array(record.event.requestID.utf8))
            // An export line reads back into the same record.
            #expect(try LedgerExport.parse(jsonLine: LedgerExport.jsonLine(record)) == record)
        }
        #expect(verifier.problems.isEmpty, "\(verifier.problems)")
        #expect(stored == accepted.map { Array($0.utf8) })
    }
}

extension LedgerRoundTripPropertyTests.Piece {
    /// A piece whose JSON text is its own value (no escapes).
    var decodedAsItself: Self { Self(json: json, decoded: json) }
}
