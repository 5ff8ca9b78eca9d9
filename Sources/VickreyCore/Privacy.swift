/// The privacy signals a request carries, as the exchange or app sent them.
public struct PrivacySignals: Hashable, Sendable {
    /// `regs.coppa = 1`: the content is directed at children.
    public var coppa = false
    /// `regs.gdpr`: 1 the GDPR applies, 0 it does not, nil not said.
    public var gdpr: Bool?
    /// `user.consent`: the TCF v2 string.
    public var consent: String?
    /// `regs.us_privacy`: the IAB US Privacy string (`1YNN`).
    public var usPrivacy: String?
    /// `regs.gpp` and `regs.gpp_sid`: a Global Privacy Platform string and the sections that apply.
    public var gpp: String?
    public var gppSectionIDs: [Int] = []
    /// `device.lmt = 1` or `device.dnt = 1`.
    public var limitAdTracking = false

    public init() {}

    public static let none = PrivacySignals()
}

/// What a request may use, decided once from its signals and handed to the auction and
/// everything after it: personal data (the user id and everything keyed by it: frequency
/// caps, experiment arms by user), contextual data only, or no ad at all.
public struct PrivacyDecision: Hashable, Sendable {
    public enum Outcome: String, Hashable, Sendable, CaseIterable {
        /// The user id and what is keyed by it may be used.
        case personalized
        /// Placement, sizes, keywords, country and device type only.
        case contextual
        /// Nothing may be served (GDPR without a basis to serve ads at all).
        case noAd = "no_ad"
    }

    public var outcome: Outcome
    /// Why, in words the debug explanation shows (`gdpr: purposes 1, 3, 4 and vendor 1234 consented`).
    public var reasons: [String]

    public init(outcome: Outcome, reasons: [String]) {
        self.outcome = outcome
        self.reasons = reasons
    }

    public static let personalized = PrivacyDecision(outcome: .personalized, reasons: [])
    public var allowsPersonalData: Bool { outcome == .personalized }
}

/// The one place that turns signals into a decision.
///
/// - `regs.coppa = 1`, `device.lmt`/`dnt = 1`, a US Privacy string with the sale opt-out
///   (`1?Y?`), or a GPP US national section with the sale, sharing or targeted-advertising
///   opt-out: contextual.
/// - `regs.gdpr = 1`: the TCF v2 string must give purpose 2 (basic ads) by consent, or by
///   legitimate interest with our vendor's legitimate interest, else no ad; personal data
///   needs consent to purposes 1, 3 and 4 and our vendor's consent, else contextual. A
///   missing or malformed string is no consent. Without a vendor id (`privacy.vendorID`
///   0), personal data is never used under the GDPR.
/// The strictest applicable outcome wins.
public struct PrivacyPolicy: Hashable, Sendable {
    /// Our IAB Global Vendor List id (0: none registered).
    public var vendorID: Int

    public init(vendorID: Int = 0) { self.vendorID = vendorID }

    public func decide(_ signals: PrivacySignals) -> PrivacyDecision {
        var outcome = PrivacyDecision.Outcome.personalized
        var reasons: [String] = []
        func restrict(_ to: PrivacyDecision.Outcome, _ reason: String) {
            reasons.append(reason)
            if to == .noAd || (to == .contextual && outcome == .personalized) { outcome = to }
        }
        if signals.coppa { restrict(.contextual, "coppa: the content is directed at children") }
        if signals.limitAdTracking { restrict(.contextual, "the device limits ad tracking (lmt/dnt)") }
        if let usPrivacy = signals.usPrivacy, USPrivacy.optedOut(usPrivacy) {
            restrict(.contextual, "us_privacy \(usPrivacy): the user opted out of sale")
        }
        if let gpp = signals.gpp, signals.gppSectionIDs.contains(USNational.sectionID) {
            switch USNational(gpp: gpp) {
            case .some(let section) where section.optedOut:
                restrict(.contextual, "gpp US national: the user opted out of sale, sharing or targeted advertising")
            case .some: reasons.append("gpp US national: no opt-out")
            case .none: restrict(.contextual, "gpp: the US national section does not decode (treated as an opt-out)")
            }
        }
        if signals.gdpr == true {
            guard let text = signals.consent, let consent = TCFConsent(text) else {
                restrict(.noAd, "gdpr: no TCF v2 consent string that decodes, so no consent to serve ads")
                return PrivacyDecision(outcome: outcome, reasons: reasons)
            }
            let vendorConsent = vendorID > 0 && consent.vendorConsents.contains(vendorID)
            let vendorInterest = vendorID > 0 && consent.vendorLegitimateInterests.contains(vendorID)
            let mayServe =
                consent.purposeConsents.contains(2) || (consent.purposeLegitimateInterests.contains(2) && (vendorInterest || vendorID == 0))
            guard mayServe else {
                restrict(.noAd, "gdpr: purpose 2 (basic ads) has neither consent nor legitimate interest")
                return PrivacyDecision(outcome: outcome, reasons: reasons)
            }
            let personal = [1, 3, 4].allSatisfy(consent.purposeConsents.contains) && vendorConsent
            if personal {
                reasons.append("gdpr: purposes 1, 3, 4 and vendor \(vendorID) consented")
            } else {
                var why: [String] = []
                let missing = [1, 3, 4].filter { !consent.purposeConsents.contains($0) }
                if !missing.isEmpty { why.append("no consent to purpose \(missing.map(String.init).joined(separator: ", "))") }
                if !vendorConsent { why.append(vendorID == 0 ? "no vendor id configured" : "vendor \(vendorID) not consented") }
                restrict(.contextual, "gdpr: no personal data (\(why.joined(separator: "; ")))")
            }
        }
        return PrivacyDecision(outcome: outcome, reasons: reasons)
    }
}

