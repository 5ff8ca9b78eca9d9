import Testing
import VickreyCore

@Suite("Money, rates, ids and time")
struct ValueTypeTests {
    @Test(
        arguments: [
            ("2.50", 2_500_000), ("0.03", 30_000), ("100", 100_000_000), ("0.000001", 1), (".5", 500_000), ("7.", 7_000_000),
            ("1.2345670", 1_234_567), ("0", 0), ("+1", 1_000_000), ("1000000000", 1_000_000_000_000_000),
        ] as [(String, Int64)])
    func decimalAmountsConvertExactly(text: String, micros: Int64) {
        #expect(DecimalMoney.parseMicros(text) == .success(Micros(micros)))
    }

    @Test(arguments: [
        ("-1", DecimalMoney.ParseError.negative("-1")), ("1.0000001", .tooManyDecimals("1.0000001")),
        ("1000000000.000001", .tooLarge("1000000000.000001")), ("99999999999999999999", .tooLarge("99999999999999999999")),
        ("abc", .notANumber("abc")), ("", .notANumber("")), ("1e3", .notANumber("1e3")), ("1.2.3", .notANumber("1.2.3")),
        (".", .notANumber(".")),
    ])
    func badAmountsAreRefusedWithAReason(text: String, error: DecimalMoney.ParseError) {
        #expect(DecimalMoney.parseMicros(text) == .failure(error))
    }

    @Test func formattingRoundTrips() {
        #expect(DecimalMoney.formatCurrency(Micros(2_500_000)) == "2.50")
        #expect(DecimalMoney.formatCurrency(Micros(910_000)) == "0.91")
        #expect(DecimalMoney.formatCurrency(Micros(1_234_567)) == "1.234567")
        #expect(Micros(30_000).description == "0.030000")
        #expect(Nanos(1_234_567).description == "0.001234567")
    }

    @Test func aMillionImpressionsAccrueWithoutDrift() {
        var spend = Nanos.zero
        for _ in 0..<1_000_000 { spend += Nanos.impression(atCPM: Micros(1_234_567)) }
        #expect(spend.wholeMicros == Micros(1_234_567_000))
        #expect(spend == Nanos(1_234_567_000_000))
    }

    @Test(
        arguments: [
            ("0.0125", 12_500), ("1", 1_000_000), ("0.0000005", 1), ("0.0000004", 1), ("0.0000125", 13), ("0.00001249", 12),
            ("2.5e-3", 2_500), ("0.1234565", 123_457), ("1.0", 1_000_000), ("5E-1", 500_000),
        ] as [(String, Int64)])
    func ctrBecomesPartsPerMillionRoundedHalfUp(text: String, ppm: Int64) {
        #expect(ClickThroughRate(decimal: text)?.partsPerMillion == ppm)
    }

    @Test(arguments: ["0", "0.0", "1.5", "2", "-0.1", "abc", "", "1e1", "0x1"])
    func ctrOutsideZeroToOneIsRefused(text: String) {
        #expect(ClickThroughRate(decimal: text) == nil)
    }

    @Test func smoothedCTREqualsThePriorWithoutImpressionsAndLearnsWithThem() {
        let prior = ClickThroughRate(partsPerMillion: 20_000)
        #expect(prior.smoothed(impressions: 0, clicks: 0, priorWeight: 1_000) == prior)
        // 1000 prior impressions at 2% plus 1000 observed at 4%: 3%.
        #expect(prior.smoothed(impressions: 1_000, clicks: 40, priorWeight: 1_000).partsPerMillion == 30_000)
        #expect(prior.smoothed(impressions: 1_000_000, clicks: 0, priorWeight: 1_000).partsPerMillion == 20)
    }

    @Test(arguments: [
        ("acme", true), ("summer-sale_1.v2", true), ("", false), ("has space", false), ("é", false),
        (String(repeating: "a", count: 64), true), (String(repeating: "a", count: 65), false),
    ])
    func idSyntax(text: String, valid: Bool) {
        #expect((CampaignID(text) != nil) == valid)
        #expect((try? CampaignID(validating: text)) != nil || !valid)
    }

