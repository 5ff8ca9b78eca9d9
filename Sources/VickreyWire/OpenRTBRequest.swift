import VickreyCore

/// An OpenRTB 2.6 BidRequest, reduced to what the auction uses and validated the way an
/// exchange expects: every malformed request is refused with the field at fault
/// (missing or duplicate ids, empty `imp`, impressions without a media object, banners
/// without sizes, negative sizes, bitrates, accuracies or `tmax`, `site` with `app` or
/// `dooh`, an invalid `regs.gdpr`).
public struct OpenRTBRequest: Sendable {
    public struct Impression: Sendable {
        public var id: String
        /// `tagid`, the placement this impression is for, when it is a valid placement id.
        public var tagID: String?
        /// Banner sizes from `w`/`h` and `format`; empty when the impression has no banner.
        public var sizes: [AdSize] = []
        public var hasBanner = false
        /// `video`, when the imp has one.
        public var video: VideoSlot?
        /// `native.request`, when the imp has one.
        public var native: NativeSlot?
        /// What the imp accepts: its banner sizes, video and native (nil: audio only).
        public var shape: AdShape? {
            guard hasBanner || video != nil || native != nil else { return nil }
            return AdShape(banner: hasBanner ? sizes : nil, video: video, native: native)
        }
        /// `bidfloor` converted exactly to micros (rounded up past the sixth decimal).
        public var floor: Micros?
        /// `bidfloorcur`, default USD.
        public var floorCurrency = "USD"
        /// `pmp.private_auction = 1`: only the deals compete.
        public var privateAuction = false
        /// `pmp.deals[]`, floors still in their own currencies.
        public var deals: [DealFields.OpenRTBDeal] = []
    }

    public var id = ""
    public var impressions: [Impression] = []
    public var userID: String?
    public var device: DeviceType?
    public var operatingSystem: OperatingSystem?
    /// `device.ua`, and `device.ip` (else `device.ipv6`) when it is a valid address.
    public var userAgent: String?
    public var ipAddress: IPAddress?
    public var country: CountryCode?
    public var keywords: [Keyword] = []
    /// `tmax` in milliseconds (nil: none given).
    public var maximumMilliseconds: Int64?
    /// `test = 1`: not billable.
    public var isTest = false
    /// `cur`: currencies the exchange accepts (empty: any).
    public var currencies: [String] = []
    /// `regs.coppa`, `regs.gdpr`, `user.consent`, `regs.us_privacy`, `regs.gpp`/`gpp_sid`,
    /// `device.lmt`/`dnt`, and their OpenRTB 2.5 `ext` places.
    public var privacy = PrivacySignals()

    public static func decode(_ body: [UInt8], limits: RequestLimits) -> Result<OpenRTBRequest, FieldError> {
        do { return .success(try OpenRTBParser(limits: limits).parse(body)) } catch { return .failure(error) }
    }
}

/// Reads a BidRequest body into `OpenRTBRequest`.
private struct OpenRTBParser {
    let limits: RequestLimits

