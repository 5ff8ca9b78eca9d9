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
        /// The bid's `price`: the clearing eCPM in the answer's currency (the account's unless converted).
        public var price: Micros

        public init(id: String, impressionID: String, win: Win, impressionURL: String, clickURL: String, price: Micros? = nil) {
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
        w.raw("{\"id\":")
        w.string(requestID)
        w.raw(",\"cur\":")
        w.string(currency)
        w.raw(",\"seatbid\":[{\"seat\":")
        w.string(seat)
        w.raw(",\"bid\":[")
        for (index, bid) in bids.enumerated() {
            if index > 0 { w.comma() }
            let creative = bid.win.creative
            w.raw("{\"id\":")
            w.string(bid.id)
            w.raw(",\"impid\":")
            w.string(bid.impressionID)
            w.raw(",\"price\":")
            w.currency(bid.price.value)
            w.raw(",\"adm\":")
            w.string(markup(creative, clickURL: bid.clickURL))
            w.raw(",\"adomain\":")
            w.stringArray(creative.advertiserDomains)
            w.raw(",\"crid\":")
            w.string(creative.id.rawValue)
            w.raw(",\"cid\":")
            w.string(bid.win.campaignID.rawValue)
            w.raw(",\"w\":")
            w.integer(creative.size.width)
            w.raw(",\"h\":")
            w.integer(creative.size.height)
            if let deal = bid.win.dealID {
                w.raw(",\"dealid\":")
                w.string(deal)
            }
            w.raw(",\"mtype\":1,\"nurl\":")
            w.string(bid.impressionURL)
            w.raw(",\"burl\":")
            w.string(bid.impressionURL)
            w.raw("}")
        }
        w.raw("]}]}")
        return w.bytes
    }

    /// Banner markup: the image, linked through the signed click URL.
    static func markup(_ creative: Creative, clickURL: String) -> String {
        "<a href=\"\(HTMLText.escape(clickURL))\" target=\"_blank\" rel=\"noopener\"><img src=\"\(HTMLText.escape(creative.imageURL))\" width=\"\(creative.size.width)\" height=\"\(creative.size.height)\" alt=\"\" border=\"0\"></a>"
    }
}