    @Test(
        arguments: [
            // (unix seconds, offset, hour of week)
            (345_600, 0, 0),  // 1970-01-05 00:00 UTC, a Monday
            (0, 0, 72),  // 1970-01-01 00:00 UTC, a Thursday
            (1_794_823_200, 0, 10),  // 2026-11-16 10:00 UTC, a Monday
            (1_794_823_200, 9 * 3600, 19),  // same instant in Tokyo
            (1_794_823_200, -11 * 3600, 167),  // Sunday 23:00 at UTC-11
            (-3_600, 0, 71),  // before the epoch
        ] as [(Int64, Int, Int)])
    func hourOfWeek(seconds: Int64, offset: Int, expected: Int) {
        #expect(Instant(secondsSinceEpoch: seconds).hourOfWeek(offsetSeconds: offset) == expected)
    }

    @Test func timeZonesFollowDaylightSaving() throws {
        let newYork = try #require(CampaignTimeZone(identifier: "America/New_York"))
        #expect(newYork.offsetSeconds(at: Instant(secondsSinceEpoch: 1_784_000_000)) == -4 * 3600)  // July 2026
        #expect(newYork.offsetSeconds(at: Instant(secondsSinceEpoch: 1_794_823_200)) == -5 * 3600)  // November 2026
        #expect(CampaignTimeZone(identifier: "Mars/Olympus") == nil)
    }

    @Test(arguments: [
        ("300x250", true), ("1x1", true), ("10000x00010", true), ("0x250", false), ("300X250", false), ("300x", false),
        ("x250", false), ("", false), ("x", false), ("300x250x1", false), ("300xx250", false), ("10001x1", false),
        ("123456x1", false), ("-1x5", false), ("300 x250", false), ("３００x250", false), ("300x250 ", false),
    ])
    func sizeSyntax(text: String, valid: Bool) {
        #expect((AdSize(text) != nil) == valid)
    }

    @Test func sizeParsesBothSides() {
        #expect(AdSize("728x90") == AdSize(width: 728, height: 90))
        #expect(AdSize("10000x00010") == AdSize(width: 10_000, height: 10))
    }

    @Test(
        arguments: [
            ("sports", "sports"), ("Sports", "sports"), ("ÉTÉ", "été"), ("a b", "a b"), ("", nil), ("tab\there", nil),
            ("\u{7F}del", nil), (String(repeating: "k", count: 64), String(repeating: "k", count: 64)),
            (String(repeating: "k", count: 65), nil),
        ] as [(String, String?)])
    func keywordsAreLowercasedAndBounded(text: String, expected: String?) {
        #expect(Keyword(text)?.rawValue == expected)
    }

    @Test func campaignValidationNamesTheField() {
        var campaign = Fixture.campaign("a", bid: 1_000_000)
        campaign.pricing = .cpc
        #expect(campaign.validate()?.field == "predicted_ctr")
        campaign.pricing = .cpm
        campaign.bid = Micros(0)
        #expect(campaign.validate()?.field == "bid_micros")
        campaign.bid = Micros(1)
        campaign.end = Instant(secondsSinceEpoch: 0)
        campaign.start = Instant(secondsSinceEpoch: 10)
        #expect(campaign.validate()?.field == "end")
    }
}

@Suite("Canonical RFC 3339")
struct CanonicalTimestampTests {
    @Test(
        arguments: [
            (0, "1970-01-01T00:00:00Z"), (1_794_823_200, "2026-11-16T10:00:00Z"), (951_782_400, "2000-02-29T00:00:00Z"),
            (-1, "1969-12-31T23:59:59Z"), (4_102_444_799, "2099-12-31T23:59:59Z"),
        ] as [(Int64, String)])
    func formatsAndParsesBack(seconds: Int64, text: String) {
        #expect(Instant(secondsSinceEpoch: seconds).rfc3339 == text)
        #expect(Instant(canonicalRFC3339: text) == Instant(secondsSinceEpoch: seconds))
    }

