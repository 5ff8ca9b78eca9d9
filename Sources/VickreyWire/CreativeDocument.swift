import Foundation
import VickreyCore

/// One creative of the campaign JSON. A banner is `{"id", "size", "image_url", "click_url",
/// "adomain"}` (no `format`: banners export exactly as before formats existed); a video
/// adds `"format": "video"` and `video` instead of `size` and `image_url`; a native
/// creative `"format": "native"` and `native`.
public struct CreativeDocument: Encodable, Hashable, Sendable {
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
public struct VideoDocument: Encodable, Hashable, Sendable {
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

/// One media file of a video creative: `{"url", "mime", "width", "height", "bitrate_kbps"}`.
public struct MediaFileDocument: Encodable, Hashable, Sendable {
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
public struct NativeDocument: Encodable, Hashable, Sendable {
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
