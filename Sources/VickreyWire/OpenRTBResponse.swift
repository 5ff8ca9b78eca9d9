import VickreyCore

/// Writes an OpenRTB 2.6 BidResponse: one seat bid holding one bid per won impression.
public enum OpenRTBResponse {
    /// One won impression.
    public struct Bid: Sendable {
        /// Unique id of this bid (the impression id its beacon token carries).
        public var id: String
        public var impressionID: String
        public var win: Win
        /// The signed impression URL, sent as both `nurl` (win notice) and `burl` (billing
        /// notice); a replayed notice is counted once.
        public var impressionURL: String
        public var clickURL: String
        /// The signed viewable URL the markup's script fires (`ViewabilityScript`).
        public var viewableURL: String
        /// The bid's `price`: the clearing eCPM in the answer's currency (the account's unless converted).
        public var price: Micros

        public init(
            id: String, impressionID: String, win: Win, impressionURL: String, clickURL: String, viewableURL: String, price: Micros? = nil
        ) {
            self.viewableURL = viewableURL
            self.price = price ?? win.clearingECPM
            self.id = id
            self.impressionID = impressionID
            self.win = win
            self.impressionURL = impressionURL
            self.clickURL = clickURL
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
            w.field("adm", markup(creative, bid: bid))
            w.key("adomain")
            w.stringArray(creative.advertiserDomains)
            w.field("crid", creative.id.rawValue)
            w.field("cid", bid.win.campaignID.rawValue)
            w.field("w", creative.size.width)
            w.field("h", creative.size.height)
            if let deal = bid.win.dealID { w.field("dealid", deal) }
            w.field("mtype", 1)
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
