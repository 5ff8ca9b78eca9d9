import VickreyCore

/// Creative previews on a campaign's page: a banner's image at its size, a video's player
/// (its first media file, loaded only when played), a native ad's assets laid out as a
/// card. Only `https://` assets are loaded (the console's Content-Security-Policy allows
/// images and media from `https:` and nothing else from outside), without a referrer, so
/// the creative's host learns nothing of the console; any other URL is named, not loaded.
extension ConsoleHTML {
    static func creativePreviews(_ creatives: [Creative]) -> String {
        guard !creatives.isEmpty else { return #"<p class="muted">No creatives: this campaign cannot serve.</p>"# }
        return #"<div class="previews">"# + creatives.map(preview).joined() + "</div>"
    }

    static func preview(_ creative: Creative) -> String {
        let id = escape(creative.id.rawValue)
        var html = #"<figure class="preview" id="preview-\#(id)">"#
        switch creative.format {
        case .banner:
            html += image(creative.imageURL, width: creative.size.width, height: creative.size.height, alt: "banner \(creative.id)")
        case .video:
            if let video = creative.video, let file = video.mediaFiles.first {
                html +=
                    isLoadable(file.url)
                    ? #"<video controls preload="none" width="\#(file.width)" height="\#(file.height)" src="\#(escape(file.url))"></video>"#
                    : notLoaded(file.url)
                let skip = video.skipAfterSeconds.map { ", skippable after \($0) s" } ?? ", not skippable"
                html +=
                    #"<p class="muted">\#(video.durationSeconds) s\#(skip); \#(video.mediaFiles.count) media file(s): \#(video.mediaFiles.map { "\(escape($0.mime)) \($0.width)x\($0.height) \($0.bitrateKbps) kbps" }.joined(separator: "; "))</p>"#
            }
        case .native:
            if let native = creative.native {
                if let icon = native.iconURL { html += image(icon, width: 40, height: 40, alt: "icon") }
                html += image(native.imageURL, width: native.imageWidth, height: native.imageHeight, alt: "native image \(creative.id)")
                html += #"<p class="native-title">\#(escape(native.title))</p>"#
                if let description = native.description { html += "<p>\(escape(description))</p>" }
                let footer = [native.sponsoredBy.map { "Sponsored by \($0)" }, native.callToAction].compactMap { $0 }
                if !footer.isEmpty { html += #"<p class="muted">\#(escape(footer.joined(separator: " · ")))</p>"# }
            }
        }
        html += """
            <figcaption><code>\(id)</code> \(creative.format.rawValue) \(creative.size)<br>\
            click: <a href="\(escape(creative.clickURL))" rel="noopener noreferrer" target="_blank">\(escape(String(creative.clickURL.prefix(80))))</a>\
            \(creative.advertiserDomains.isEmpty ? "" : "<br>adomain: \(escape(creative.advertiserDomains.joined(separator: ", ")))")</figcaption></figure>
            """
        return html
    }

    static func isLoadable(_ url: String) -> Bool { url.lowercased().hasPrefix("https://") }

    private static func image(_ url: String, width: Int, height: Int, alt: String) -> String {
        guard isLoadable(url) else { return notLoaded(url) }
        return
            #"<img src="\#(escape(url))" width="\#(width)" height="\#(height)" alt="\#(escape(alt))" loading="lazy" referrerpolicy="no-referrer">"#
    }

    private static func notLoaded(_ url: String) -> String {
        #"<p class="muted">Not previewed (only https:// assets are loaded here): \#(escape(String(url.prefix(120))))</p>"#
    }
}
