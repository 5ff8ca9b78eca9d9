import Foundation

/// The campaign JSON read with `JSONReader`: the one reader of the format, for
/// `adctl campaign import` (a million lines), the admin API, the console and the stores'
/// line-item and creative-detail columns. Types are checked here, values by `campaign()`.
///
/// Unknown keys are skipped (newer producers stay readable); a repeated key is refused; a
/// required field that is missing is reported as "is required", one that is null as "must
/// not be null"; a wrong type as "expected …", each naming the field's path
/// (`targeting.countries[1]`). Where a document has several problems, the first met in
/// the text is reported, then the first missing required field.
extension CampaignDocument {
    public init(reading reader: inout JSONReader) throws(FieldError) {
        var id: String?
        var advertiserID: String?
        var pricing: String?
        var bidMicros: Int64?
        var totalBudgetMicros: Int64?
        var document = CampaignDocument(
            id: "", advertiserID: "", name: nil, status: nil, pricing: "", bidMicros: 0, predictedCTR: nil, dailyBudgetMicros: nil,
            totalBudgetMicros: 0, start: nil, end: nil, timeZone: nil, pacing: nil, frequencyCap: nil, targeting: nil, creatives: nil)
        try reader.readObject { reader, key throws(FieldError) in
            switch key {
            case "id": id = try reader.required(JSONReader.documentString, "a string")
            case "advertiser_id": advertiserID = try reader.required(JSONReader.documentString, "a string")
            case "name": document.name = try reader.optional(JSONReader.documentString)
            case "status": document.status = try reader.optional(JSONReader.documentString)
            case "pricing": pricing = try reader.required(JSONReader.documentString, "a string")
            case "bid_micros": bidMicros = try reader.required({ r throws(FieldError) in try r.readInteger() }, "an integer")
            case "predicted_ctr": document.predictedCTR = try reader.optional(JSONReader.documentDecimal)
            case "daily_budget_micros": document.dailyBudgetMicros = try reader.optional { r throws(FieldError) in try r.readInteger() }
            case "total_budget_micros":
                totalBudgetMicros = try reader.required({ r throws(FieldError) in try r.readInteger() }, "an integer")
            case "start": document.start = try reader.optional(JSONReader.documentString)
            case "end": document.end = try reader.optional(JSONReader.documentString)
            case "time_zone": document.timeZone = try reader.optional(JSONReader.documentString)
            case "pacing": document.pacing = try reader.optional(JSONReader.documentString)
            case "frequency_cap":
                document.frequencyCap = try reader.optional { r throws(FieldError) in try FrequencyCapDocument(reading: &r) }
            case "targeting": document.targeting = try reader.optional { r throws(FieldError) in try TargetingDocument(reading: &r) }
            case "creatives":
                document.creatives = try reader.optional { r throws(FieldError) in
                    try r.documentArray { r throws(FieldError) in try CreativeDocument(reading: &r) }
                }
            case "deals":
                document.deals = try reader.optional { r throws(FieldError) in
                    try r.documentArray { r throws(FieldError) in try DealDocument(reading: &r) }
                }
            case "predicted_viewability": document.predictedViewability = try reader.optional(JSONReader.documentDecimal)
            case "predicted_completion_rate": document.predictedCompletionRate = try reader.optional(JSONReader.documentDecimal)
            case "delivery": document.delivery = try reader.optional { r throws(FieldError) in try DeliveryDocument(reading: &r) }
            case "exclusion_labels": document.exclusionLabels = try reader.optional(JSONReader.documentStrings)
            case "roadblock": document.roadblock = try reader.optional(JSONReader.documentString)
            default: try reader.skipValue()
            }
        }
        document.id = try reader.present(id, "id")
        document.advertiserID = try reader.present(advertiserID, "advertiser_id")
        document.pricing = try reader.present(pricing, "pricing")
        document.bidMicros = try reader.present(bidMicros, "bid_micros")
        document.totalBudgetMicros = try reader.present(totalBudgetMicros, "total_budget_micros")
        self = document
    }
}

