import Testing
import VickreyCore
import VickreyTestSupport

/// What each privacy signal lets a request use: personal data, context only, or no ad.
@Suite("Privacy: one decision from every signal")
struct PrivacyPolicyTests {
    static func tcf(purposes: Set<Int>, interests: Set<Int> = [], vendors: Set<Int>, vendorInterests: Set<Int> = []) -> String {
        ConsentStrings.tcf(purposes: purposes, interests: interests, vendors: vendors, vendorInterests: vendorInterests)
    }

    static func gpp(sale: Int = 2, sharing: Int = 2, targeted: Int = 2) -> String {
        ConsentStrings.gppUSNational(sale: sale, sharing: sharing, targeted: targeted)
    }

    static let ourVendor = 1_234
    static let fullConsent = tcf(purposes: [1, 2, 3, 4, 7], vendors: [12, ourVendor])

    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var signals: PrivacySignals
        var outcome: PrivacyDecision.Outcome
        var description: String { name }
    }

    static func signals(_ body: (inout PrivacySignals) -> Void) -> PrivacySignals {
        var signals = PrivacySignals()
        body(&signals)
        return signals
    }

    static let cases: [Case] = [
        Case(name: "no signal", signals: .none, outcome: .personalized),
        Case(name: "coppa", signals: signals { $0.coppa = true }, outcome: .contextual),
        Case(name: "lmt/dnt", signals: signals { $0.limitAdTracking = true }, outcome: .contextual),
        Case(name: "us_privacy opt-out", signals: signals { $0.usPrivacy = "1YYN" }, outcome: .contextual),
        Case(name: "us_privacy no opt-out", signals: signals { $0.usPrivacy = "1YNN" }, outcome: .personalized),
        Case(name: "us_privacy not applicable", signals: signals { $0.usPrivacy = "1---" }, outcome: .personalized),
        Case(
            name: "gpp US national, published, no opt-out",
            signals: signals {
                $0.gpp = "DBABLA~BVQqAAAAAAJY.QA"
                $0.gppSectionIDs = [7]
            }, outcome: .personalized),
        Case(
            name: "gpp sale opt-out",
            signals: signals {
                $0.gpp = gpp(sale: 1)
                $0.gppSectionIDs = [7]
            }, outcome: .contextual),
        Case(
            name: "gpp targeted-advertising opt-out",
            signals: signals {
                $0.gpp = gpp(targeted: 1)
                $0.gppSectionIDs = [7]
            }, outcome: .contextual),
        Case(
            name: "gpp opt-out outside the applicable sections",
            signals: signals {
                $0.gpp = gpp(targeted: 1)
                $0.gppSectionIDs = [2]
            }, outcome: .personalized),
        Case(
            name: "gpp section 7 applicable but unreadable",
            signals: signals {
                $0.gpp = "DBABMA~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA"
                $0.gppSectionIDs = [7]
            }, outcome: .contextual),
        Case(name: "gdpr without a consent string", signals: signals { $0.gdpr = true }, outcome: .noAd),
        Case(
            name: "gdpr with a malformed string",
            signals: signals {
                $0.gdpr = true
                $0.consent = "not-a-consent-string"
            }, outcome: .noAd),
        Case(
            name: "gdpr, published string without purpose 2",
            signals: signals {
                $0.gdpr = true
                $0.consent = "COvzTO5OvzTO5BRAAAENAPCoALIAADgAAAAAAewAwABAAlAB6ABBFADBQAQA9hAAAcAA"
            }, outcome: .noAd),
        Case(
            name: "gdpr, purposes 1–4 and our vendor",
            signals: signals {
                $0.gdpr = true
                $0.consent = fullConsent
            }, outcome: .personalized),
        Case(
            name: "gdpr, purposes 1–4 but another vendor",
            signals: signals {
                $0.gdpr = true
                $0.consent = tcf(purposes: [1, 2, 3, 4], vendors: [12])
            }, outcome: .contextual),
        Case(
            name: "gdpr, purpose 2 only",
            signals: signals {
                $0.gdpr = true
                $0.consent = tcf(purposes: [2], vendors: [ourVendor])
            }, outcome: .contextual),
        Case(
            name: "gdpr, purpose 2 on legitimate interest with our vendor's",
            signals: signals {
                $0.gdpr = true
                $0.consent = tcf(purposes: [], interests: [2], vendors: [], vendorInterests: [ourVendor])
            }, outcome: .contextual),
        Case(
            name: "gdpr, purpose 2 on legitimate interest without our vendor's",
            signals: signals {
                $0.gdpr = true
                $0.consent = tcf(purposes: [], interests: [2], vendors: [], vendorInterests: [12])
            }, outcome: .noAd),
        Case(
            name: "gdpr = 0 with an unreadable string",
            signals: signals {
                $0.gdpr = false
                $0.consent = "garbage"
            }, outcome: .personalized),
        Case(
            name: "full gdpr consent but coppa",
            signals: signals {
                $0.gdpr = true
                $0.consent = fullConsent
                $0.coppa = true
            }, outcome: .contextual),
        Case(
            name: "no gdpr basis and a us_privacy opt-out: the strictest",
            signals: signals {
                $0.gdpr = true
                $0.usPrivacy = "1YYN"
            }, outcome: .noAd),
    ]

    @Test(arguments: cases)
    func eachSignalDecides(_ testCase: Case) {
        let decision = PrivacyPolicy(vendorID: Self.ourVendor).decide(testCase.signals)
        #expect(decision.outcome == testCase.outcome, "\(decision.reasons)")
        #expect(testCase.outcome == .personalized || !decision.reasons.isEmpty, "a restriction must say why")
    }

    @Test func withoutAVendorIDPersonalDataIsNeverUsedUnderTheGDPR() {
        var signals = PrivacySignals()
        signals.gdpr = true
        signals.consent = Self.fullConsent
        let decision = PrivacyPolicy(vendorID: 0).decide(signals)
        #expect(decision.outcome == .contextual && decision.reasons.contains { $0.contains("no vendor id configured") })
    }

    @Test func theConstructedStringsDecodeAsBuilt() throws {
        let consent = try #require(TCFConsent(Self.fullConsent))
        #expect(consent.purposeConsents == [1, 2, 3, 4, 7] && consent.vendorConsents == [12, Self.ourVendor])
        #expect(USNational(gpp: Self.gpp(targeted: 1))?.targetedAdvertisingOptOut == 1)
        #expect(USNational(gpp: "DBABLA~BVQqAAAAAAJY.QA") == USNational(gpp: Self.gpp()))
    }
}
