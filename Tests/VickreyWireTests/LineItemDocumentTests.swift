import Foundation
import Testing
import VickreyCore
import VickreyWire

@Suite("Campaign JSON: line-item fields")
struct LineItemDocumentTests {
    /// A standard line item: 2,000,000 impressions by the end, at a 4.00 CPM.
    static let standard = #"""
        {"id": "li-1", "advertiser_id": "acme", "pricing": "cpm", "bid_micros": 4000000, "total_budget_micros": 900000000000,
         "start": "2026-12-01T00:00:00Z", "end": "2026-12-31T00:00:00Z",
         "delivery": {"type": "standard", "goal": {"impressions": 2000000}, "rate_micros": 4000000, "pace": "even"},
         "exclusion_labels": ["auto", "auto", "premium"], "roadblock": "all",
         "creatives": [{"id": "cr-1", "size": "300x250", "image_url": "https://cdn.example/a.png", "click_url": "https://acme.example"}]}
        """#

    static func decode(_ text: String) -> Result<Campaign, FieldError> { CampaignDocument.parseCampaign(Data(text.utf8)) }

    @Test func aStandardLineItemDecodesWithItsGoalCapAndRoundTripsByteForByte() throws {
        let campaign = try Self.decode(Self.standard).get()
        #expect(campaign.lineItem.delivery == .standard(goal: 2_000_000, pace: .even))
        #expect(campaign.lineItem.rate == Micros(4_000_000))
        #expect(campaign.lineItem.exclusionLabels == ["auto", "premium"])
        #expect(campaign.lineItem.roadblock)
        // The goal at the rate, 2,000,000 × 4,000,000 nanos, is below the total budget: it is the cap.
        #expect(campaign.spendCap == Nanos(8_000_000_000_000))
        let exported = try CampaignDocument.json(campaign)
        let text = String(decoding: exported, as: UTF8.self)
        #expect(
            text.contains(
                #""delivery":{"goal":{"impressions":2000000},"pace":"even","rate_micros":4000000,"type":"standard"}"#))
        #expect(text.contains(#""exclusion_labels":["auto","premium"]"#))
        #expect(text.contains(#""roadblock":"all""#))
        #expect(try CampaignDocument.parseCampaign(exported).get() == campaign)
        #expect(try CampaignDocument.json(try CampaignDocument.parseCampaign(exported).get()) == exported)
    }

    @Test func aCampaignWithoutDeliveryExportsWithoutAnyLineItemField() throws {
        let plain = Self.standard
            .replacingOccurrences(
                of: #""delivery": {"type": "standard", "goal": {"impressions": 2000000}, "rate_micros": 4000000, "pace": "even"},"#,
                with: ""
            )
            .replacingOccurrences(of: #""exclusion_labels": ["auto", "auto", "premium"], "roadblock": "all","#, with: "")
        let campaign = try Self.decode(plain).get()
        #expect(campaign.lineItem == .pricePriority)
        let text = String(decoding: try CampaignDocument.json(campaign), as: UTF8.self)
        for field in ["delivery", "exclusion_labels", "roadblock"] { #expect(!text.contains(field)) }
        // An explicit price_priority is the same campaign, exported the same way.
        let explicit = plain.replacingOccurrences(of: #""pricing""#, with: #""delivery": {"type": "price_priority"}, "pricing""#)
        #expect(try Self.decode(explicit).get() == campaign)
    }

    @Test(
        arguments: [
            (#""type": "standard""#, #""type": "guaranteed""#, "delivery.type"),
            (#""goal": {"impressions": 2000000}"#, #""goal": {}"#, "delivery.goal.impressions"),
            (#""goal": {"impressions": 2000000}"#, #""goal": {"impressions": 0}"#, "delivery.goal.impressions"),
            (#""goal": {"impressions": 2000000}"#, #""goal": {"impressions": 2000000, "share_percent": 5}"#, "delivery.goal.share_percent"),
            (#""goal": {"impressions": 2000000}"#, #""goal": {"impressions": "lots"}"#, "delivery.goal.impressions"),
            (#""rate_micros": 4000000, "#, "", "delivery.rate_micros"),
            (#""rate_micros": 4000000"#, #""rate_micros": -1"#, "delivery.rate_micros"),
            (#""pace": "even""#, #""pace": "steady""#, "delivery.pace"),
            (#""bid_micros": 4000000"#, #""bid_micros": 5000000"#, "bid_micros"),
            (#""pricing": "cpm""#, #""pricing": "cpc", "predicted_ctr": 0.01"#, "pricing"),
            (#""end": "2026-12-31T00:00:00Z""#, #""end": null"#, "end"),
            (#""start": "2026-12-01T00:00:00Z""#, #""start": null"#, "start"),
            (#""roadblock": "all""#, #""roadblock": "some""#, "roadblock"),
            (#"["auto", "auto", "premium"]"#, #"["auto", "no spaces"]"#, "exclusion_labels[1]"),
            (#""delivery": {"#, #""delivery": 7, "x": {"#, "delivery"),
        ] as [(String, String, String)])
    func aBadLineItemIsRefusedNamingTheField(original: String, replacement: String, field: String) {
        let line = Self.standard.replacingOccurrences(of: original, with: replacement)
        #expect(line != Self.standard)
        guard case .failure(let error) = Self.decode(line) else {
            Issue.record("accepted: \(line)")
            return
        }
        #expect(error.field == field, "\(error)")
    }

    @Test(
        arguments: [
            (#"{"type": "sponsorship", "rate_micros": 4000000}"#, "delivery.goal.share_percent"),
            (#"{"type": "sponsorship", "goal": {"share_percent": 101}, "rate_micros": 4000000}"#, "delivery.goal.share_percent"),
            (#"{"type": "sponsorship", "goal": {"share_percent": 40}, "rate_micros": 4000000, "pace": "even"}"#, "delivery.pace"),
            (#"{"type": "house", "rate_micros": 4000000}"#, "delivery.rate_micros"),
            (#"{"type": "house", "goal": {"impressions": 5}}"#, "delivery.goal.impressions"),
            (#"{"type": "price_priority", "goal": {}}"#, "delivery.goal"),
        ] as [(String, String)])
    func otherTypesRefuseWhatDoesNotApply(delivery: String, field: String) {
        let line = Self.standard.replacingOccurrences(
            of: #"{"type": "standard", "goal": {"impressions": 2000000}, "rate_micros": 4000000, "pace": "even"}"#, with: delivery)
        guard case .failure(let error) = Self.decode(line) else {
            Issue.record("accepted: \(delivery)")
            return
        }
        #expect(error.field == field, "\(error)")
    }

    @Test func sponsorshipAndHouseRoundTrip() throws {
        for delivery in [
            #"{"type": "sponsorship", "goal": {"share_percent": 40}, "rate_micros": 4000000}"#, #"{"type": "house"}"#,
        ] {
            var line = Self.standard.replacingOccurrences(
                of: #"{"type": "standard", "goal": {"impressions": 2000000}, "rate_micros": 4000000, "pace": "even"}"#, with: delivery)
            if delivery.contains("house") { line = line.replacingOccurrences(of: #""roadblock": "all","#, with: "") }
            let campaign = try Self.decode(line).get()
            #expect(try CampaignDocument.parseCampaign(try CampaignDocument.json(campaign)).get() == campaign)
            #expect(LineItemFields.terms(column: LineItemFields.column(campaign.lineItem)) == campaign.lineItem)
        }
    }
}
