import VickreyCore

/// Writes the OpenRTB Native 1.2 response (the bid's `adm`): each asset the request asked
/// for that the creative fills, under the request's own asset id; `link.url` the signed
/// click; `eventtrackers` the signed impression (event 1) and viewable (event 2, MRC 50%)
/// trackers, both image pixels (method 1); `imptrackers` the impression again for players
/// that predate event trackers.
public enum NativeMarkup {
    /// Native 1.2 event types and methods.
    static let impressionEvent = 1
    static let viewableEvent = 2
    static let imagePixel = 1

    public static func write(_ native: NativeCreative, slot: NativeSlot, beacons: BeaconURLs) -> String {
        var w = JSONWriter(capacity: 1024)
        w.beginObject()
        w.field("ver", "1.2")
        w.key("assets")
        w.beginArray()
        for asset in slot.assets {
            guard let value = native.fill(asset.kind) else { continue }
            w.beginObject()
            w.field("id", asset.id)
            if asset.isRequired { w.field("required", 1) }
            switch value {
            case .title(let text):
                w.key("title")
                w.object { $0.field("text", text) }
            case .image(let url, let width, let height):
                w.key("img")
                w.object { img in
                    img.field("url", url)
                    if let width { img.field("w", width) }
                    if let height { img.field("h", height) }
                }
            case .data(let text):
                w.key("data")
                w.object { $0.field("value", text) }
            }
            w.endObject()
        }
        w.endArray()
        w.key("link")
        w.object { $0.field("url", beacons.clickURL) }
        w.key("imptrackers")
        w.stringArray([beacons.impressionURL])
        w.key("eventtrackers")
        w.array { trackers in
            for (event, url) in [(impressionEvent, beacons.impressionURL), (viewableEvent, beacons.viewableURL)] {
                trackers.object { tracker in
                    tracker.field("event", event)
                    tracker.field("method", imagePixel)
                    tracker.field("url", url)
                }
            }
        }
        w.endObject()
        return String(decoding: w.bytes, as: UTF8.self)
    }
}
