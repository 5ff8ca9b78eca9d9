import Foundation
import Testing
import VickreyCore
import VickreySynthetic
import VickreyWire

@Suite("Campaign JSON format")
struct CampaignDocumentTests {
    /// The example from the product contract's appendix.
    static let contractExample = #"""
        {"id": "summer-sale-1", "advertiser_id": "acme", "name": "Summer sale", "status": "active", "pricing": "cpm",
         "bid_micros": 2500000, "predicted_ctr": null, "daily_budget_micros": 50000000, "total_budget_micros": 500000000,
         "start": "2026-11-01T00:00:00Z", "end": null, "time_zone": "UTC", "pacing": "asap",
         "frequency_cap": {"impressions": 3, "window_seconds": 86400},
         "targeting": {"placements": ["home_feed"], "countries": ["US", "CA"], "devices": ["mobile", "tablet"],
           "os": ["ios", "android"], "keywords": ["recipes", "baking"], "hours_of_week": [0, 1, 2],
           "exclude": {"countries": ["FR"], "keywords": ["alcohol"]}},
         "creatives": [{"id": "cr-1", "size": "300x250", "image_url": "https://cdn.example/a.png",
           "click_url": "https://acme.example/sale", "adomain": ["acme.example"]}]}
        """#

    static func decode(_ text: String) -> Result<Campaign, FieldError> {
        CampaignDocument.decode(Data(text.utf8)).flatMap { $0.campaign() }
    }

    @Test func theContractExampleDecodesFieldByField() throws {
        let campaign = try Self.decode(Self.contractExample).get()
        #expect(campaign.id.rawValue == "summer-sale-1")
        #expect(campaign.advertiserID.rawValue == "acme")
        #expect(campaign.bid == Micros(2_500_000))
        #expect(campaign.dailyBudget == Micros(50_000_000))
        #expect(campaign.totalBudget == Micros(500_000_000))
        #expect(campaign.start == Instant(canonicalRFC3339: "2026-11-01T00:00:00Z"))
        #expect(campaign.end == nil)
        #expect(campaign.frequencyCap == FrequencyCap(impressions: 3, windowSeconds: 86_400))
        #expect(campaign.targeting.countries == [CountryCode("US")!, CountryCode("CA")!])
        #expect(campaign.targeting.exclude.keywords == [Keyword("alcohol")!])
        #expect(campaign.targeting.hoursOfWeek.sorted == [0, 1, 2])
        #expect(campaign.creatives.first?.advertiserDomains == ["acme.example"])
    }

    @Test func syntheticCampaignsRoundTripThroughTheDocument() throws {
        for campaign in SyntheticWorld(campaignCount: 500, seed: 3).campaigns {
            let line = try JSONEncoder().encode(CampaignDocument(campaign))
            #expect(try CampaignDocument.decode(line).flatMap { $0.campaign() }.get() == campaign)
        }
    }

    @Test(arguments: [("0.0125", 12_500), ("0.0000125", 13), ("0.0000124", 12), ("1", 1_000_000), ("2.5e-3", 2_500)] as [(String, Int64)])
    func predictedCTRIsReadFromTheNumbersDigits(text: String, ppm: Int64) throws {
        let line = Self.contractExample.replacingOccurrences(of: #""pricing": "cpm""#, with: #""pricing": "cpc""#)
            .replacingOccurrences(of: #""predicted_ctr": null"#, with: #""predicted_ctr": \#(text)"#)
        #expect(try Self.decode(line).get().predictedCTR?.partsPerMillion == ppm)
    }

    @Test(
        arguments: [
            (#""bid_micros": 2500000,"#, "", "bid_micros"),
            (#""bid_micros": 2500000"#, #""bid_micros": "2.50""#, "bid_micros"),
            (#""bid_micros": 2500000"#, #""bid_micros": 0"#, "bid_micros"),
            (#""countries": ["US", "CA"]"#, #""countries": ["US", "USA"]"#, "targeting.countries[1]"),
            (#""exclude": {"countries": ["FR"]"#, #""exclude": {"countries": [7]"#, "targeting.exclude.countries[0]"),
            (#""pricing": "cpm""#, #""pricing": "cpc""#, "predicted_ctr"),
            (#""predicted_ctr": null"#, #""predicted_ctr": 0.5"#, "predicted_ctr"),
            (#""pricing": "cpm""#, #""pricing": "cpa""#, "pricing"),
            (#""pricing": "cpm""#, #""pricing": "vcpm""#, "predicted_viewability"),
            (#""predicted_ctr": null"#, #""predicted_ctr": null, "predicted_viewability": 0.5"#, "predicted_viewability"),
            (#""pricing": "cpm""#, #""pricing": "vcpm", "predicted_viewability": 1.5"#, "predicted_viewability"),
            (#""status": "active""#, #""status": "running""#, "status"),
            (#""size": "300x250""#, #""size": "300by250""#, "creatives[0].size"),
            (#""image_url": "https://cdn.example/a.png""#, #""image_url": "ftp://cdn.example/a.png""#, "creatives[0].image_url"),
            (#""id": "cr-1""#, #""id": "cr 1""#, "creatives[0].id"),
            (#""time_zone": "UTC""#, #""time_zone": "Mars/Base""#, "time_zone"),
            (#""start": "2026-11-01T00:00:00Z""#, #""start": "yesterday""#, "start"),
            (#""end": null"#, #""end": "2026-10-01T00:00:00Z""#, "end"),
            (#""hours_of_week": [0, 1, 2]"#, #""hours_of_week": [0, 168]"#, "targeting.hours_of_week[1]"),
            (#""window_seconds": 86400"#, #""window_seconds": 0"#, "frequency_cap.window_seconds"),
            (#""devices": ["mobile", "tablet"]"#, #""devices": ["phone"]"#, "targeting.devices[0]"),
            (#""id": "summer-sale-1""#, #""id": "summer sale""#, "id"),
            (#""advertiser_id": "acme""#, #""advertiser_id": null"#, "advertiser_id"),
            (#""total_budget_micros": 500000000"#, #""total_budget_micros": -1"#, "total_budget_micros"),
            // A PostgreSQL text column cannot hold U+0000: names never carry control characters.
            (#""name": "Summer sale""#, #""name": "Summer\u0000sale""#, "name"),
            (#""name": "Summer sale""#, #""name": "Summer\nsale""#, "name"),
        ] as [(String, String, String)])
    func aBadFieldIsNamed(original: String, replacement: String, field: String) {
        let line = Self.contractExample.replacingOccurrences(of: original, with: replacement)
        #expect(line != Self.contractExample, "the test's substitution did not apply")
        guard case .failure(let error) = Self.decode(line) else {
            Issue.record("accepted a document with a bad \(field)")
            return
        }
        #expect(error.field == field)
    }

    /// A vCPM campaign keeps its viewability prior through the document; other campaigns
    /// export without the field, exactly as before it existed.
    @Test func aVCPMCampaignRoundTripsWithItsViewabilityPrior() throws {
        let line = Self.contractExample.replacingOccurrences(of: #""pricing": "cpm""#, with: #""pricing": "vcpm""#)
            .replacingOccurrences(of: #""predicted_ctr": null"#, with: #""predicted_ctr": null, "predicted_viewability": 0.65"#)
        let campaign = try Self.decode(line).get()
        #expect(campaign.pricing == .vcpm)
        #expect(campaign.predictedViewability == ClickThroughRate(partsPerMillion: 650_000))
        let written = String(decoding: try CampaignDocument.json(campaign), as: UTF8.self)
        #expect(written.contains(#""predicted_viewability":0.65"#))
        #expect(try Self.decode(written).get() == campaign)
        let plain = String(decoding: try CampaignDocument.json(try Self.decode(Self.contractExample).get()), as: UTF8.self)
        #expect(!plain.contains("viewability"))
    }

    /// A key given twice is refused, as the ad endpoints and the ledger reader refuse it,
    /// naming the key: no reader keeps the first copy while another keeps the last.
    @Test(
        arguments: [
            (#""bid_micros": 2500000"#, #""bid_micros": 2500000, "bid_micros": 9000000"#, "bid_micros"),
            (#""name": "Summer sale""#, #""name": "Summer sale", "name": "Other""#, "name"),
            (
                #""click_url": "https://acme.example/sale""#,
                #""click_url": "https://acme.example/sale", "click_url": "https://evil.example/""#,
                "creatives[0].click_url"
            ),
            (#""impressions": 3"#, #""impressions": 3, "impressions": 300"#, "frequency_cap.impressions"),
        ] as [(String, String, String)])
    func aRepeatedKeyIsRefusedAndNamed(original: String, replacement: String, field: String) {
        let line = Self.contractExample.replacingOccurrences(of: original, with: replacement)
        #expect(line != Self.contractExample, "the test's substitution did not apply")
        guard case .failure(let error) = Self.decode(line) else {
            Issue.record("accepted a document with \(field) twice")
            return
        }
        #expect(error.field == field)
        #expect(error.message.contains("appears twice"), "\(error.message)")
    }

    /// What the reader makes of each kind of type problem: the field's path and a message
    /// saying what was expected, or "is required" for a field left out (also inside nested
    /// objects and arrays), and "not valid JSON" with no field for broken syntax.
    @Test(
        arguments: [
            (#""window_seconds": 86400"#, #""refuse_anonymous": false"#, "frequency_cap.window_seconds", "is required"),
            (#""click_url": "https://acme.example/sale", "#, "", "creatives[0].click_url", "is required"),
            (#""pricing": "cpm""#, #""pricing": null"#, "pricing", "must not be null (expected a string)"),
            (#""bid_micros": 2500000"#, #""bid_micros": 2.5"#, "bid_micros", "expected an integer"),
            (#""bid_micros": 2500000"#, #""bid_micros": "2500000""#, "bid_micros", "expected an integer"),
            (#""predicted_ctr": null"#, #""predicted_ctr": "0.1""#, "predicted_ctr", "expected a number"),
            (#""impressions": 3"#, #""impressions": true"#, "frequency_cap.impressions", "expected an integer"),
            (#""hours_of_week": [0, 1, 2]"#, #""hours_of_week": [0, "1"]"#, "targeting.hours_of_week[1]", "expected an integer"),
            (#""exclude": {"countries": ["FR"]"#, #""exclude": {"countries": "FR""#, "targeting.exclude.countries", "expected an array"),
            (#""adomain": ["acme.example"]"#, #""adomain": {"a": 1}"#, "creatives[0].adomain", "expected an array"),
        ] as [(String, String, String, String)])
    func aTypeProblemIsNamedWithWhatWasExpected(original: String, replacement: String, field: String, message: String) {
        let line = Self.contractExample.replacingOccurrences(of: original, with: replacement)
        #expect(line != Self.contractExample, "the test's substitution did not apply")
        guard case .failure(let error) = CampaignDocument.decode(Data(line.utf8)) else {
            Issue.record("accepted a document with a bad \(field)")
            return
        }
        #expect(error == FieldError(field: field, message: message))
    }

    @Test(arguments: [#"{"id": "a""#, #"{"id": "a",}"#, "[1, 2]", "", contractExample + " {"])
    func brokenJSONIsNamedAsSuch(text: String) {
        guard case .failure(let error) = CampaignDocument.decode(Data(text.utf8)) else {
            Issue.record("accepted '\(text)'")
            return
        }
        #expect(error.field == nil)
        #expect(error.message.hasPrefix(text == "[1, 2]" ? "expected an object" : "not valid JSON"), "\(error.message)")
    }

    /// Fields this version does not know, at any depth, are skipped, so a newer producer's
    /// lines still import.
    @Test func unknownFieldsAreSkippedAtEveryDepth() throws {
        let line = Self.contractExample
            .replacingOccurrences(of: #""name": "Summer sale""#, with: #""name": "Summer sale", "labels": {"a": [1, {"b": null}]}"#)
            .replacingOccurrences(of: #""impressions": 3"#, with: #""impressions": 3, "per": "user""#)
            .replacingOccurrences(of: #""exclude": {"#, with: #""exclude": {"apps": ["x"], "#)
            .replacingOccurrences(of: #""size": "300x250""#, with: #""size": "300x250", "alt": "A sale""#)
        #expect(line != Self.contractExample)
        #expect(try Self.decode(line).get() == (try Self.decode(Self.contractExample).get()))
    }

    /// The contract example with its creative replaced by a video one.
    static let videoCreative = #"""
        {"id": "cr-1", "format": "video", "video": {"duration_seconds": 30, "media_files": [{"url": "https://cdn.example/a.mp4",
          "mime": "video/mp4", "width": 1280, "height": 720, "bitrate_kbps": 2500}], "skip_after_seconds": null},
         "click_url": "https://acme.example/sale", "adomain": ["acme.example"]}
        """#
    static let nativeCreative = #"""
        {"id": "cr-1", "format": "native", "native": {"title": "Summer sale", "description": null, "image_url": "https://cdn.example/n.jpg",
          "image_width": 1200, "image_height": 627, "icon_url": null, "call_to_action": "Shop", "sponsored_by": "Acme"},
         "click_url": "https://acme.example/sale", "adomain": ["acme.example"]}
        """#
    static let bannerCreative = #"""
        {"id": "cr-1", "size": "300x250", "image_url": "https://cdn.example/a.png",
           "click_url": "https://acme.example/sale", "adomain": ["acme.example"]}
        """#

    static func withCreative(_ creative: String) -> String {
        contractExample.replacingOccurrences(of: bannerCreative, with: creative)
    }

    @Test func videoAndNativeCreativesDecodeAndExportAsWritten() throws {
        let video = try Self.decode(Self.withCreative(Self.videoCreative)).get()
        #expect(video.creatives.first?.format == .video)
        #expect(video.creatives.first?.video?.mediaFiles.first?.bitrateKbps == 2_500)
        let native = try Self.decode(Self.withCreative(Self.nativeCreative)).get()
        #expect(native.creatives.first?.native?.callToAction == "Shop")
        let exported = String(decoding: try CampaignDocument.jsonLines([video, native]), as: UTF8.self)
        #expect(exported.contains(#""format":"video""#) && exported.contains(#""skip_after_seconds":null"#))
        #expect(exported.contains(#""format":"native""#) && exported.contains(#""icon_url":null"#))
        // A banner exports without a format, byte for byte as before formats existed.
        let banner = String(decoding: try CampaignDocument.jsonLines([try Self.decode(Self.contractExample).get()]), as: UTF8.self)
        #expect(
            banner.contains(
                #""creatives":[{"adomain":["acme.example"],"click_url":"https://acme.example/sale","id":"cr-1","image_url":"https://cdn.example/a.png","size":"300x250"}]"#
            ))
    }

    @Test(
        arguments: [
            (videoCreative, #""format": "video""#, #""format": "film""#, "creatives[0].format"),
            (videoCreative, #""duration_seconds": 30"#, #""duration_seconds": 0"#, "creatives[0].video.duration_seconds"),
            (videoCreative, #""mime": "video/mp4""#, #""mime": "mp4""#, "creatives[0].video.media_files[0].mime"),
            (videoCreative, #""width": 1280"#, #""width": 0"#, "creatives[0].video.media_files[0].width"),
            (videoCreative, #""bitrate_kbps": 2500"#, #""bitrate_kbps": -5"#, "creatives[0].video.media_files[0].bitrate_kbps"),
            (
                videoCreative, #""url": "https://cdn.example/a.mp4""#, #""url": "javascript:alert(1)""#,
                "creatives[0].video.media_files[0].url"
            ),
            (videoCreative, #""skip_after_seconds": null"#, #""skip_after_seconds": 31"#, "creatives[0].video.skip_after_seconds"),
            (videoCreative, #""format": "video""#, #""format": "video", "size": "300x250""#, "creatives[0].size"),
            (videoCreative, #""format": "video", "video""#, #""format": "video", "vid""#, "creatives[0].video"),
            (nativeCreative, #""title": "Summer sale""#, #""title": """#, "creatives[0].native.title"),
            (nativeCreative, #""image_height": 627"#, #""image_height": 20000"#, "creatives[0].native.image_height"),
            (nativeCreative, #""icon_url": null"#, #""icon_url": "not a url""#, "creatives[0].native.icon_url"),
            (nativeCreative, #""sponsored_by": "Acme""#, #""sponsored_by": "Ac\u0007me""#, "creatives[0].native.sponsored_by"),
            (nativeCreative, #""format": "native""#, #""format": "banner""#, "creatives[0].native"),
        ] as [(String, String, String, String)])
    func aBadVideoOrNativeCreativeIsNamed(creative: String, original: String, replacement: String, field: String) {
        let line = Self.withCreative(creative.replacingOccurrences(of: original, with: replacement))
        #expect(line.contains(replacement), "the test's substitution did not apply")
        guard case .failure(let error) = Self.decode(line) else {
            Issue.record("accepted a creative with a bad \(field)")
            return
        }
        #expect(error.field == field, "\(error)")
    }

    @Test func aCPCVCampaignNeedsItsCompletionPriorAndVideoCreatives() throws {
        let cpcv = Self.withCreative(Self.videoCreative).replacingOccurrences(of: #""pricing": "cpm""#, with: #""pricing": "cpcv""#)
        guard case .failure(let missing) = Self.decode(cpcv) else {
            Issue.record("accepted cpcv without a prior")
            return
        }
        #expect(missing.field == "predicted_completion_rate")
        let complete = cpcv.replacingOccurrences(of: #""predicted_ctr": null"#, with: #""predicted_completion_rate": 0.6"#)
        #expect(try Self.decode(complete).get().predictedCompletionRate == ClickThroughRate(partsPerMillion: 600_000))
        let banner = Self.contractExample.replacingOccurrences(
            of: #""pricing": "cpm""#, with: #""pricing": "cpcv", "predicted_completion_rate": 0.6"#)
        guard case .failure(let notVideo) = Self.decode(banner) else {
            Issue.record("accepted a cpcv banner")
            return
        }
        #expect(notVideo.field == "creatives[0].format")
    }

    @Test(arguments: ["not json", "[1, 2]", "", "{\"id\": "])
    func nonObjectsHaveNoField(text: String) {
        guard case .failure(let error) = Self.decode(text) else {
            Issue.record("accepted \(text)")
            return
        }
        #expect(error.field == nil)
    }
}

@Suite("Exact currency amounts from JSON numbers")
struct DecimalTextTests {
    @Test(
        arguments: [
            ("0.03", 30_000), ("0.85", 850_000), ("1", 1_000_000), ("2.5e-1", 250_000), ("0.0000001", 1), ("0", 0), ("1E2", 100_000_000),
            // Negative zero is zero; exponents past ±40 are below a micro (rounded up) or zero.
            ("-0", 0), ("-0.0", 0), ("-0e5", 0), ("1.5e-07", 1), ("1e-50", 1), ("0e99", 0), ("0.0e-99", 0),
        ] as [(String, Int64)])
    func convertsExactlyRoundingUpPastSixDecimals(text: String, micros: Int64) {
        #expect(DecimalText.micros(fromCurrency: text) == Micros(micros))
    }

    @Test(arguments: ["-1", "-0.001", "-1e-50", "abc", "", "1e41", "1e99", "1000000001"])
    func refusesNegativesGarbageAndOverflow(text: String) {
        #expect(DecimalText.micros(fromCurrency: text) == nil)
    }
}