    func parse(_ body: [UInt8]) throws(FieldError) -> OpenRTBRequest {
        var reader = JSONReader(body)
        var request = OpenRTBRequest()
        var sawID = false
        var sawImp = false
        var distribution: String?  // which of site / app / dooh appeared
        var userCountry: CountryCode?
        if try reader.readNull() { throw FieldError(field: nil, message: "the body must be a JSON object") }
        do {
            try reader.readObject { reader, key throws(FieldError) in
                switch key {
                case "id":
                    request.id = try reader.readSignedID()
                    sawID = true
                case "imp":
                    sawImp = true
                    try reader.readArray(maximumCount: limits.maximumPlacements) { reader, _ throws(FieldError) in
                        let impression = try parseImpression(&reader)
                        if request.impressions.contains(where: { $0.id == impression.id }) {
                            throw reader.fieldError("id", "'\(impression.id)' is used by another imp; imp ids must be unique")
                        }
                        request.impressions.append(impression)
                    }
                case "site", "app", "dooh":
                    if try reader.readNull() { return }
                    if let first = distribution {
                        throw reader.fieldError("only one of site, app and dooh may be present (\(first) is already)")
                    }
                    distribution = key
                    try reader.readObject { reader, field throws(FieldError) in
                        switch field {
                        case "keywords": request.keywords += try keywordList(&reader)
                        case "kwarray": request.keywords += try keywordArray(&reader)
                        case "content":
                            if try reader.readNull() { return }
                            try reader.readObject { reader, field throws(FieldError) in
                                switch field {
                                case "keywords": request.keywords += try keywordList(&reader)
                                case "kwarray": request.keywords += try keywordArray(&reader)
                                default: try reader.skipValue()
                                }
                            }
                        default: try reader.skipValue()
                        }
                    }
                case "device":
                    if try reader.readNull() { return }
                    try reader.readObject { reader, field throws(FieldError) in
                        switch field {
                        case "devicetype":
                            if try reader.readNull() { return }
                            request.device = Self.deviceType(try reader.readInteger())
                        case "os":
                            if try reader.readNull() { return }
                            request.operatingSystem = Self.operatingSystem(
                                try reader.readString(maximumCharacters: limits.maximumTextCharacters))
                        case "w", "h", "ppi", "pxratio": try nonNegativeNumber(&reader)
                        case "ua":
                            if try reader.readNull() { return }
                            request.userAgent = try reader.readString(maximumCharacters: limits.maximumTextCharacters)
                        case "ip", "ipv6":
                            if try reader.readNull() { return }
                            // Exchanges truncate or mask addresses: one that does not parse is ignored.
                            let address = IPAddress(try reader.readString(maximumCharacters: 64))
                            if field == "ip" || request.ipAddress == nil { request.ipAddress = address ?? request.ipAddress }
                        case "lmt", "dnt":
                            if try PrivacyFields.flag(&reader) == true { request.privacy.limitAdTracking = true }
                        case "geo":
                            if let country = try parseGeo(&reader) { request.country = country }
                        default: try reader.skipValue()
                        }
                    }
                case "user":
                    if try reader.readNull() { return }
                    try reader.readObject { reader, field throws(FieldError) in
                        switch field {
                        case "id":
                            if try reader.readNull() { return }
                            request.userID = try reader.readUserID(limits: limits)
                        case "keywords": request.keywords += try keywordList(&reader)
                        case "kwarray": request.keywords += try keywordArray(&reader)
                        case "geo": userCountry = try parseGeo(&reader)
                        case "consent": if let consent = try PrivacyFields.string(&reader) { request.privacy.consent = consent }
                        case "ext":
                            if try reader.readNull() { return }
                            try reader.readObject { reader, field throws(FieldError) in
                                // OpenRTB 2.5's place; the 2.6 field wins when both are present.
                                guard field == "consent" else { return try reader.skipValue() }
                                if let consent = try PrivacyFields.string(&reader), request.privacy.consent == nil {
                                    request.privacy.consent = consent
                                }
                            }
                        default: try reader.skipValue()
                        }
                    }
                case "tmax":
                    if try reader.readNull() { return }
                    let tmax = try reader.readInteger()
                    guard tmax >= 0 else { throw reader.fieldError("must be zero or more (milliseconds), got \(tmax)") }
                    request.maximumMilliseconds = tmax == 0 ? nil : tmax
                case "test":
                    if try reader.readNull() { return }
                    let test = try reader.readInteger()
                    guard test == 0 || test == 1 else { throw reader.fieldError("must be 0 or 1") }
                    request.isTest = test == 1
                case "cur":
                    if try reader.readNull() { return }
                    try reader.readArray(maximumCount: 32) { reader, _ throws(FieldError) in
                        request.currencies.append(try reader.readString(maximumCharacters: 8).uppercased())
                    }
                case "regs":
                    if try reader.readNull() { return }
                    try PrivacyFields.regs(&reader, into: &request.privacy)
                default:
                    try reader.skipValue()
                }
            }
        } catch  where error.field == nil && !error.message.hasPrefix("not valid JSON") {
            throw FieldError(field: nil, message: "the body must be a JSON object")
        }
        try reader.expectEnd()
        guard sawID else { throw FieldError(field: "id", message: "is required") }
        guard sawImp, !request.impressions.isEmpty else { throw FieldError(field: "imp", message: "must contain at least one impression") }
        if request.country == nil { request.country = userCountry }
        if request.keywords.count > limits.maximumKeywords { request.keywords = Array(request.keywords.prefix(limits.maximumKeywords)) }
        return request
    }

