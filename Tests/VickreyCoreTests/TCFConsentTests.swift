import Testing
import VickreyCore
import VickreyTestSupport

/// TCF v2 consent strings with their published decodings (from the IAB TCF encoder's
/// output, as the iabconsent and Consent-String-SDK test fixtures record them).
@Suite("TCF v2 consent strings")
struct TCFConsentTests {
    struct Fixture: Sendable, CustomStringConvertible {
        var string: String
        var cmpID: Int
        var purposes: Set<Int>
        var interests: Set<Int>
        var vendorsIn: Set<Int>
        var vendorsOut: Set<Int>
        var vendorInterestsIn: Set<Int>
        var vendorInterestsOut: Set<Int>
        var country: String
        var description: String { "CMP \(cmpID)" }
    }

    static let fixtures: [Fixture] = [
        Fixture(
            string:
                "COvzTO5OvzTO5B7ABCENAPCYAKdAADkAAIqIFhwBAAGAAXAFGAsMAhYAgAMAAegBYAEKAAA.IFoEUQQgAIQwgIwQABAEAAAAOIAACAIAAAAQAIAgEAACEAAAAAgAQBAAAAAAAGBAAgAAAAAAAFAAECAAAgAAQARAEQAAAAAJAAIAAgAAAYQEAAAQmAgBC3ZAYzUw.QE5QAwCvgHyATkA",
            cmpID: 123, purposes: [1, 3, 6, 7, 8, 10], interests: [3, 4, 5, 8], vendorsIn: [12, 23, 163, 707], vendorsOut: [1, 13, 706],
            vendorInterestsIn: [48, 61, 88, 133], vendorInterestsOut: [12, 134], country: "FR"),
        Fixture(
            string: "COvzTO5OvzTO5BRAAAENAPCoALIAADgAAAAAAewAwABAAlAB6ABBFADBQAQA9hAAAcAA", cmpID: 81, purposes: [1, 3, 4, 7],
            interests: [3, 4, 5], vendorsIn: [2, 37, 61], vendorsOut: [3, 62], vendorInterestsIn: [2, 6, 8], vendorInterestsOut: [7],
            country: "AA"),
        Fixture(
            string:
                "COvzTO5OvzTO5BZAFMENAPCgAAAAAAAAAAwIFoEUQQgAIQwgIwQABAEAAAAOIAACAIAAAAQAIAgEAACEAAAAAgAQBAAAAAAAGBAAgAAAAAAAFAAECAAAgAAQARAEQAAAAAJAAIAAgAAAYQEAAAQmAgBC3ZAYzUwLQIoghAAQhhARggACAIAAAAcQAAEAQAAAAgAQBAIAAEIAAAABAAgCAAAAAAAMCABAAAAAAAAKAAIEAABAAAgAiAIgAAAAASAAQABAAAAwgIAAAhMBACFuyAxmpgAA",
            cmpID: 89, purposes: [], interests: [], vendorsIn: [2, 6, 8, 12, 18, 23, 720], vendorsOut: [1, 3, 719 - 1],
            vendorInterestsIn: [2, 6, 720], vendorInterestsOut: [1, 721], country: "GB"),
        Fixture(
            string: "COvf4CzOvf4CzEqAiYENAPC4AAgAABIAAIAAASgAAQAAAFkQAQFkAAA", cmpID: 298, purposes: [5], interests: [4, 7],
            vendorsIn: [18],
            vendorsOut: [12], vendorInterestsIn: [712], vendorInterestsOut: [714], country: "AA"),
    ]

    @Test(arguments: fixtures)
    func decodesThePublishedPurposesAndVendors(_ fixture: Fixture) throws {
        let consent = try #require(TCFConsent(fixture.string))
        #expect(consent.version == 2 && consent.cmpID == fixture.cmpID && consent.publisherCountry == fixture.country)
        #expect(consent.purposeConsents == fixture.purposes)
        #expect(consent.purposeLegitimateInterests == fixture.interests)
        #expect(fixture.vendorsIn.isSubset(of: consent.vendorConsents))
        #expect(fixture.vendorsOut.isDisjoint(with: consent.vendorConsents))
        #expect(fixture.vendorInterestsIn.isSubset(of: consent.vendorLegitimateInterests))
        #expect(fixture.vendorInterestsOut.isDisjoint(with: consent.vendorLegitimateInterests))
    }

    @Test func theFirstStringsFieldsInFull() throws {
        let consent = try #require(TCFConsent(Self.fixtures[0].string))
        #expect(consent.cmpVersion == 1 && consent.consentScreen == 2 && consent.consentLanguage == "EN")
        #expect(consent.vendorListVersion == 15 && consent.policyVersion == 2 && !consent.isServiceSpecific && consent.usesNonStandardTexts)
        #expect(consent.specialFeatureOptIns == [1] && consent.purposeOneTreatment)
        #expect(consent.vendorConsents == [12, 23, 163, 707] && consent.vendorLegitimateInterests == [48, 61, 88, 133])
        let fourth = try #require(TCFConsent(Self.fixtures[3].string))
        #expect(fourth.cmpVersion == 34 && fourth.consentScreen == 24 && fourth.isServiceSpecific && fourth.specialFeatureOptIns == [1])
    }

    @Test(arguments: ["", "BN5lERiOMYEdiAOAWeFRAAYAAaAAptQ", "COvzTO5O", "C!!!", "AOvf4CzOvf4CzEqAiYENAPC4AAgAABIAAIAAASgAAQAAAFkQAQFkAAA"])
    func aStringThatIsNotTCFv2DoesNotDecode(_ text: String) {
        #expect(TCFConsent(text) == nil)
    }

    /// The longest string a request may carry, packed with the widest ranges: decoded at
    /// once (a range is filled by machine words), each vendor counted once.
    @Test func wideOverlappingRangesDecodeCheaply() throws {
        let ranges = Array(repeating: 1...65_535, count: 200) + [70...70]
        let text = ConsentStrings.tcf(purposes: [1, 2, 3, 4], vendorRanges: ranges, maximum: 65_535)
        #expect(text.utf8.count <= TCFConsent.maximumLength)
        let consent = try #require(TCFConsent(text))
        #expect(consent.vendorConsents.count == 65_535 && consent.vendorConsents.contains(1) && consent.vendorConsents.contains(65_535))
        #expect(
            TCFConsent(ConsentStrings.tcf(purposes: [1], vendorRanges: [3...9, 64...130], maximum: 200))?.vendorConsents
                == Set(3...9).union(64...130))
    }
}
