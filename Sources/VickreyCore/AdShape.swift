/// What a placement accepts: banners of some sizes, a video, native assets, or several of
/// these (an OpenRTB multi-format imp). A campaign can fill it when one of its creatives
/// fits one of them; the first such creative, in the campaign's order, is served.
public struct AdShape: Hashable, Sendable {
    /// Accepted banner sizes (empty: any size); nil: no banner.
    public var banner: [AdSize]?
    /// The video and native slots, stored out of line: a banner placement (most of them,
    /// copied through every auction) stays as small as before formats existed.
    private var slots: Slots?

    private indirect enum Slots: Hashable, Sendable {
        case slots(video: VideoSlot?, native: NativeSlot?)
    }

    public var video: VideoSlot? {
        get { if case .slots(let video, _) = slots { video } else { nil } }
        set { slots = Self.box(video: newValue, native: native) }
    }

    public var native: NativeSlot? {
        get { if case .slots(_, let native) = slots { native } else { nil } }
        set { slots = Self.box(video: video, native: newValue) }
    }

    private static func box(video: VideoSlot?, native: NativeSlot?) -> Slots? {
        video == nil && native == nil ? nil : .slots(video: video, native: native)
    }

    public init(banner: [AdSize]? = [], video: VideoSlot? = nil, native: NativeSlot? = nil) {
        self.banner = banner
        self.slots = Self.box(video: video, native: native)
    }

    /// A banner-only placement accepting `sizes` (empty: any).
    public static func banner(_ sizes: [AdSize]) -> AdShape { AdShape(banner: sizes) }

    /// Whether only banners are accepted (the index's size postings then decide exactly).
    public var isBannerOnly: Bool { slots == nil }

    /// Whether `creative` fits: a banner of an accepted size, a video the video slot takes,
    /// native assets that fill every required asset.
    public func fits(_ creative: Creative) -> Bool {
        if let video = creative.video {
            guard let slot = self.video else { return false }
            return slot.refusal(video) == nil
        }
        if let native = creative.native {
            guard let slot = self.native else { return false }
            return slot.refusal(native) == nil
        }
        guard let banner else { return false }
        return banner.isEmpty || banner.contains(creative.size)
    }

    /// Why no creative of `creatives` fits, for explanations: the video or native slot's
    /// reason for the first creative of that format, else a size mismatch.
    public func refusal(_ creatives: [Creative]) -> String {
        for creative in creatives {
            if let video = creative.video, let slot = self.video, let reason = slot.refusal(video) { return "video: \(reason)" }
            if let native = creative.native, let slot = self.native, let reason = slot.refusal(native) { return "native: \(reason)" }
        }
        return "no creative the placement accepts (format or size)"
    }
}

/// An OpenRTB `imp.video` (or a native-endpoint video placement), reduced to the rules a
/// video creative must meet. Every rule is documented in `docs/formats.md`.
public struct VideoSlot: Hashable, Sendable {
    /// VAST versions the inline VAST we write satisfies (OpenRTB `protocols`: 2 VAST 2.0,
    /// 3 VAST 3.0, 7 VAST 4.0, 11 VAST 4.1, 13 VAST 4.2).
    public static let writtenProtocols: Set<Int> = [2, 3, 7, 11, 13]

    /// Accepted mime types (empty: any).
    public var mimes: [String]
    public var minimumDuration: Int?
    public var maximumDuration: Int?
    /// nil: not sent (any).
    public var protocols: [Int]?
    /// OpenRTB `skip`: 1 the player allows skippable ads, 0 it does not; nil unknown.
    public var skip: Bool?
    /// OpenRTB `skipmin`: only videos longer than this may be skippable.
    public var skipMinimum: Int?
    public var minimumBitrate: Int?
    public var maximumBitrate: Int?
    /// `battr` contains 16 (skippable): no skippable creative.
    public var blocksSkippable: Bool
    /// The player's size, when sent: the bid reports the media file closest to it.
    public var width: Int?
    public var height: Int?

    public init(
        mimes: [String] = [], minimumDuration: Int? = nil, maximumDuration: Int? = nil, protocols: [Int]? = nil, skip: Bool? = nil,
        skipMinimum: Int? = nil, minimumBitrate: Int? = nil, maximumBitrate: Int? = nil, blocksSkippable: Bool = false,
        width: Int? = nil, height: Int? = nil
    ) {
        self.mimes = mimes
        self.minimumDuration = minimumDuration
        self.maximumDuration = maximumDuration
        self.protocols = protocols
        self.skip = skip
        self.skipMinimum = skipMinimum
        self.minimumBitrate = minimumBitrate
        self.maximumBitrate = maximumBitrate
        self.blocksSkippable = blocksSkippable
        self.width = width
        self.height = height
    }

    /// Nil when `video` fits, else the first rule it breaks.
    public func refusal(_ video: VideoCreative) -> String? {
        if let protocols, !protocols.contains(where: Self.writtenProtocols.contains) {
            return "protocols \(protocols) include no VAST version we write (2, 3, 7, 11, 13)"
        }
        if let minimumDuration, video.durationSeconds < minimumDuration {
            return "duration \(video.durationSeconds) s below minduration \(minimumDuration)"
        }
        if let maximumDuration, maximumDuration > 0, video.durationSeconds > maximumDuration {
            return "duration \(video.durationSeconds) s above maxduration \(maximumDuration)"
        }
        if video.isSkippable {
            if skip == false { return "skippable creative, the player allows no skipping (skip 0)" }
            if blocksSkippable { return "skippable creative blocked by battr 16" }
            if let skipMinimum, video.durationSeconds <= skipMinimum {
                return "skippable creative of \(video.durationSeconds) s, skipmin \(skipMinimum)"
            }
        }
        if playableFiles(video).isEmpty {
            return "no media file of an accepted mime (\(mimes.joined(separator: ", "))) and bitrate"
        }
        return nil
    }

    /// The media files the player can play: an accepted mime and a bitrate in range.
    public func playableFiles(_ video: VideoCreative) -> [MediaFile] {
        video.mediaFiles.filter { file in
            (mimes.isEmpty || mimes.contains { $0.lowercased() == file.mime.lowercased() })
                && (minimumBitrate.map { $0 == 0 || file.bitrateKbps >= $0 } ?? true)
                && (maximumBitrate.map { $0 == 0 || file.bitrateKbps <= $0 } ?? true)
        }
    }

    /// The playable file closest in area to the player's size (the first playable file
    /// when the size is not sent): the bid's `w`/`h`.
    public func bestFile(_ video: VideoCreative) -> MediaFile? {
        let files = playableFiles(video)
        guard let width, let height, width > 0, height > 0 else { return files.first }
        return files.min { abs($0.width * $0.height - width * height) < abs($1.width * $1.height - width * height) }
    }
}
