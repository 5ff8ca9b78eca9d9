import Foundation
import Testing
import VickreyCore

@testable import VickreyTraffic

/// The default robot list against public corpora of real user agents (named in the
/// fixture files), and the automaton that makes it fast against the plain way of
/// running every expression.
@Suite("Robot lists: real user agents, and the automaton against every expression")
struct RobotListTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func userAgents(_ file: String) -> [String] {
        let text = (try? String(contentsOf: fixtures.appendingPathComponent(file), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") && !$0.isEmpty }
    }

    static let browsers = userAgents("browsers.txt")
    static let crawlers = userAgents("crawlers.txt")

    @Test func noOrdinaryBrowserIsARobot() {
        #expect(Self.browsers.count >= 240)
        for userAgent in Self.browsers {
            let rule = DefaultRobotList.list.match(userAgent)
            #expect(rule == nil, "\(userAgent) matched \(rule?.origin ?? "") '\(rule?.pattern ?? "")'")
        }
    }

    @Test func everyKnownCrawlerIsARobot() {
        #expect(Self.crawlers.count >= 55)
        for userAgent in Self.crawlers { #expect(DefaultRobotList.list.match(userAgent) != nil, "\(userAgent)") }
    }

    /// Apps fire in-app beacons with their HTTP client; those are not robots by default.
    @Test(arguments: [
        "okhttp/4.12.0", "Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8 Build/UQ1A.240205.004)",
        "Recipes/5.2.1 CFNetwork/1494.0.7 Darwin/23.4.0", "Alamofire/5.9.1",
        "Mozilla/5.0 (Linux; Android 9; CUBOT P30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36",
    ])
    func appHTTPClientsAreNotRobots(userAgent: String) {
        #expect(DefaultRobotList.list.match(userAgent) == nil)
    }

    @Test(arguments: [
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 Safari/537.36",
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", "curl/8.5.0", "python-requests/2.32.3",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    ])
    func headlessBrowsersPreviewersAndScriptsAreRobots(userAgent: String) {
        #expect(DefaultRobotList.list.match(userAgent) != nil)
    }

    /// The automaton's answer equals running every expression, on every corpus string and
    /// on strings built to contain each pattern's own required literal.
    @Test func theAutomatonAgreesWithRunningEveryExpression() throws {
        let expressions = try DefaultRobotList.patterns.map { try NSRegularExpression(pattern: $0, options: [.caseInsensitive]) }
        func bruteForce(_ text: String) -> Bool {
            expressions.contains { $0.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil }
        }
        var samples = Self.browsers + Self.crawlers
        for pattern in DefaultRobotList.patterns {
            for literal in RequiredLiteral.literals(of: pattern) ?? [] {
                samples.append("Mozilla/5.0 (X11) \(literal) Gecko")
                samples.append(literal.uppercased())
            }
        }
        var disagreements: [String] = []
        for sample in samples where (DefaultRobotList.list.match(sample) != nil) != bruteForce(sample) { disagreements.append(sample) }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(10))")
        #expect(DefaultRobotList.list.unfilteredCount < 30, "patterns without a literal are run on every user agent")
    }

    /// When the reference data is present, every example instance of the upstream list is
    /// flagged (skipped cleanly without it).
    @Test(.enabled(if: FileManager.default.fileExists(atPath: referenceList.path)))
    func everyUpstreamExampleIsFlagged() throws {
        let entries = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: Self.referenceList)) as? [[String: Any]])
        var missed: [String] = []
        for entry in entries where entry["pattern"] as? String != "okhttp" {
            for instance in entry["instances"] as? [String] ?? [] where DefaultRobotList.list.match(instance) == nil {
                missed.append(instance)
            }
        }
        #expect(missed.isEmpty, "\(missed.count) missed: \(missed.prefix(5))")
    }

    static let referenceList = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data/ivt/crawler-user-agents.json")

    @Test(
        arguments: [
            ("Googlebot\\/", ["googlebot/"]),
            ("(sistrix|SISTRIX) [cC]rawler", [" crawler"]),
            ("Ahrefs(Bot|SiteAudit)", ["ahrefs"]),
            ("[wW]get", ["wget"]),
            ("^curl", ["curl"]),
            ("AdsBot-Google([^-]|$)", ["adsbot-google"]),
            ("BlogTraffic\\/\\d\\.\\d+ Feed-Fetcher", [" feed-fetcher"]),
            ("bingbot|BingPreview", ["bingbot", "bingpreview"]),
            ("colou?r-checker", ["r-checker"]),
            ("(^|[^a-z])(?!cubot)[a-z0-9_-]*bot($|[^a-z])", ["bot"]),
            ("[a-z]+[Bb]ot", ["bot"]),
            ("\\d+ab", nil),
            ("^[a-z]{2}\\.[0-9]+$", nil),
            ("^.{0,4}$", nil),
        ] as [(String, [String]?)])
    func requiredLiterals(pattern: String, literals: [String]?) {
        #expect(RequiredLiteral.literals(of: pattern) == literals)
    }

    @Test func theAutomatonReportsOverlappingLiterals() {
        let automaton = LiteralAutomaton([Array("he".utf8), Array("SHE".utf8), Array("hers".utf8), Array("his".utf8)])
        var found: [String] = []
        var text = "uSHErs"
        text.withUTF8 { bytes in
            automaton.scan(bytes) { literal, end in
                found.append("\(literal)@\(end)")
                return true
            }
        }
        #expect(found.sorted() == ["0@4", "1@4", "2@6"])
    }
}
