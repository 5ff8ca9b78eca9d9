import Foundation
import VickreyCore

/// One creative of the campaign JSON. A banner is `{"id", "size", "image_url", "click_url",
/// "adomain"}` (no `format`: banners export exactly as before formats existed); a video
/// adds `"format": "video"` and `video` instead of `size` and `image_url`; a native
/// creative `"format": "native"` and `native`.
public struct CreativeDocument: Codable, Hashable, Sendable {
    public var id: String
    /// `banner` when absent.
    public var format: String?
    public var size: String?
    public var imageURL: String?
    public var clickURL: String
    public var adomain: [String]?
    public var video: VideoDocument?
    public var native: NativeDocument?

    enum CodingKeys: String, CodingKey {
        case id, format, size, adomain, video, native
        case imageURL = "image_url"
        case clickURL = "click_url"
    }

    public init(
        id: String, format: String? = nil, size: String?, imageURL: String?, clickURL: String, adomain: [String]?,
        video: VideoDocument? = nil, native: NativeDocument? = nil
    ) {
        self.id = id
        self.format = format
        self.size = size
        self.imageURL = imageURL
        self.clickURL = clickURL
        self.adomain = adomain
        self.video = video
        self.native = native
    }

    public init(_ creative: Creative) {
        let domains = creative.advertiserDomains
        switch creative.format {
        case .banner:
            self.init(
                id: creative.id.rawValue, size: creative.size.description, imageURL: creative.imageURL, clickURL: creative.clickURL,
                adomain: domains)
        case .video:
            self.init(
                id: creative.id.rawValue, format: "video", size: nil, imageURL: nil, clickURL: creative.clickURL, adomain: domains,
                video: creative.video.map(VideoDocument.init))
        case .native:
            self.init(
                id: creative.id.rawValue, format: "native", size: nil, imageURL: nil, clickURL: creative.clickURL, adomain: domains,
                native: creative.native.map(NativeDocument.init))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        if let format, format != CreativeFormat.banner.rawValue { try container.encode(format, forKey: .format) }
        if let size { try container.encode(size, forKey: .size) }
        if let imageURL { try container.encode(imageURL, forKey: .imageURL) }
        if let video { try container.encode(video, forKey: .video) }
        if let native { try container.encode(native, forKey: .native) }
        try container.encode(clickURL, forKey: .clickURL)
        try container.encode(adomain ?? [], forKey: .adomain)
    }
}

/// `{"duration_seconds", "media_files": [{"url", "mime", "width", "height",
/// "bitrate_kbps"}], "skip_after_seconds"}` (`skip_after_seconds` null: not skippable).
public struct VideoDocument: Codable, Hashable, Sendable {
    public var durationSeconds: Int
    public var mediaFiles: [MediaFileDocument]
    public var skipAfterSeconds: Int?

    enum CodingKeys: String, CodingKey {
        case durationSeconds = "duration_seconds"
        case mediaFiles = "media_files"
        case skipAfterSeconds = "skip_after_seconds"
    }

    public init(durationSeconds: Int, mediaFiles: [MediaFileDocument], skipAfterSeconds: Int?) {
        self.durationSeconds = durationSeconds
        self.mediaFiles = mediaFiles
        self.skipAfterSeconds = skipAfterSeconds
    }

    init(_ video: VideoCreative) {
        self.init(
            durationSeconds: video.durationSeconds,
            mediaFiles: video.mediaFiles.map {
                MediaFileDocument(url: $0.url, mime: $0.mime, width: $0.width, height: $0.height, bitrateKbps: $0.bitrateKbps)
            }, skipAfterSeconds: video.skipAfterSeconds)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(durationSeconds, forKey: .durationSeconds)
        try container.encode(mediaFiles, forKey: .mediaFiles)
        try container.encode(skipAfterSeconds, forKey: .skipAfterSeconds)
    }
}

public struct MediaFileDocument: Codable, Hashable, Sendable {
    public var url: String
    public var mime: String
    public var width: Int
    public var height: Int
    public var bitrateKbps: Int

    enum CodingKeys: String, CodingKey {
        case url, mime, width, height
        case bitrateKbps = "bitrate_kbps"
    }

    public init(url: String, mime: String, width: Int, height: Int, bitrateKbps: Int) {
        self.url = url
        self.mime = mime
        self.width = width
        self.height = height
        self.bitrateKbps = bitrateKbps
    }
}

/// `{"title", "description", "image_url", "image_width", "image_height", "icon_url",
/// "call_to_action", "sponsored_by"}`; the optional ones written as null when absent.
public struct NativeDocument: Codable, Hashable, Sendable {
    public var title: String
    public var description: String?
    public var imageURL: String
    public var imageWidth: Int
    public var imageHeight: Int
    public var iconURL: String?
    public var callToAction: String?
    public var sponsoredBy: String?

