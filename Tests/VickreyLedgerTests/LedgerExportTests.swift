import Foundation
import Testing
import VickreyCore
import VickreyLedger
import VickreySigning
import VickreyTestSupport

@Suite("Ledger exports and keys")
struct LedgerExportTests {
    let signer = TestSigner("k-export")

    @Test func jsonLinesRoundTripExactly() throws {
        let records = signer.chain(15)
        let lines = records.map(LedgerExport.jsonLine)
        let back = try lines.map { try LedgerExport.parse(jsonLine: $0) }
        #expect(back == records)
        #expect(LedgerFixtures.verify(back, keys: signer.publicKeys) == nil)
        // Fields in the contract's order, nulls for reason when billed.
        let object = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        // A single server's record has no server_id: the line is what it was before fleets.
        #expect(Set(object.keys) == Set(LedgerExport.columns).subtracting(["server_id", "experiment", "arm", "unit_bucket"]))
        #expect(object["reason"] is NSNull)
        #expect(lines[0].hasPrefix(#"{"seq":1,"kind":"impression","billed":true,"reason":null,"#))
    }

    @Test func csvQuotesTextThatNeedsIt() {
        let line = LedgerCSV.line(signer.chain(1)[0])
        #expect(line.hasPrefix("1,impression,true,,"))
        #expect(line.contains(#","req ""0"", with, commas","#))
        #expect(LedgerCSV.header.split(separator: ",").count == 22)
        #expect(LedgerCSV.header.hasSuffix(",kid,sig,server_id,experiment,arm,unit_bucket"))
    }

    /// A signature is base64url, so about one in 64 starts with `-`: the CSV export escapes
    /// it like any formula cell, and the reader gives back the signature that was signed.
    /// (Tests that wrote their CSV with LF line ends, which marks an export from before the
    /// escaping, failed on such a signature about once in 64 runs.)
    @Test func aSignatureThatLooksLikeAFormulaRoundTripsThroughTheCSV() throws {
        var record: LedgerRecord?
        for _ in 0..<2_000 where record == nil {
            let candidate = TestSigner("k-export").seal(LedgerFixtures.event(0), seq: 1, prevHash: LedgerRecord.genesisHash)
            if candidate.signature.hasPrefix("-") { record = candidate }
        }
        let dashed = try #require(record, "no signature starting with '-' in 2,000 tries")
        let document = LedgerCSV.document([dashed])
        #expect(document.contains(",'-"), "the cell is escaped")
        var reader = try LedgerCSVReader(Array(document.utf8))
        #expect(try reader.next() == dashed)
    }

