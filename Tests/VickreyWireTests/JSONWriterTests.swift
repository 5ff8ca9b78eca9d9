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
            writer.raw("[")
            writer.string(sample)
            writer.raw("]")
            let decoded = try JSONSerialization.jsonObject(with: Data(writer.bytes)) as? [String]
            #expect(decoded == [sample])
        }
    }
}