/// The IAB US Privacy string: version `1`, notice, opt-out of sale, LSPA (`Y`, `N` or `-`).
public enum USPrivacy {
    /// Whether the string says the user opted out of sale; a malformed string says nothing.
    public static func optedOut(_ text: String) -> Bool {
        let characters = Array(text.uppercased())
        return characters.count == 4 && characters[0] == "1" && characters[2] == "Y"
    }
}

/// The US national section (id 7) of a GPP string: the opt-outs that matter here.
public struct USNational: Hashable, Sendable {
    public static let sectionID = 7
    public var saleOptOut: Int
    public var sharingOptOut: Int
    public var targetedAdvertisingOptOut: Int

    /// 1 means the user opted out (0 not applicable, 2 did not opt out).
    public var optedOut: Bool { saleOptOut == 1 || sharingOptOut == 1 || targetedAdvertisingOptOut == 1 }

    /// Decodes the section from a whole GPP string (`HEADER~SECTION~…`); nil when the
    /// header does not list section 7 or the section does not decode.
    public init?(gpp text: String) {
        guard text.utf8.count <= TCFConsent.maximumLength else { return nil }
        let parts = text.split(separator: "~", omittingEmptySubsequences: false)
        guard let header = parts.first, var bits = BitReader(base64URL: header), bits.int(6) == 3, bits.int(6) == 1,
            let ids = bits.fibonacciRange(), let index = ids.firstIndex(of: Self.sectionID), index + 1 < parts.count
        else { return nil }
        let core = parts[index + 1].split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)[0]
        guard var section = BitReader(base64URL: core), section.int(6) == 1, section.skip(12), let sale = section.int(2),
            let sharing = section.int(2), let targeted = section.int(2)
        else { return nil }
        saleOptOut = sale
        sharingOptOut = sharing
        targetedAdvertisingOptOut = targeted
    }
}

extension BitReader {
    /// A Fibonacci-coded positive integer (bits for 1, 2, 3, 5, 8, … ended by `11`).
    mutating func fibonacci() -> Int? {
        var value = 0
        var (previous, current) = (1, 1)
        var lastWasOne = false
        for _ in 0..<40 {
            guard let bit = flag() else { return nil }
            if bit && lastWasOne { return value }
            if bit { value += current }
            lastWasOne = bit
            (previous, current) = (current, previous + current)
        }
        return nil
    }

    /// GPP's Fibonacci integer range: NumEntries(12), each IsRange(1) and Fibonacci
    /// offsets (a start from the previous entry's end, an end from its start).
    mutating func fibonacciRange() -> [Int]? {
        guard let count = int(12), count <= 64 else { return nil }
        var ids: [Int] = []
        var last = 0
        for _ in 0..<count {
            guard let isRange = flag(), let offset = fibonacci() else { return nil }
            let start = last + offset
            var end = start
            if isRange {
                guard let length = fibonacci() else { return nil }
                end = start + length
            }
            guard end - start <= 64 else { return nil }
            ids += Array(start...end)
            last = end
        }
        return ids
    }
}