    private func parseImpression(_ reader: inout JSONReader) throws(FieldError) -> OpenRTBRequest.Impression {
        var impression = OpenRTBRequest.Impression(id: "")
        var sawID = false
        var mediaTypes = 0
        try reader.readObject { reader, key throws(FieldError) in
            switch key {
            case "id":
                impression.id = try reader.readString(maximumCharacters: limits.maximumIDCharacters)
                guard !impression.id.isEmpty else { throw reader.fieldError("must not be empty") }
                sawID = true
            case "tagid":
                if try reader.readNull() { return }
                impression.tagID = try reader.readString(maximumCharacters: limits.maximumTextCharacters)
            case "banner":
                if try reader.readNull() { return }
                mediaTypes += 1
                impression.hasBanner = true
                impression.sizes = try parseBanner(&reader)
            case "video":
                if try reader.readNull() { return }
                mediaTypes += 1
                impression.video = try OpenRTBMediaFields.video(&reader)
            case "audio":
                if try reader.readNull() { return }
                mediaTypes += 1
                try nonNegativeFields(&reader, ["minbitrate", "maxbitrate", "minduration", "maxduration", "sequence"])
            case "native":
                if try reader.readNull() { return }
                mediaTypes += 1
                impression.native = try OpenRTBMediaFields.native(&reader)
            case "bidfloor":
                if try reader.readNull() { return }
                let text = try reader.readNumber()
                guard !DecimalText.isNegative(text) else { throw reader.fieldError("must be zero or more") }
                guard let micros = DecimalText.micros(fromCurrency: text) else { throw reader.fieldError("is too large") }
                impression.floor = micros
            case "bidfloorcur":
                if try reader.readNull() { return }
                impression.floorCurrency = try reader.readString(maximumCharacters: 8).uppercased()
            case "pmp":
                if try reader.readNull() { return }
                try reader.readObject { reader, field throws(FieldError) in
                    switch field {
                    case "private_auction":
                        if try reader.readNull() { return }
                        let flag = try reader.readInteger()
                        guard flag == 0 || flag == 1 else { throw reader.fieldError("must be 0 or 1") }
                        impression.privateAuction = flag == 1
                    case "deals":
                        if try reader.readNull() { return }
                        try reader.readArray(maximumCount: DealFields.maximumDeals) { reader, _ throws(FieldError) in
                            impression.deals.append(try DealFields.openRTB(&reader, maximumIDCharacters: limits.maximumIDCharacters))
                        }
                    default: try reader.skipValue()
                    }
                }
            default:
                try reader.skipValue()
            }
        }
        guard sawID else { throw reader.fieldError("id", "is required") }
        guard mediaTypes > 0 else { throw reader.fieldError("must contain at least one of banner, video, audio or native") }
        return impression
    }

    /// Sizes from `w`/`h` and `format`; a banner must define at least one.
    private func parseBanner(_ reader: inout JSONReader) throws(FieldError) -> [AdSize] {
        var width: Int64?
        var height: Int64?
        var sizes: [AdSize] = []
        var sawFormat = false
        try reader.readObject { reader, key throws(FieldError) in
            switch key {
            case "w": width = try positiveDimension(&reader)
            case "h": height = try positiveDimension(&reader)
            case "format":
                if try reader.readNull() { return }
                try reader.readArray(maximumCount: limits.maximumSizes) { reader, _ throws(FieldError) in
                    sawFormat = true
                    var formatWidth: Int64?
                    var formatHeight: Int64?
                    var flexible = false
                    try reader.readObject { reader, field throws(FieldError) in
                        switch field {
                        case "w": formatWidth = try positiveDimension(&reader)
                        case "h": formatHeight = try positiveDimension(&reader)
                        case "wratio", "hratio", "wmin":
                            flexible = true
                            try nonNegativeNumber(&reader)
                        default: try reader.skipValue()
                        }
                    }
                    if let formatWidth, let formatHeight, let size = AdSize(width: Int(formatWidth), height: Int(formatHeight)) {
                        sizes.append(size)
                    } else if !flexible {
                        throw reader.fieldError("must define a non-zero w and h")
                    }
                }
            default: try reader.skipValue()
            }
        }
        if let width, let height, let size = AdSize(width: Int(width), height: Int(height)), !sizes.contains(size) {
            sizes.insert(size, at: 0)
        }
        guard !sizes.isEmpty || sawFormat else {
            throw reader.fieldError("has no sizes: define w and h, or a format element")
        }
        return sizes
    }