    enum CodingKeys: String, CodingKey {
        case title, description
        case imageURL = "image_url"
        case imageWidth = "image_width"
        case imageHeight = "image_height"
        case iconURL = "icon_url"
        case callToAction = "call_to_action"
        case sponsoredBy = "sponsored_by"
    }

    public init(
        title: String, description: String?, imageURL: String, imageWidth: Int, imageHeight: Int, iconURL: String?,
        callToAction: String?, sponsoredBy: String?
    ) {
        self.title = title
        self.description = description
        self.imageURL = imageURL
        self.imageWidth = imageWidth
        self.imageHeight = imageHeight
        self.iconURL = iconURL
        self.callToAction = callToAction
        self.sponsoredBy = sponsoredBy
    }

    init(_ native: NativeCreative) {
        self.init(
            title: native.title, description: native.description, imageURL: native.imageURL, imageWidth: native.imageWidth,
            imageHeight: native.imageHeight, iconURL: native.iconURL, callToAction: native.callToAction,
            sponsoredBy: native.sponsoredBy)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(title, forKey: .title)
        try container.encode(description, forKey: .description)
        try container.encode(imageURL, forKey: .imageURL)
        try container.encode(imageWidth, forKey: .imageWidth)
        try container.encode(imageHeight, forKey: .imageHeight)
        try container.encode(iconURL, forKey: .iconURL)
        try container.encode(callToAction, forKey: .callToAction)
        try container.encode(sponsoredBy, forKey: .sponsoredBy)
    }
}

extension CreativeDocument {
    /// Validates every field and builds the creative; the error names the first bad field
    /// under `creatives[index]`.
    func creative(at index: Int) throws(FieldError) -> Creative {
        let field = "creatives[\(index)]"
        let id = try CampaignDocument.identifier(CreativeID.self, id, field: "\(field).id")
        let format = try CampaignDocument.choice(CreativeFormat.self, format ?? "banner", field: "\(field).format")
        try Self.checkURL(clickURL, field: "\(field).click_url")
        let domains = adomain ?? []
        guard domains.count <= CampaignLimits.maximumDomains else {
            throw FieldError(field: "\(field).adomain", message: "at most \(CampaignLimits.maximumDomains) domains")
        }
        for (position, domain) in domains.enumerated() {
            if let problem = WebAddress.domainProblem(domain) {
                throw FieldError(field: "\(field).adomain[\(position)]", message: problem)
            }
        }
        // Each format takes its own fields only, so a typo'd format is not silently a banner.
        let present = [("size", size != nil), ("image_url", imageURL != nil), ("video", video != nil), ("native", native != nil)]
        let allowed: Set<String> =
            switch format {
            case .banner: ["size", "image_url"]
            case .video: ["video"]
            case .native: ["native"]
            }
        if let stray = present.first(where: { $0.1 && !allowed.contains($0.0) }) {
            throw FieldError(field: "\(field).\(stray.0)", message: "does not belong to a \(format.rawValue) creative")
        }
        switch format {
        case .banner:
            guard let size else { throw FieldError(field: "\(field).size", message: "is required for a banner") }
            guard let parsed = AdSize(size) else {
                throw FieldError(field: "\(field).size", message: "'\(size.prefix(32))' is not a size like 300x250 (1–10000 each side)")
            }
            guard let imageURL else { throw FieldError(field: "\(field).image_url", message: "is required for a banner") }
            try Self.checkURL(imageURL, field: "\(field).image_url")
            return Creative(id: id, size: parsed, imageURL: imageURL, clickURL: clickURL, advertiserDomains: domains)
        case .video:
            guard let video else { throw FieldError(field: "\(field).video", message: "is required for a video creative") }
            return .video(id: id, try video.video(field: "\(field).video"), clickURL: clickURL, advertiserDomains: domains)
        case .native:
            guard let native else { throw FieldError(field: "\(field).native", message: "is required for a native creative") }
            return .native(id: id, try native.native(field: "\(field).native"), clickURL: clickURL, advertiserDomains: domains)
        }
    }