extension DealDocument {
    public init(reading reader: inout JSONReader) throws(FieldError) {
        var id: String?
        var floor: Int64?
        try reader.readObject { reader, key throws(FieldError) in
            switch key {
            case "id": id = try reader.required(JSONReader.documentString, "a string")
            case "floor_micros": floor = try reader.optional { r throws(FieldError) in try r.readInteger() }
            default: try reader.skipValue()
            }
        }
        self.init(id: try reader.present(id, "id"), floorMicros: floor)
    }
}

extension FrequencyCapDocument {
    public init(reading reader: inout JSONReader) throws(FieldError) {
        var impressions: Int64?
        var window: Int64?
        var refuseAnonymous = false
        try reader.readObject { reader, key throws(FieldError) in
            switch key {
            case "impressions": impressions = try reader.required({ r throws(FieldError) in try r.readInteger() }, "an integer")
            case "window_seconds": window = try reader.required({ r throws(FieldError) in try r.readInteger() }, "an integer")
            case "refuse_anonymous": refuseAnonymous = try reader.optional { r throws(FieldError) in try r.readBool() } ?? false
            default: try reader.skipValue()
            }
        }
        self.init(
            impressions: Int(try reader.present(impressions, "impressions")), windowSeconds: try reader.present(window, "window_seconds"),
            refuseAnonymous: refuseAnonymous)
    }
}

extension TargetingDocument {
    public init(reading reader: inout JSONReader) throws(FieldError) {
        var lists = ExclusionDocument()
        var exclude: ExclusionDocument?
        try reader.readObject { reader, key throws(FieldError) in
            if key == "exclude" {
                exclude = try reader.optional { r throws(FieldError) in try ExclusionDocument(reading: &r) }
            } else if try !lists.readList(key, &reader) {
                try reader.skipValue()
            }
        }
        self.init()
        (placements, countries, devices, os) = (lists.placements, lists.countries, lists.devices, lists.os)
        (keywords, hoursOfWeek, self.exclude) = (lists.keywords, lists.hoursOfWeek, exclude)
    }
}

extension ExclusionDocument {
    public init(reading reader: inout JSONReader) throws(FieldError) {
        var lists = ExclusionDocument()
        try reader.readObject { reader, key throws(FieldError) in
            if try !lists.readList(key, &reader) { try reader.skipValue() }
        }
        self = lists
    }

    /// Reads the value of `key` when it is one of the lists targeting and its `exclude`
    /// share; false (the value left unread) for any other key.
    mutating func readList(_ key: String, _ reader: inout JSONReader) throws(FieldError) -> Bool {
        switch key {
        case "placements": placements = try reader.optional(JSONReader.documentStrings)
        case "countries": countries = try reader.optional(JSONReader.documentStrings)
        case "devices": devices = try reader.optional(JSONReader.documentStrings)
        case "os": os = try reader.optional(JSONReader.documentStrings)
        case "keywords": keywords = try reader.optional(JSONReader.documentStrings)
        case "hours_of_week": hoursOfWeek = try reader.optional(JSONReader.documentIntegers)
        default: return false
        }
        return true
    }
}

extension CreativeDocument {
    /// One creative object of the campaign JSON on its own (`adctl … --creative-json`).
    public static func decode(_ text: String) -> Result<CreativeDocument, FieldError> {
        JSONReader.read(CreativeDocument.self, from: text.utf8)
    }

    public init(reading reader: inout JSONReader) throws(FieldError) {
        var id: String?
        var clickURL: String?
        var document = CreativeDocument(id: "", size: nil, imageURL: nil, clickURL: "", adomain: nil)
        try reader.readObject { reader, key throws(FieldError) in
            switch key {
            case "id": id = try reader.required(JSONReader.documentString, "a string")
            case "format": document.format = try reader.optional(JSONReader.documentString)
            case "size": document.size = try reader.optional(JSONReader.documentString)
            case "image_url": document.imageURL = try reader.optional(JSONReader.documentString)
            case "click_url": clickURL = try reader.required(JSONReader.documentString, "a string")
            case "adomain": document.adomain = try reader.optional(JSONReader.documentStrings)
            case "video": document.video = try reader.optional { r throws(FieldError) in try VideoDocument(reading: &r) }
            case "native": document.native = try reader.optional { r throws(FieldError) in try NativeDocument(reading: &r) }
            default: try reader.skipValue()
            }
        }
        document.id = try reader.present(id, "id")
        document.clickURL = try reader.present(clickURL, "click_url")
        self = document
    }
}

