import Foundation
import Testing
import VickreyWire

/// The writer copies unescaped runs whole and escapes the rest: what it writes must
/// read back as the same string in any JSON parser.
@Suite("JSON writer strings")
struct JSONWriterTests {
    @Test(arguments: [
        ("plain", #""plain""#),
        ("", #""""#),
        (#"say "hi""#, #""say \"hi\"""#),
        (#"back\slash"#, #""back\\slash""#),
        ("line\nbreak\r\ttab", #""line\nbreak\r\ttab""#),
        ("\u{01}start and end\u{1F}", #""\u0001start and end\u001f""#),
        ("\"", #""\"""#),
        ("été 🎯 https://x.example/a?b=1&c=2", #""été 🎯 https://x.example/a?b=1&c=2""#),
    ])
    func stringsAreEscapedExactly(text: String, expected: String) {
        var writer = JSONWriter()
        writer.string(text)
        #expect(String(decoding: writer.bytes, as: UTF8.self) == expected)
    }

    @Test func everyWrittenStringReadsBackUnchanged() throws {
        let samples = ["a\"b\\c\nd", "\u{00}\u{07}\u{1B}", "mixed \"quotes\" and \\slashes\\ \u{10}", String(repeating: "x\"", count: 300)]
        for sample in samples {
            var writer = JSONWriter()
            writer.array { $0.string(sample) }
            let decoded = try JSONSerialization.jsonObject(with: Data(writer.bytes)) as? [String]
            #expect(decoded == [sample])
        }
    }

    @Test func commasGoBetweenMembersAndNowhereElse() {
        var writer = JSONWriter()
        writer.object { out in
            out.field("a", 1)
            out.key("b")
            out.array { out in
                out.object { _ in }
                out.object { $0.field("c", nil as String?) }
                out.array { _ in }
                out.string("d")
            }
            out.key(named: "e\"f")
            out.bool(true)
            out.field("g", Int64?.none)
        }
        #expect(writer.text == #"{"a":1,"b":[{},{"c":null},[],"d"],"e\"f":true,"g":null}"#)
    }

    @Test(arguments: [
        // What docs/ledger.md states the writer leaves unescaped: DEL, C1 controls, the
        // Unicode line and paragraph separators, bidi controls.
        ("\u{7F}", "\u{7F}"), ("\u{80}\u{9F}", "\u{80}\u{9F}"), ("\u{2028}\u{2029}", "\u{2028}\u{2029}"), ("\u{202E}", "\u{202E}"),
    ])
    func charactersAboveTheC0RangeAreWrittenAsUTF8(text: String, written: String) {
        var writer = JSONWriter()
        writer.string(text)
        #expect(writer.text == "\"" + written + "\"")
    }
}
