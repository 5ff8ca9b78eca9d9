/// What kind of ad a creative is: an image of a fixed size, a video played by a VAST
/// player, or native assets the app or page lays out itself.
public enum CreativeFormat: String, Hashable, Sendable, CaseIterable {
    case banner, video, native
}

/// A video creative: how long it plays, the files a player may choose from, and after how
/// many seconds a viewer may skip it (nil: not skippable).
public struct VideoCreative: Hashable, Sendable {
    public static let maximumMediaFiles = 16
    public static let maximumDurationSeconds = 3_600

    public var durationSeconds: Int
    /// At least one; the player picks by its own mime, size and bitrate.
    public var mediaFiles: [MediaFile]
    public var skipAfterSeconds: Int?

    public init(durationSeconds: Int, mediaFiles: [MediaFile], skipAfterSeconds: Int? = nil) {
        self.durationSeconds = durationSeconds
        self.mediaFiles = mediaFiles
        self.skipAfterSeconds = skipAfterSeconds
    }

    public var isSkippable: Bool { skipAfterSeconds != nil }
}

/// One encoding of a video creative.
public struct MediaFile: Hashable, Sendable {
    public var url: String
    /// e.g. `video/mp4`.
    public var mime: String
    public var width: Int
    public var height: Int
    public var bitrateKbps: Int

    public init(url: String, mime: String, width: Int, height: Int, bitrateKbps: Int) {
        self.url = url
        self.mime = mime
        self.width = width
        self.height = height
        self.bitrateKbps = bitrateKbps
    }
}

/// A native creative's assets. The title and the main image are required; the rest may be
/// absent, and then a request that requires them is not filled by this creative.
public struct NativeCreative: Hashable, Sendable {
    public static let maximumTextLength = 512

    public var title: String
    public var description: String?
    public var imageURL: String
    public var imageWidth: Int
    public var imageHeight: Int
    public var iconURL: String?
    public var callToAction: String?
    public var sponsoredBy: String?

    public init(
        title: String, description: String? = nil, imageURL: String, imageWidth: Int, imageHeight: Int, iconURL: String? = nil,
        callToAction: String? = nil, sponsoredBy: String? = nil
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
}

/// The part of a creative only videos and native ads have, stored out of line.
indirect enum CreativeDetailsBox: Hashable, Sendable {
    case video(VideoCreative)
    case native(NativeCreative)
}

extension Creative {
    /// Set for a video creative only.
    public var video: VideoCreative? {
        get { if case .video(let video) = details { video } else { nil } }
        set { details = newValue.map(CreativeDetailsBox.video) ?? (native.map(CreativeDetailsBox.native)) }
    }

    /// Set for a native creative only.
    public var native: NativeCreative? {
        get { if case .native(let native) = details { native } else { nil } }
        set { details = newValue.map(CreativeDetailsBox.native) ?? (video.map(CreativeDetailsBox.video)) }
    }

    /// A video creative. Its nominal size is its first media file's.
    public static func video(id: CreativeID, _ video: VideoCreative, clickURL: String, advertiserDomains: [String] = []) -> Creative {
        let first = video.mediaFiles.first
        var creative = Creative(
            id: id, size: AdSize(clampingWidth: first?.width ?? 1, height: first?.height ?? 1),
            imageURL: "", clickURL: clickURL, advertiserDomains: advertiserDomains)
        creative.video = video
        return creative
    }

    /// A native creative. Its nominal size and image are its main image's.
    public static func native(id: CreativeID, _ native: NativeCreative, clickURL: String, advertiserDomains: [String] = []) -> Creative {
        var creative = Creative(
            id: id, size: AdSize(clampingWidth: native.imageWidth, height: native.imageHeight),
            imageURL: native.imageURL, clickURL: clickURL, advertiserDomains: advertiserDomains)
        creative.native = native
        return creative
    }

    /// Which of the three formats this creative is.
    public var format: CreativeFormat {
        switch details {
        case nil: .banner
        case .video?: .video
        case .native?: .native
        }
    }
}