extension VideoDocument {
    public init(reading reader: inout JSONReader) throws(FieldError) {
        var duration: Int64?
        var mediaFiles: [MediaFileDocument]?
        var skipAfter: Int64?
        try reader.readObject { reader, key throws(FieldError) in
            switch key {
            case "duration_seconds": duration = try reader.required({ r throws(FieldError) in try r.readInteger() }, "an integer")
            case "media_files":
                mediaFiles = try reader.required(
                    { r throws(FieldError) in try r.documentArray { r throws(FieldError) in try MediaFileDocument(reading: &r) } },
                    "an array")
            case "skip_after_seconds": skipAfter = try reader.optional { r throws(FieldError) in try r.readInteger() }
            default: try reader.skipValue()
            }
        }
        self.init(
            durationSeconds: Int(try reader.present(duration, "duration_seconds")),
            mediaFiles: try reader.present(mediaFiles, "media_files"), skipAfterSeconds: skipAfter.map { Int($0) })
    }
}

extension MediaFileDocument {
    public init(reading reader: inout JSONReader) throws(FieldError) {
        var url: String?
        var mime: String?
        var width: Int64?
        var height: Int64?
        var bitrate: Int64?
        try reader.readObject { reader, key throws(FieldError) in
            switch key {
            case "url": url = try reader.required(JSONReader.documentString, "a string")
            case "mime": mime = try reader.required(JSONReader.documentString, "a string")
            case "width": width = try reader.required({ r throws(FieldError) in try r.readInteger() }, "an integer")
            case "height": height = try reader.required({ r throws(FieldError) in try r.readInteger() }, "an integer")
            case "bitrate_kbps": bitrate = try reader.required({ r throws(FieldError) in try r.readInteger() }, "an integer")
            default: try reader.skipValue()
            }
        }
        self.init(
            url: try reader.present(url, "url"), mime: try reader.present(mime, "mime"), width: Int(try reader.present(width, "width")),
            height: Int(try reader.present(height, "height")), bitrateKbps: Int(try reader.present(bitrate, "bitrate_kbps")))
    }
}

extension NativeDocument {
    public init(reading reader: inout JSONReader) throws(FieldError) {
        var title: String?
        var imageURL: String?
        var width: Int64?
        var height: Int64?
        var document = NativeDocument(
            title: "", description: nil, imageURL: "", imageWidth: 0, imageHeight: 0, iconURL: nil, callToAction: nil, sponsoredBy: nil)
        try reader.readObject { reader, key throws(FieldError) in
            switch key {
            case "title": title = try reader.required(JSONReader.documentString, "a string")
            case "description": document.description = try reader.optional(JSONReader.documentString)
            case "image_url": imageURL = try reader.required(JSONReader.documentString, "a string")
            case "image_width": width = try reader.required({ r throws(FieldError) in try r.readInteger() }, "an integer")
            case "image_height": height = try reader.required({ r throws(FieldError) in try r.readInteger() }, "an integer")
            case "icon_url": document.iconURL = try reader.optional(JSONReader.documentString)
            case "call_to_action": document.callToAction = try reader.optional(JSONReader.documentString)
            case "sponsored_by": document.sponsoredBy = try reader.optional(JSONReader.documentString)
            default: try reader.skipValue()
            }
        }
        document.title = try reader.present(title, "title")
        document.imageURL = try reader.present(imageURL, "image_url")
        document.imageWidth = Int(try reader.present(width, "image_width"))
        document.imageHeight = Int(try reader.present(height, "image_height"))
        self = document
    }
}

extension DeliveryDocument {
    public init(reading reader: inout JSONReader) throws(FieldError) {
        var type: String?
        var document = DeliveryDocument(type: "")
        try reader.readObject { reader, key throws(FieldError) in
            switch key {
            case "type": type = try reader.required(JSONReader.documentString, "a string")
            case "goal": document.goal = try reader.optional { r throws(FieldError) in try GoalDocument(reading: &r) }
            case "rate_micros": document.rateMicros = try reader.optional { r throws(FieldError) in try r.readInteger() }
            case "pace": document.pace = try reader.optional(JSONReader.documentString)
            default: try reader.skipValue()
            }
        }
        document.type = try reader.present(type, "type")
        self = document
    }
}

