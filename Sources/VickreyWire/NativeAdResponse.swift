import VickreyCore

/// Writes the `POST /v1/ads` response body in the contract's shape.
public enum NativeAdResponse {
    /// The beacon URLs of one filled placement.
    public struct Beacons: Sendable {
        public var impressionURL: String
        public var clickURL: String
        /// Fired by the page or app once the ad meets the MRC viewability rule.
        public var viewableURL: String
        public init(impressionURL: String, clickURL: String, viewableURL: String) {
            self.impressionURL = impressionURL
            self.clickURL = clickURL
            self.viewableURL = viewableURL
        }
    }

    /// `beacons[i]` belongs to `outcome.wins[i]`.
    public static func write(_ outcome: AuctionOutcome, beacons: [Beacons]) -> [UInt8] {
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

    private static func writeAd(_ win: Win, _ beacons: Beacons, into w: inout JSONWriter) {
        w.beginObject()
        w.field("placement_id", win.placementID.rawValue)
        w.field("campaign_id", win.campaignID.rawValue)
        w.field("advertiser_id", win.advertiserID.rawValue)
        w.key("creative")
        w.beginObject()
        w.field("id", win.creative.id.rawValue)
        w.field("size", win.creative.size.description)
        w.field("image_url", win.creative.imageURL)
        w.field("click_url", win.creative.clickURL)
        w.key("adomain")
        w.stringArray(win.creative.advertiserDomains)
        w.endObject()
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
