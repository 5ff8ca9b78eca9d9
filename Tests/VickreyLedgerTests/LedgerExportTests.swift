import Foundation
import Testing
import VickreyCore
import VickreyLedger
import VickreySigning

@Suite("Ledger exports and keys")
struct LedgerExportTests {
    let signer = TestSigner("k-export")

    @Test func jsonLinesRoundTripExactly() throws {
        let records = signer.chain(15)
        let lines = records.map(LedgerExport.jsonLine)
        let back = try lines.map(LedgerExport.parse(jsonLine:))
        #expect(back == records)
        #expect(LedgerFixtures.verify(back, keys: signer.publicKeys) == nil)
        // Fields in the contract's order, nulls for reason when billed.
        let object = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        #expect(Set(object.keys) == Set(LedgerExport.columns))
        #expect(object["reason"] is NSNull)
        #expect(lines[0].hasPrefix(#"{"seq":1,"kind":"impression","billed":true,"reason":null,"#))
    }

    @Test func csvQuotesTextThatNeedsIt() {
        let line = LedgerExport.csvLine(signer.chain(1)[0])
        #expect(line.hasPrefix("1,impression,true,,"))
        #expect(line.contains(#","req ""0"", with, commas","#))
        #expect(LedgerExport.csvHeader.split(separator: ",").count == 18)
    }

    @Test(arguments: [
        (#"{"seq":"1"}"#, "seq: wrong type"),
        (#"{"seq":1}"#, "kind: missing"),
        ("not json", "not valid JSON"),
    ])
    func badLinesAreNamed(line: String, message: String) {
        #expect(throws: LedgerFormatError.self) { try LedgerExport.parse(jsonLine: line) }
        do { _ = try LedgerExport.parse(jsonLine: line) } catch { #expect("\(error)".contains(message), "\(error)") }
    }

    @Test func jwksRoundTripsAndFollowsRFC8037() throws {
        let text = JWKS.encode(signer.publicKeys)
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: [[String: String]]]
        let key = try #require(object["keys"]?.first)
        #expect(key["kty"] == "OKP")
        #expect(key["crv"] == "Ed25519")
        #expect(key["kid"] == "k-export")
        #expect(key["x"]?.count == 43)
        #expect(try JWKS.decode(Data(text.utf8)).keys == signer.publicKeys.keys)
        #expect(throws: JWKSError.self) { try JWKS.decode(Data(#"{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"a","x":"AAAA"}]}"#.utf8)) }
    }

    @Test func base64urlMatchesFoundationForEveryLength() {
        for length in 0..<70 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 251) }
            let expected = Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            #expect(Base64URL.encode(bytes) == expected)
            #expect(Base64URL.decode(expected) == bytes)
        }
    }
}