    @Test(
        arguments: [
            (0, "1970-01-01T00:00:00.000Z"), (1, "1970-01-01T00:00:00.001Z"), (-1, "1969-12-31T23:59:59.999Z"),
            (1_780_000_000_123, "2026-05-28T20:26:40.123Z"), (951_782_400_050, "2000-02-29T00:00:00.050Z"),
            (253_402_300_799_999, "9999-12-31T23:59:59.999Z"), (253_402_300_800_000, "10000-01-01T00:00:00.000Z"),
        ] as [(Int64, String)])
    func formatsMillisecondsAndParsesBack(milliseconds: Int64, text: String) {
        #expect(Instant(millisecondsSinceEpoch: milliseconds).rfc3339Milliseconds == text)
        if text.utf8.count == 24 {
            #expect(Instant(canonicalRFC3339Milliseconds: text) == Instant(millisecondsSinceEpoch: milliseconds))
        }
    }

    @Test(arguments: [
        "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-01 00:00:00Z", "2026-11-01T24:00:00Z", "2026-11-01T00:00:00+01:00", "",
    ])
    func refusesAnythingElse(text: String) {
        #expect(Instant(canonicalRFC3339: text) == nil)
    }

    /// A campaign is a value though its fields share one storage: a change to a copy, of any
    /// field, leaves the original as it was, and equal fields make equal campaigns.
    @Test func aCampaignCopyChangesAloneAndEqualsByItsFields() {
        let original = Fixture.campaign("c1", bid: 1_000_000, targeting: Targeting(countries: [CountryCode("US")!]))
        var copy = original
        #expect(copy == original)
        copy.bid = Micros(2_000_000)
        copy.targeting.countries.insert(CountryCode("CA")!)
        copy.creatives[0].clickURL = "https://example.com/other"
        copy.lineItem.roadblock = true
        #expect(original.bid == Micros(1_000_000))
        #expect(original.targeting.countries == [CountryCode("US")!])
        #expect(original.creatives[0].clickURL == "https://example.com/c1")
        #expect(original.lineItem.roadblock == false)
        #expect(copy != original)
        var rebuilt = original
        rebuilt.bid = Micros(2_000_000)
        rebuilt.bid = Micros(1_000_000)
        #expect(rebuilt == original && rebuilt.hashValue == original.hashValue)
        #expect(Set([original, rebuilt, copy]).count == 2)
    }

    /// Fields most campaigns leave unset (time zone, deals, line-item terms, learned rates,
    /// hours and exclusions) are kept apart: set on a copy they leave the original alone, an
    /// exclusion changed in place changes only its copy, and set back to their defaults
    /// they make a campaign equal, with an equal hash, to one that never had them.
    @Test func fieldsKeptApartChangeAloneAndReturnToEqual() {
        let original = Fixture.campaign("c1", bid: 1_000_000, targeting: Targeting(exclude: .init(keywords: [Keyword("wine")!])))
        var copy = original
        copy.timeZone = CampaignTimeZone(identifier: "Europe/Paris")!
        copy.deals = [CampaignDeal(id: DealID("d1")!, floor: nil)]
        copy.lineItem.roadblock = true
        copy.learnedCTR = LearnedClickThroughRate(
            prior: ClickThroughRate(partsPerMillion: 20_000), impressions: 10, events: 1, priorWeight: 1_000)
        copy.targeting.exclude.keywords.insert(Keyword("beer")!)
        copy.targeting.hoursOfWeek = HoursOfWeek(8...20)!
        #expect(original.timeZone == .utc && original.deals.isEmpty && original.lineItem == .pricePriority)
        #expect(original.learnedCTR == nil && original.targeting.hoursOfWeek.isEmpty)
        #expect(original.targeting.exclude.keywords == [Keyword("wine")!])
        #expect(copy.targeting.exclude.keywords == [Keyword("wine")!, Keyword("beer")!])
        #expect(copy.timeZone.identifier == "Europe/Paris" && copy.lineItem.roadblock && copy.learnedCTR?.impressions == 10)

        copy.timeZone = .utc
        copy.deals = []
        copy.lineItem.roadblock = false
        copy.learnedCTR = nil
        copy.targeting.exclude.keywords.remove(Keyword("beer")!)
        copy.targeting.hoursOfWeek = .any
        #expect(copy == original && copy.hashValue == original.hashValue)
        copy.targeting.exclude.keywords = []
        #expect(copy.targeting == Targeting() && copy.targeting.hashValue == Targeting().hashValue)
    }
}
