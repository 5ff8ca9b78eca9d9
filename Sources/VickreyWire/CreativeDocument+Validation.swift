import VickreyCore

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
