import VickreyCore

/// Writes an OpenRTB 2.6 BidResponse: one seat bid holding one bid per won impression.
public enum OpenRTBResponse {
    /// One won impression.
    public struct Bid: Sendable {
        /// Unique id of this bid (the impression id its beacon token carries).
        public var id: String
        public var impressionID: String
        public var win: Win
        /// The ad's signed beacon URLs. The impression URL is sent as both `nurl` (win
        /// notice) and `burl` (billing notice); a replayed notice is counted once.
        public var beacons: BeaconURLs
        /// What the imp accepted: the video slot chooses the media files listed and the
        /// bid's `w`/`h`, the native slot the assets written (by the request's asset ids).
        public var shape: AdShape
        /// The bid's `price`: the clearing eCPM in the answer's currency (the account's unless converted).
        public var price: Micros

        public init(id: String, impressionID: String, win: Win, beacons: BeaconURLs, shape: AdShape, price: Micros? = nil) {
            self.price = price ?? win.clearingECPM
            self.id = id
            self.impressionID = impressionID
            self.win = win
            self.beacons = beacons
            self.shape = shape
        }

        var impressionURL: String { beacons.impressionURL }
        var clickURL: String { beacons.clickURL }
        var viewableURL: String { beacons.viewableURL }
    }

    /// OpenRTB 2.6 `mtype`: 1 banner, 2 video, 4 native.
    static func markupType(_ format: CreativeFormat) -> Int {
        switch format {
        case .banner: 1
        case .video: 2
        case .native: 4
        }
    }

    public static func write(requestID: String, bids: [Bid], currency: String, seat: String) -> [UInt8] {
        var w = JSONWriter(capacity: 256 + 768 * bids.count)
        w.beginObject()
        w.field("id", requestID)
        w.field("cur", currency)
        w.key("seatbid")
        w.beginArray()
        w.beginObject()
        w.field("seat", seat)
        w.key("bid")
        w.beginArray()
        for bid in bids {
            let creative = bid.win.creative
            w.beginObject()
            w.field("id", bid.id)
            w.field("impid", bid.impressionID)
            w.key("price")
            w.currency(bid.price.value)
            var size: AdSize? = creative.size
            if let video = creative.video {
                let file = bid.shape.video?.bestFile(video) ?? video.mediaFiles.first
                w.field(
                    "adm",
                    VASTDocument.write(
                        creative, video: video, files: bid.shape.video?.playableFiles(video) ?? [], win: bid.win,
                        impressionID: bid.id, beacons: bid.beacons))
                size = file.flatMap { AdSize(width: $0.width, height: $0.height) }
            } else if let native = creative.native {
                w.field("adm", NativeMarkup.write(native, slot: bid.shape.native ?? NativeSlot(), beacons: bid.beacons))
                size = nil
            } else {
                w.field("adm", markup(creative, bid: bid))
            }
            w.key("adomain")
            w.stringArray(creative.advertiserDomains)
            w.field("crid", creative.id.rawValue)
            w.field("cid", bid.win.campaignID.rawValue)
            if let size {
                w.field("w", size.width)
                w.field("h", size.height)
            }
            if let deal = bid.win.dealID { w.field("dealid", deal) }
            // OpenRTB creative attribute 16: the creative is itself skippable.
            if creative.video?.isSkippable == true {
                w.key("attr")
                w.array { $0.integer(16) }
            }
            w.field("mtype", markupType(creative.format))
            w.field("nurl", bid.impressionURL)
            w.field("burl", bid.impressionURL)
            w.endObject()
        }
        w.endArray()
        w.endObject()
        w.endArray()
        w.endObject()
        return w.bytes
    }

    /// Banner markup, self-contained: the image linked through the signed click URL, the
    /// impression pixel (fetched as the ad begins to render), and the script that fires the
    /// viewable URL by the MRC rule. No external resource but the creative's own image.
    static func markup(_ creative: Creative, bid: Bid) -> String {
        let id = "vickrey-\(bid.id)"
        let size = "width=\"\(creative.size.width)\" height=\"\(creative.size.height)\""
        return
            "<div id=\"\(id)\" style=\"display:inline-block;position:relative;width:\(creative.size.width)px;height:\(creative.size.height)px\">"
            + "<a href=\"\(HTMLText.escape(bid.clickURL))\" target=\"_blank\" rel=\"noopener\"><img src=\"\(HTMLText.escape(creative.imageURL))\" \(size) alt=\"\" border=\"0\"></a>"
            + "<img src=\"\(HTMLText.escape(bid.impressionURL))\" width=\"1\" height=\"1\" alt=\"\" style=\"position:absolute;left:0;top:0;opacity:0\"></div>"
            + ViewabilityScript.inline(elementID: id, viewableURL: bid.viewableURL)
    }
}
