import Testing
import VickreyWire

/// Creative URLs and advertiser domains: what is stored is what was confirmed, and
/// nothing a page or a terminal would read as markup or a control sequence gets in.
@Suite("Web addresses and domains")
struct WebAddressTests {
    @Test(arguments: [
        "https://cdn.example/a.png", "http://acme.example/sale?c=1&d=%20x#top", "https://acme.example:8443/x",
        "https://192.0.2.1/a", "https://[2001:db8::1]/a", "https://a.example/p;v=1/(x)!*'$,",
        "HTTPS://ACME.EXAMPLE/Upper",
    ])
    func aValidURLIsAccepted(url: String) {
        #expect(WebAddress.urlProblem(url) == nil, "\(url): \(WebAddress.urlProblem(url) ?? "")")
    }

    @Test(arguments: [
        ("ftp://acme.example/a", "http:// or https://"), ("javascript:alert(1)", "http:// or https://"),
        ("https://acme.example/a\"onmouseover=\"x", "'\"'"), ("https://acme.example/<script>", "'<'"),
        ("https://acme.example/a\\b", "'\\'"), ("https://acme.example/a b", "' '"),
        ("https://acme.example/a\u{0}b", "control character (U+0000)"), ("https://acme.example/\u{1B}[31m", "control character (U+001B)"),
        ("https://acme.example/é", "non-ASCII"), ("https://acme.example/%zz", "two hex digits"),
        ("https://user:pw@acme.example/", "user name"), ("https:///path", "host"), ("https://acme.example:99999/", "port"),
        ("https://-acme.example/", "host"),
    ])
    func anInvalidURLIsRefusedSayingWhy(url: String, reason: String) throws {
        let problem = try #require(WebAddress.urlProblem(url), "\(url) accepted")
        #expect(problem.contains(reason), "\(url): \(problem)")
    }

    @Test(arguments: ["acme.example", "a-b.example.co.uk", "xn--bcher-kva.example", "localhost"])
    func aDomainNameIsAccepted(domain: String) {
        #expect(WebAddress.domainProblem(domain) == nil)
    }

    @Test(arguments: ["", "<script>", "acme example", "-acme.example", "acme-.example", "acme..example", "acme.example/", "ä.example"])
    func anythingElseIsNotADomain(domain: String) {
        #expect(WebAddress.domainProblem(domain) != nil, "\(domain) accepted")
    }
}
