import VickreyCore

/// Writes the inline VAST 4.2 document of a video ad (`docs/formats.md` shows one): it
/// validates against IAB Tech Lab's VAST 4.2 schema. Every URL the player fetches is a
/// signed beacon of its own kind: `Impression` (the first frame, MRC's video impression),
/// `Error`, the `start` … `complete` tracking events, `VideoClicks/ClickThrough` (the
/// signed click, redirecting to the advertiser) and `ViewableImpression/Viewable`.
public enum VASTDocument {
    public static let version = "4.2"

    /// The VAST tracking event name of each video beacon.
    static let trackingEvents: [(event: String, kind: BeaconKind)] = [
        ("start", .start), ("firstQuartile", .firstQuartile), ("midpoint", .midpoint), ("thirdQuartile", .thirdQuartile),
        ("complete", .complete),
    ]

    /// The document for `creative` (a video creative) sold as `impressionID`, listing the
    /// media files `files` (the player's playable ones; all of the creative's when empty).
    public static func write(
        _ creative: Creative, video: VideoCreative, files: [MediaFile], win: Win, impressionID: String, beacons: BeaconURLs
    ) -> String {
        let x = HTMLText.escape
        var out = "<VAST version=\"\(version)\" xmlns=\"http://www.iab.com/VAST\">"
        out += "<Ad id=\"\(x(impressionID))\"><InLine>"
        out += "<AdSystem version=\"1\">Vickrey</AdSystem>"
        out += "<Error>\(x(beacons.errorURL))</Error>"
        out += "<Impression id=\"vickrey\">\(x(beacons.impressionURL))</Impression>"
        out += "<ViewableImpression id=\"vickrey\"><Viewable>\(x(beacons.viewableURL))</Viewable></ViewableImpression>"
        out += "<AdServingId>\(x(impressionID))</AdServingId>"
        out += "<AdTitle>\(x(win.campaignID.rawValue))</AdTitle>"
        out += "<Advertiser>\(x(win.advertiserID.rawValue))</Advertiser>"
        out += "<Creatives><Creative id=\"\(x(creative.id.rawValue))\" adId=\"\(x(creative.id.rawValue))\">"
        out += video.skipAfterSeconds.map { "<Linear skipoffset=\"\(clock($0))\">" } ?? "<Linear>"
        out += "<TrackingEvents>"
        for (event, kind) in trackingEvents { out += "<Tracking event=\"\(event)\">\(x(beacons.url(kind)))</Tracking>" }
        out += "</TrackingEvents>"
        out += "<Duration>\(clock(video.durationSeconds))</Duration><MediaFiles>"
        for file in files.isEmpty ? video.mediaFiles : files {
            out +=
                "<MediaFile delivery=\"progressive\" type=\"\(x(file.mime))\" width=\"\(file.width)\" height=\"\(file.height)\" "
                + "bitrate=\"\(file.bitrateKbps)\">\(x(file.url))</MediaFile>"
        }
        out += "</MediaFiles><VideoClicks><ClickThrough id=\"vickrey\">\(x(beacons.clickURL))</ClickThrough></VideoClicks></Linear>"
        out += "<UniversalAdId idRegistry=\"unknown\">unknown</UniversalAdId></Creative></Creatives>"
        out += "</InLine></Ad></VAST>"
        return out
    }

    /// Seconds as VAST's `HH:MM:SS`.
    static func clock(_ seconds: Int) -> String {
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(two(seconds / 3600)):\(two(seconds / 60 % 60)):\(two(seconds % 60))"
    }
}