extension GoalDocument {
    public init(reading reader: inout JSONReader) throws(FieldError) {
        self.init()
        try reader.readObject { reader, key throws(FieldError) in
            switch key {
            case "impressions": impressions = try reader.optional { r throws(FieldError) in try r.readInteger() }
            case "share_percent": sharePercent = try reader.optional { r throws(FieldError) in Int(try r.readInteger()) }
            default: try reader.skipValue()
            }
        }
    }
}

extension LineItemFields {
    public init(reading reader: inout JSONReader) throws(FieldError) {
        self.init(delivery: nil, exclusionLabels: nil, roadblock: nil)
        try reader.readObject { reader, key throws(FieldError) in
            switch key {
            case "delivery": delivery = try reader.optional { r throws(FieldError) in try DeliveryDocument(reading: &r) }
            case "exclusion_labels": exclusionLabels = try reader.optional(JSONReader.documentStrings)
            case "roadblock": roadblock = try reader.optional(JSONReader.documentString)
            default: try reader.skipValue()
            }
        }
    }
}

/// A document of the campaign JSON that `JSONReader` reads on its own: the whole campaign,
/// and the parts stores keep in their own columns or `adctl` takes as an option.
public protocol JSONReadable {
    init(reading reader: inout JSONReader) throws(FieldError)
}

extension CampaignDocument: JSONReadable {}
extension CreativeDocument: JSONReadable {}
extension VideoDocument: JSONReadable {}
extension NativeDocument: JSONReadable {}
extension LineItemFields: JSONReadable {}

extension JSONReader {
    /// Reads one whole `T` from `bytes` (nothing may follow it).
    static func read<T: JSONReadable>(_ type: T.Type, from bytes: some Collection<UInt8>) -> Result<T, FieldError> {
        var reader = JSONReader(Array(bytes))
        do throws(FieldError) {
            let value = try T(reading: &reader)
            try reader.expectEnd()
            return .success(value)
        } catch {
            return .failure(error)
        }
    }

    /// Strings of the campaign JSON are bounded by its line (`adctl`) or body (the API),
    /// and their lengths checked by `campaign()`, which names the limit of each field.
    static let documentStringBytes = Int.max

    static func documentString(_ reader: inout JSONReader) throws(FieldError) -> String {
        try reader.readString(maximumBytes: documentStringBytes)
    }

    static func documentDecimal(_ reader: inout JSONReader) throws(FieldError) -> Decimal {
        let text = try reader.readNumber()
        guard let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) else { throw reader.fieldError("invalid value") }
        return value
    }

    static func documentStrings(_ reader: inout JSONReader) throws(FieldError) -> [String] {
        try reader.documentArray { r throws(FieldError) in try r.readString(maximumBytes: documentStringBytes) }
    }

    static func documentIntegers(_ reader: inout JSONReader) throws(FieldError) -> [Int] {
        try reader.documentArray { r throws(FieldError) in Int(try r.readInteger()) }
    }

    /// An array of any length (the lengths are checked by `campaign()`, naming the limit).
    mutating func documentArray<T>(_ element: (inout JSONReader) throws(FieldError) -> T) throws(FieldError) -> [T] {
        var values: [T] = []
        try readArray(maximumCount: .max) { reader, _ throws(FieldError) in values.append(try element(&reader)) }
        return values
    }

    /// A value that may be null or absent.
    mutating func optional<T>(_ read: (inout JSONReader) throws(FieldError) -> T) throws(FieldError) -> T? {
        try readNull() ? nil : try read(&self)
    }

    /// A value that must not be null.
    mutating func required<T>(_ read: (inout JSONReader) throws(FieldError) -> T, _ expected: String) throws(FieldError) -> T {
        if try readNull() { throw fieldError("must not be null (expected \(expected))") }
        return try read(&self)
    }

    /// `value` of the object just read, or "is required" naming `key` in it.
    func present<T>(_ value: T?, _ key: String) throws(FieldError) -> T {
        guard let value else { throw fieldError(key, "is required") }
        return value
    }
}