    /// A fleet server's record names its chain, in the signed bytes (version 2) and in
    /// both exports; moving it to another chain breaks its hash and signature.
    @Test func aFleetRecordSignsItsChain() throws {
        let record = signer.seal(LedgerFixtures.event(0), seq: 1, prevHash: LedgerRecord.genesisHash, serverID: "ads-1.eu")
        let bytes = String(decoding: record.canonicalBytes, as: UTF8.self)
        #expect(bytes.hasPrefix("vickrey-ledger-record-v2\n"))
        #expect(bytes.hasSuffix("kid=8:k-export\nserver_id=8:ads-1.eu\n"))
        let single = signer.seal(LedgerFixtures.event(0), seq: 1, prevHash: LedgerRecord.genesisHash)
        #expect(String(decoding: single.canonicalBytes, as: UTF8.self).hasPrefix("vickrey-ledger-record-v1\n"))
        #expect(!String(decoding: single.canonicalBytes, as: UTF8.self).contains("server_id"))

        let line = LedgerExport.jsonLine(record)
        #expect(line.hasSuffix(#","server_id":"ads-1.eu"}"#))
        #expect(try LedgerExport.parse(jsonLine: line) == record)
        #expect(LedgerFixtures.verify([try LedgerExport.parse(jsonLine: line)], keys: signer.publicKeys) == nil)
        var reader = try LedgerCSVReader(Array(LedgerCSV.document([record]).utf8))
        #expect(try reader.next() == record)

        let moved = try LedgerExport.parse(jsonLine: line.replacingOccurrences(of: "ads-1.eu", with: "ads-2.eu"))
        #expect(LedgerFixtures.verify([moved], keys: signer.publicKeys) != nil, "a record moved to another chain verified")
        #expect(throws: LedgerFormatError.self) {
            try LedgerExport.parse(jsonLine: line.replacingOccurrences(of: "ads-1.eu", with: "ads 1"))
        }
        // Without a chain the record is written without the key; an explicit null is not canonical.
        do {
            _ = try LedgerExport.parse(jsonLine: line.replacingOccurrences(of: #""ads-1.eu""#, with: "null"))
            Issue.record("server_id: null accepted")
        } catch { #expect(error.field == "server_id") }
    }

    /// A CSV export written before fleets (no server_id column) or before experiments
    /// (no experiment, arm and unit_bucket columns) still reads and verifies.
    @Test(arguments: [4, 3])
    func aCSVExportWithoutTheNewerColumnsStillReads(missingColumns: Int) throws {
        let records = signer.chain(3)
        let oldHeader = LedgerExport.columns.dropLast(missingColumns).joined(separator: ",")
        // What the earlier versions wrote: LF line endings, no formula escapes.
        func oldRow(_ record: LedgerRecord) -> String {
            LedgerField.allCases.dropLast(missingColumns).map { field in
                let text = field.value(in: record).text
                return text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                    ? "\"" + text.replacing("\"", with: "\"\"") + "\"" : text
            }.joined(separator: ",")
        }
        let text = ([oldHeader] + records.map(oldRow)).joined(separator: "\n") + "\n"
        var reader = try LedgerCSVReader(Array(text.utf8))
        var back: [LedgerRecord] = []
        while let record = try reader.next() { back.append(record) }
        #expect(back == records)
        #expect(LedgerFixtures.verify(back, keys: signer.publicKeys) == nil)
    }

    /// A record sold inside an experiment signs its experiment, arm and unit bucket
    /// (format version 3); changing the arm breaks its signature; the three come together.
    @Test func anExperimentRecordSignsItsArm() throws {
        var event = LedgerFixtures.event(0)
        event.ad.experiment = ExperimentTag(experimentID: ExperimentID("floors-q4")!, arm: ArmName("high-floor")!, bucket: 17)
        let record = signer.seal(event, seq: 1, prevHash: LedgerRecord.genesisHash, serverID: "ads-1")
        let bytes = String(decoding: record.canonicalBytes, as: UTF8.self)
        #expect(bytes.hasPrefix("vickrey-ledger-record-v3\n"))
        #expect(bytes.hasSuffix("server_id=5:ads-1\nexperiment=9:floors-q4\narm=10:high-floor\nunit_bucket=2:17\n"))
        let line = LedgerExport.jsonLine(record)
        #expect(line.hasSuffix(#","experiment":"floors-q4","arm":"high-floor","unit_bucket":17}"#))
        #expect(try LedgerExport.parse(jsonLine: line) == record)
        #expect(LedgerFixtures.verify([record], keys: signer.publicKeys) == nil)
        var reader = try LedgerCSVReader(Array(LedgerCSV.document([record]).utf8))
        #expect(try reader.next() == record)

        let moved = try LedgerExport.parse(jsonLine: line.replacingOccurrences(of: "high-floor", with: "control"))
        #expect(LedgerFixtures.verify([moved], keys: signer.publicKeys) != nil, "a record moved to another arm verified")
        do {
            _ = try LedgerExport.parse(jsonLine: line.replacingOccurrences(of: #","unit_bucket":17"#, with: ""))
            Issue.record("an experiment without its unit bucket was accepted")
        } catch { #expect(error.field == "unit_bucket") }
        do {
            _ = try LedgerExport.parse(jsonLine: line.replacingOccurrences(of: #""unit_bucket":17"#, with: #""unit_bucket":128"#))
            Issue.record("a bucket out of range was accepted")
        } catch { #expect(error.field == "unit_bucket") }
    }

    @Test func csvRoundTripsExactlyThroughTheReader() throws {
        var records = signer.chain(12)
        // A request id that needs quoting in every way CSV allows.
        records[3] = signer.seal(
            LedgerEvent(
                kind: .impression, billed: true, reason: nil, impressionID: records[3].event.impressionID,
                requestID: "a,\"b\" c ✓ é", campaignID: records[3].event.campaignID, advertiserID: records[3].event.advertiserID,
                creativeID: records[3].event.creativeID, placementID: records[3].event.placementID, pricing: .cpm,
                clearingECPM: Micros(1), charge: Nanos(1), eventTime: records[3].event.eventTime
            ),
            seq: 4, prevHash: records[2].hash
        )
        records = Array(records[..<4]) + signer.chain(8, startingAt: 5, after: records[3].hash)
        let text = ([LedgerCSV.header] + records.map(LedgerCSV.line)).joined(separator: "\r\n") + "\r\n"
        #expect(LedgerCSVReader.looksLikeCSV(Array(text.utf8)))
        var reader = try LedgerCSVReader(Array(text.utf8))
        var back: [LedgerRecord] = []
        while let record = try reader.next() { back.append(record) }
        #expect(back == records)
        #expect(LedgerFixtures.verify(back, keys: signer.publicKeys) == nil)
    }

    /// Lines that parse in some JSON reader but do not say what was signed, and the
    /// field each must be refused for.
    static let refusedLines: [(name: String, edit: @Sendable (String) -> String, field: String?, phrase: String)] = [
        (
            "a second charge_nanos key", { $0.replacingOccurrences(of: #","event_time""#, with: #","charge_nanos":999,"event_time""#) },
            "charge_nanos", "appears twice"
        ),
        ("seq as 1.0", { $0.replacingOccurrences(of: #"{"seq":1,"#, with: #"{"seq":1.0,"#) }, "seq", "canonical"),
        ("seq as 1e0", { $0.replacingOccurrences(of: #"{"seq":1,"#, with: #"{"seq":1e0,"#) }, "seq", "canonical"),
        (
            "charge as -0", { $0.replacingOccurrences(of: #""charge_nanos":1234567"#, with: #""charge_nanos":-0"#) }, "charge_nanos",
            "canonical"
        ),
        ("seq as a string", { $0.replacingOccurrences(of: #"{"seq":1,"#, with: #"{"seq":"1","#) }, "seq", "expected a number"),
        (
            "billed as a string", { $0.replacingOccurrences(of: #""billed":true"#, with: #""billed":"true""#) }, "billed",
            "expected true or false"
        ),
        ("reason as an empty string", { $0.replacingOccurrences(of: #""reason":null"#, with: #""reason":"""#) }, "reason", "non-empty"),
        (
            "reason on a billed record", { $0.replacingOccurrences(of: #""reason":null"#, with: #""reason":"test""#) }, "reason",
            "null when billed"
        ),
        (
            "an unknown field", { $0.replacingOccurrences(of: #"{"seq":1,"#, with: #"{"seq":1,"discount":5,"#) }, "discount",
            "not a ledger field"
        ),
        ("a missing field", { $0.replacingOccurrences(of: #","pricing":"cpm""#, with: "") }, "pricing", "missing"),
        (
            "an upper-case hash",
            { line in
                let hash = line.range(of: #""hash":""#)!.upperBound
                return line.replacingCharacters(
                    in: hash..<line.index(hash, offsetBy: 64), with: String(line[hash..<line.index(hash, offsetBy: 64)]).uppercased())
            }, "hash", "lowercase hex"
        ),
        ("a time without milliseconds", { $0.replacingOccurrences(of: ".000Z", with: "Z") }, "event_time", "YYYY"),
        (
            "a kind nobody knows", { $0.replacingOccurrences(of: #""kind":"impression""#, with: #""kind":"view""#) }, "kind",
            "must be one of impression, click, viewable"
        ),
        ("trailing content", { $0 + "x" }, nil, "not valid JSON"),
        ("not JSON at all", { _ in "not json" }, nil, "not valid JSON"),
        ("JSON, but no object", { _ in "[1, 2]" }, nil, "not a JSON object"),
    ]

    @Test(arguments: refusedLines.indices)
    func linesThatDoNotSayWhatWasSignedAreRefused(_ index: Int) throws {
        let (name, edit, field, phrase) = Self.refusedLines[index]
        let line = LedgerExport.jsonLine(signer.chain(1)[0])
        #expect((try? LedgerExport.parse(jsonLine: line)) != nil)
        let edited = edit(line)
        #expect(edited != line, "\(name): the edit did not apply")
        do {
            _ = try LedgerExport.parse(jsonLine: edited)
            Issue.record("\(name) was accepted")
        } catch {
            #expect(error.field == field, "\(name): \(error)")
            #expect(error.message.contains(phrase), "\(name): \(error)")
        }
    }

    @Test func unknownFieldsCanBeAllowedOnRequest() throws {
        let record = signer.chain(1)[0]
        let line = LedgerExport.jsonLine(record).replacingOccurrences(of: #"{"seq":1,"#, with: #"{"seq":1,"server_note":"x","#)
        #expect(throws: LedgerFormatError.self) { try LedgerExport.parse(jsonLine: line) }
        #expect(try LedgerExport.parse(jsonLine: line, allowUnknownFields: true) == record)
    }

    @Test func csvCellsAreReadAsStrictlyAsJSON() throws {
        let record = signer.chain(1)[0]
        let cells = LedgerField.allCases.map { $0.value(in: record).text }
        #expect(throws: Never.self) { try LedgerCSV.parse(cells: cells) }
        for (column, value, phrase) in [(0, "1.0", "integer"), (2, "True", "true or false"), (12, "+5", "integer"), (0, "01", "integer")] {
            var bad = cells
            bad[column] = value
            #expect(throws: LedgerFormatError.self, "\(LedgerExport.columns[column]) = \(value)") { try LedgerCSV.parse(cells: bad) }
            do { _ = try LedgerCSV.parse(cells: bad) } catch { #expect(error.message.contains(phrase)) }
        }
        #expect(throws: LedgerFormatError.self) { try LedgerCSV.parse(cells: Array(cells.dropLast())) }
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
            #expect(Base64URL.decodeCanonical(expected) == bytes)
        }
        // The same 64 bytes spelt with non-zero unused bits: decodable, but not canonical.
        let signature = Base64URL.encode((0..<64).map { UInt8($0) })
        var respelt = Array(signature.utf8)
        respelt[respelt.count - 1] += 1  // 'w' → 'x': only the four unused low bits change
        let text = String(decoding: respelt, as: UTF8.self)
        #expect(Base64URL.decode(text) == (0..<64).map { UInt8($0) })
        #expect(Base64URL.decodeCanonical(text) == nil)
        #expect(Base64URL.decode("A") == nil)
        #expect(Base64URL.decode("AA=") == nil)
    }

    /// A cell a spreadsheet would run as a formula is written as text (one `'` first), and
    /// reads back as exactly the value that was signed.
    @Test(arguments: [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"), ("+1+1", "'+1+1"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
        ("'quoted", "''quoted"), ("plain", "plain"), ("a=b", "a=b"),
    ])
    func aFormulaCellIsWrittenAsTextAndReadsBackAsSigned(requestID: String, cell: String) throws {
        var event = LedgerFixtures.event(0)
        event.ad.requestID = requestID
        let record = signer.seal(event, seq: 1, prevHash: LedgerRecord.genesisHash)
        let document = LedgerCSV.document([record])
        #expect(document.hasSuffix("\r\n"))
        let row = try #require(document.components(separatedBy: "\r\n").dropFirst().first)
        #expect(SpreadsheetView.cells(row)[5] == cell)
        #expect(SpreadsheetView.runsAFormula(row) == false, "\(row)")
        var reader = try LedgerCSVReader(Array(document.utf8))
        let back = try #require(try reader.next())
        #expect(back == record)
        #expect(LedgerFixtures.verify([back], keys: signer.publicKeys) == nil)
    }

    /// A CRLF export (one that escapes) with a formula cell left bare was not written by
    /// us: refused, naming the field.
    @Test func aBareFormulaCellInAnEscapingExportIsRefused() throws {
        var event = LedgerFixtures.event(0)
        event.ad.requestID = "=1+1"
        let document = LedgerCSV.document([signer.seal(event, seq: 1, prevHash: LedgerRecord.genesisHash)])
        var reader = try LedgerCSVReader(Array(document.replacingOccurrences(of: "'=1+1", with: "=1+1").utf8))
        do {
            _ = try reader.next()
            Issue.record("a bare formula cell was accepted")
        } catch { #expect(error.field == "request_id") }
    }
}