    private func positiveDimension(_ reader: inout JSONReader) throws(FieldError) -> Int64? {
        if try reader.readNull() { return nil }
        let value = try reader.readInteger()
        guard value > 0 else { throw reader.fieldError("must be a positive number") }
        guard value <= Int64(AdSize.maximumDimension) else { throw reader.fieldError("must be at most \(AdSize.maximumDimension)") }
        return value
    }

    private func nonNegativeNumber(_ reader: inout JSONReader) throws(FieldError) {
        if try reader.readNull() { return }
        let text = try reader.readNumber()
        guard !DecimalText.isNegative(text) else { throw reader.fieldError("must be zero or more") }
    }

    private func nonNegativeFields(_ reader: inout JSONReader, _ fields: Set<String>) throws(FieldError) {
        try reader.readObject { reader, field throws(FieldError) in
            if fields.contains(field) { try nonNegativeNumber(&reader) } else { try reader.skipValue() }
        }
    }

    private func parseGeo(_ reader: inout JSONReader) throws(FieldError) -> CountryCode? {
        if try reader.readNull() { return nil }
        var country: CountryCode?
        try reader.readObject { reader, field throws(FieldError) in
            switch field {
            case "country":
                if try reader.readNull() { return }
                country = CountryCodes.country(try reader.readString(maximumCharacters: 16))
            case "accuracy": try nonNegativeNumber(&reader)
            default: try reader.skipValue()
            }
        }
        return country
    }

    /// OpenRTB `keywords`: a comma-separated string. Invalid entries are skipped.
    private func keywordList(_ reader: inout JSONReader) throws(FieldError) -> [Keyword] {
        if try reader.readNull() { return [] }
        let text = try reader.readString(maximumCharacters: limits.maximumTextCharacters)
        return text.split(separator: ",").prefix(limits.maximumKeywords).compactMap {
            Keyword(String($0.drop(while: { $0 == " " })).trimmingTrailingSpaces)
        }
    }

    /// OpenRTB 2.6 `kwarray`: an array of strings.
    private func keywordArray(_ reader: inout JSONReader) throws(FieldError) -> [Keyword] {
        if try reader.readNull() { return [] }
        var keywords: [Keyword] = []
        try reader.readArray(maximumCount: limits.maximumKeywords) { reader, _ throws(FieldError) in
            if let keyword = Keyword(try reader.readString(maximumCharacters: limits.maximumTextCharacters)) { keywords.append(keyword) }
        }
        return keywords
    }

    /// OpenRTB 2.6 device types: 1 mobile/tablet, 2 PC, 3 connected TV, 4 phone, 5 tablet,
    /// 6 connected device, 7 set-top box, 8 out-of-home.
    static func deviceType(_ code: Int64) -> DeviceType? {
        switch code {
        case 1, 4: .mobile
        case 5: .tablet
        case 2: .desktop
        case 3, 7: .ctv
        default: nil
        }
    }

    static func operatingSystem(_ name: String) -> OperatingSystem? {
        let lowered = name.lowercased()
        if lowered.isEmpty { return nil }
        if lowered.contains("ios") || lowered.contains("iphone") || lowered.contains("ipad") { return .ios }
        if lowered.contains("android") { return .android }
        if lowered.contains("windows") { return .windows }
        if lowered.contains("mac") || lowered == "os x" { return .macos }
        if lowered.contains("linux") { return .linux }
        return .other
    }
}

extension String {
    fileprivate var trimmingTrailingSpaces: String {
        var text = self
        while text.hasSuffix(" ") { text.removeLast() }
        return text
    }
}