    static func checkURL(_ url: String, field: String) throws(FieldError) {
        if let problem = WebAddress.urlProblem(url) { throw FieldError(field: field, message: "is not an http(s) URL: \(problem)") }
    }
}

extension VideoDocument {
    /// Bounds: 1–3,600 s; 1–16 media files; mime `type/subtype`; sides 1–10,000; bitrate
    /// 1–1,000,000 kbps; a skip offset 0 to the duration.
    func video(field: String) throws(FieldError) -> VideoCreative {
        guard (1...VideoCreative.maximumDurationSeconds).contains(durationSeconds) else {
            throw FieldError(field: "\(field).duration_seconds", message: "must be between 1 and \(VideoCreative.maximumDurationSeconds)")
        }
        guard (1...VideoCreative.maximumMediaFiles).contains(mediaFiles.count) else {
            throw FieldError(field: "\(field).media_files", message: "must hold 1 to \(VideoCreative.maximumMediaFiles) files")
        }
        var files: [MediaFile] = []
        for (index, file) in mediaFiles.enumerated() {
            let path = "\(field).media_files[\(index)]"
            try CreativeDocument.checkURL(file.url, field: "\(path).url")
            guard MediaType.isValid(file.mime) else {
                throw FieldError(field: "\(path).mime", message: "'\(file.mime.prefix(64))' is not a media type like video/mp4")
            }
            for (name, value) in [("width", file.width), ("height", file.height)] where !(1...AdSize.maximumDimension).contains(value) {
                throw FieldError(field: "\(path).\(name)", message: "must be between 1 and \(AdSize.maximumDimension)")
            }
            guard (1...1_000_000).contains(file.bitrateKbps) else {
                throw FieldError(field: "\(path).bitrate_kbps", message: "must be between 1 and 1000000")
            }
            files.append(MediaFile(url: file.url, mime: file.mime, width: file.width, height: file.height, bitrateKbps: file.bitrateKbps))
        }
        if let skip = skipAfterSeconds, !(0...durationSeconds).contains(skip) {
            throw FieldError(
                field: "\(field).skip_after_seconds", message: "must be between 0 and the duration (\(durationSeconds)), or null")
        }
        return VideoCreative(durationSeconds: durationSeconds, mediaFiles: files, skipAfterSeconds: skipAfterSeconds)
    }
}

extension NativeDocument {
    /// Texts 1–512 characters without control characters; URLs http(s); image sides 1–10,000.
    func native(field: String) throws(FieldError) -> NativeCreative {
        let texts: [(String, String?)] = [
            ("title", title), ("description", description), ("call_to_action", callToAction), ("sponsored_by", sponsoredBy),
        ]
        for (name, text) in texts {
            guard let text else { continue }
            if let problem = TextRules.nameProblem(text, maximumBytes: NativeCreative.maximumTextLength) {
                throw FieldError(field: "\(field).\(name)", message: problem)
            }
            if text.isEmpty { throw FieldError(field: "\(field).\(name)", message: "must not be empty (use null)") }
        }
        try CreativeDocument.checkURL(imageURL, field: "\(field).image_url")
        if let iconURL { try CreativeDocument.checkURL(iconURL, field: "\(field).icon_url") }
        for (name, value) in [("image_width", imageWidth), ("image_height", imageHeight)]
        where !(1...AdSize.maximumDimension).contains(value) {
            throw FieldError(field: "\(field).\(name)", message: "must be between 1 and \(AdSize.maximumDimension)")
        }
        return NativeCreative(
            title: title, description: description, imageURL: imageURL, imageWidth: imageWidth, imageHeight: imageHeight,
            iconURL: iconURL, callToAction: callToAction, sponsoredBy: sponsoredBy)
    }
}

/// `type/subtype` media types (RFC 6838 restricted names), as VAST `MediaFile@type` and
/// OpenRTB `mimes` carry them.
enum MediaType {
    static func isValid(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, text.utf8.count <= 127 else { return false }
        return parts.allSatisfy { part in
            !part.isEmpty
                && part.utf8.allSatisfy { byte in
                    (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                        || "!#$&-^_.+".utf8.contains(byte)
                }
        }
    }
}

/// The video or native part of a creative as stored beside its banner columns: the same
/// JSON as the campaign document's `video` / `native` object, validated by the same code
/// when read back.
public enum CreativeDetails {
    /// Nil for a banner.
    public static func json(of creative: Creative) -> String? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data: Data? =
            switch creative.format {
            case .banner: nil
            case .video: creative.video.flatMap { try? encoder.encode(VideoDocument($0)) }
            case .native: creative.native.flatMap { try? encoder.encode(NativeDocument($0)) }
            }
        return data.map { String(decoding: $0, as: UTF8.self) }
    }

    /// `base` (its id, click URL and domains) as a creative of `format` with `json` its
    /// details; nil when they do not make a valid creative.
    public static func creative(format: String, json: String?, base: Creative) -> Creative? {
        guard let format = CreativeFormat(rawValue: format) else { return nil }
        let decoder = JSONDecoder()
        switch format {
        case .banner: return json == nil ? base : nil
        case .video:
            guard let json, let document = try? decoder.decode(VideoDocument.self, from: Data(json.utf8)),
                let video = try? document.video(field: "video")
            else { return nil }
            return .video(id: base.id, video, clickURL: base.clickURL, advertiserDomains: base.advertiserDomains)
        case .native:
            guard let json, let document = try? decoder.decode(NativeDocument.self, from: Data(json.utf8)),
                let native = try? document.native(field: "native")
            else { return nil }
            return .native(id: base.id, native, clickURL: base.clickURL, advertiserDomains: base.advertiserDomains)
        }
    }
}
