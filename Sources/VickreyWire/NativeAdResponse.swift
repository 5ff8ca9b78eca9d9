import VickreyCore

/// Writes the `POST /v1/ads` response body in the contract's shape.
public enum NativeAdResponse {
    /// The impression id and beacon URLs of one filled placement.
    public struct SoldBeacons: Sendable {
        public var impressionID: String
        public var urls: BeaconURLs
        public init(impressionID: String, urls: BeaconURLs) {
            self.impressionID = impressionID
            self.urls = urls
        }
    }

    /// `beacons[i]` belongs to `outcome.wins[i]`.
    public static func write(_ outcome: AuctionOutcome, beacons: [SoldBeacons]) -> [UInt8] {
        var w = JSONWriter(capacity: 256 + 512 * outcome.placements.count)
        w.beginObject()
        w.field("request_id", outcome.requestID)
        w.key("ads")
        w.beginArray()
        var winIndex = 0
        var unfilled: [String] = []
        for placement in outcome.placements {
            guard case .filled(let win) = placement.result else {
                unfilled.append(placement.placementID.rawValue)
                continue
            }
            writeAd(win, beacons[winIndex], into: &w)
            winIndex += 1
        }
        w.endArray()
        w.key("unfilled")
        w.stringArray(unfilled)
        if let explanation = outcome.explanation {
            w.key("debug")
            AuctionExplanationJSON.write(explanation, into: &w)
        }
        w.endObject()
        return w.bytes
    }

    /// A banner's creative is `{id, size, image_url, click_url, adomain}` as before formats
    /// existed; a video's adds `format` and the ad carries `vast` (the inline VAST, every
    /// tracking URL signed); a native creative's adds `format` and the ad carries `native`
    /// (its assets; the trackers are the ad's own impression, click and viewable URLs).
    private static func writeAd(_ win: Win, _ sold: SoldBeacons, into w: inout JSONWriter) {
        let beacons = sold.urls
        let creative = win.creative
        w.beginObject()
        w.field("placement_id", win.placementID.rawValue)
        w.field("campaign_id", win.campaignID.rawValue)
        w.field("advertiser_id", win.advertiserID.rawValue)
        w.key("creative")
        w.beginObject()
        w.field("id", creative.id.rawValue)
        if creative.format == .banner {
            w.field("size", creative.size.description)
            w.field("image_url", creative.imageURL)
        } else {
            w.field("format", creative.format.rawValue)
        }
        w.field("click_url", creative.clickURL)
        w.key("adomain")
        w.stringArray(creative.advertiserDomains)
        w.endObject()
        if let video = creative.video {
            w.field("format", "video")
            w.field(
                "vast", VASTDocument.write(creative, video: video, files: [], win: win, impressionID: sold.impressionID, beacons: beacons))
        } else if let native = creative.native {
            w.field("format", "native")
            w.key("native")
            w.object { n in
                n.field("title", native.title)
                n.field("description", native.description)
                n.field("image_url", native.imageURL)
                n.field("image_width", native.imageWidth)
                n.field("image_height", native.imageHeight)
                n.field("icon_url", native.iconURL)
                n.field("call_to_action", native.callToAction)
                n.field("sponsored_by", native.sponsoredBy)
            }
        }
        w.field("pricing", win.pricing.rawValue)
        w.field("clearing_ecpm_micros", win.clearingECPM.value)
        w.field("price_micros", win.price.value)
        if let deal = win.dealID { w.field("deal_id", deal) }
        w.field("impression_url", beacons.impressionURL)
        w.field("click_url", beacons.clickURL)
        w.field("viewable_url", beacons.viewableURL)
        w.endObject()
    }
}
