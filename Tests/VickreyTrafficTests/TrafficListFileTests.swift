import Testing
import VickreyCore
import VickreyTraffic

/// The two list formats, the address file, and a bad line named by file and number.
@Suite("Traffic list files")
struct TrafficListFileTests {
    /// Lines in the IAB/ABC list's documented layout (patterns invented for the test).
    static let iabRobots = """
        # pattern|active|exceptions|two-pass|impact|start-of-string|inactive date
        examplebot|1||0|2|0|
        crawly|1|crawly-friendly, crawly reader|0|2|0|
        retiredbot|0||0|2|0|01/01/2020
        PageGrabber|1||0|1|1|
        """

    @Test(
        arguments: [
            ("Mozilla/5.0 (compatible; ExampleBot/2.0)", "examplebot"),
            ("Crawly/1.0", "crawly"),
            ("Crawly-Friendly/1.0 (a crawly reader)", nil),
            ("retiredbot/1.0", nil),
            ("PageGrabber/3 (+info)", "PageGrabber"),
            ("Mozilla/5.0 PageGrabber/3", nil),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36", nil),
        ] as [(String, String?)])
    func theIABFormatsFlagsExceptionsAndStart(userAgent: String, pattern: String?) throws {
        let list = try TrafficListFile.userAgentList(Self.iabRobots, file: "robots.txt")
        #expect(list.match(userAgent)?.pattern == pattern)
    }

    @Test func thePlainFormatIsOneCaseInsensitiveExpressionALine() throws {
        let list = try TrafficListFile.userAgentList("# ours\n\nexample-?bot\n^curl/\n", file: "plain.txt")
        #expect(list.rules.count == 2)
        #expect(list.match("EXAMPLEBOT/1")?.origin == "plain.txt:3")
        #expect(list.match("curl/8.0")?.origin == "plain.txt:4")
        #expect(list.match("libcurl/8.0") == nil)
    }

    @Test(arguments: [
        ("ok\n(unclosed\n", "plain.txt:2: '(unclosed' is not a valid regular expression"),
        ("bot|yes||0|2|0|\n", "plain.txt:1: the active flag (second field) must be 0 or 1"),
        ("|1||0|2|0|\n", "plain.txt:1: the pattern (first field) is empty"),
        (String(repeating: "x", count: 5_000), "plain.txt:1: is longer than 4096 bytes"),
    ])
    func aBadLineIsNamed(text: String, message: String) {
        #expect(throws: TrafficListFile.Problem.self) { try TrafficListFile.userAgentList(text, file: "plain.txt") }
        do { _ = try TrafficListFile.userAgentList(text, file: "plain.txt") } catch { #expect(error.description == message) }
    }

    @Test(arguments: [
        ("192.0.2.7", true), ("192.0.2.255", true), ("192.0.3.0", false), ("198.51.100.1", true), ("203.0.113.9", false),
        ("2001:db8::1", true), ("2001:db9::1", false), ("::ffff:192.0.2.9", true), ("10.255.255.255", true), ("11.0.0.0", false),
    ])
    func addressFilesHoldCIDRBlocksOfBothFamilies(address: String, excluded: Bool) throws {
        let set = try TrafficListFile.addressRanges(
            """
            # data centres
            192.0.2.0/24
            198.51.100.1|hosting provider
            10.0.0.0/9
            10.128.0.0/9
            2001:db8::/32   documentation range
            """, file: "cidr.txt")
        #expect(set.rangeCount == 5)
        #expect(set.contains(try #require(IPAddress(address))) == excluded)
    }

    @Test func aBadAddressIsNamed() {
        do {
            _ = try TrafficListFile.addressRanges("10.0.0.0/8\n10.0.0.0/33\n", file: "cidr.txt")
            Issue.record("accepted a /33")
        } catch { #expect(error.description == "cidr.txt:2: '10.0.0.0/33' is not an IP address or CIDR block") }
    }
}
