import AdServing
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import VickreyCore
import VickreyStore
import VickreyTestSupport

/// Video and native campaigns the format tests bid with: two videos (one skippable, with
/// an mp4 and a webm file), two natives (one with a small image and a title only), a banner.
enum FormatCampaigns {
    static func video(_ id: String, bid: Int64, seconds: Int, skipAfter: Int?, files: [MediaFile]) -> Campaign {
        var campaign = Campaigns.make(id, advertiser: "adv-\(id)", bid: bid)
        campaign.creatives = [
            .video(
                id: CreativeID("\(id)-cr")!, VideoCreative(durationSeconds: seconds, mediaFiles: files, skipAfterSeconds: skipAfter),
                clickURL: "https://\(id).example/landing", advertiserDomains: ["\(id).example"])
        ]
        return campaign
    }

    static func native(_ id: String, bid: Int64, _ assets: NativeCreative) -> Campaign {
        var campaign = Campaigns.make(id, advertiser: "adv-\(id)", bid: bid)
        campaign.creatives = [
            .native(id: CreativeID("\(id)-cr")!, assets, clickURL: "https://\(id).example/landing", advertiserDomains: ["\(id).example"])
        ]
        return campaign
    }

    static let mp4 = MediaFile(url: "https://cdn.example/ad-640.mp4", mime: "video/mp4", width: 640, height: 360, bitrateKbps: 1_200)
    static let webm = MediaFile(url: "https://cdn.example/ad-640.webm", mime: "video/webm", width: 640, height: 360, bitrateKbps: 900)
    static let hd = MediaFile(url: "https://cdn.example/ad-1280.mp4", mime: "video/mp4", width: 1280, height: 720, bitrateKbps: 2_500)

    static let all: [Campaign] = [
        video("vid15", bid: 6_000_000, seconds: 15, skipAfter: 5, files: [mp4, webm]),
        video("vid30", bid: 5_000_000, seconds: 30, skipAfter: nil, files: [hd, mp4]),
        native(
            "nat", bid: 4_000_000,
            NativeCreative(
                title: "Fresh bread, baked daily", description: "Sourdough and rye from the corner bakery.",
                imageURL: "https://cdn.example/bread-1200.jpg", imageWidth: 1200, imageHeight: 627,
                iconURL: "https://cdn.example/bakery-icon.png", callToAction: "Order now", sponsoredBy: "Northwind Bakery")),
        native(
            "natsmall", bid: 7_000_000,
            NativeCreative(title: "Small", imageURL: "https://cdn.example/small.png", imageWidth: 300, imageHeight: 250)),
        Campaigns.make("ban", advertiser: "adv-ban", bid: 3_000_000),
    ]
}

/// Exchange-style video and native bid requests (`Fixtures/formats`, modelled on what
/// Prebid Server's adapters send: instream and outstream video, CTV, wrappers-only players,
/// Native 1.2 requests as strings and as objects, multi-format imps), each sent as it is:
/// the status and winner the documented rules predict, every answer valid against the
/// served OpenAPI document, every VAST valid against IAB Tech Lab's VAST 4.2 schema (when
/// `../shared/vast` and `xmllint` are here) and every native `adm` answering the
/// request's own asset ids.
@Suite("Video and native: exchange-style requests")
struct VideoAndNativeFixtureTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/formats")
    static let schema = OpenRTBEndpointTests.sharedDirectory.deletingLastPathComponent().appendingPathComponent("vast/vast_4.2.xsd")

    /// Each fixture's status and winner (docs/formats.md, rule by rule).
    static let expected: [String: (status: Int, winner: String?)] = [
        "video-instream.json": (200, "vid15"),  // the best bid that fits: 15 s in 5–30, mp4, skippable allowed
        "video-no-skip.json": (200, "vid30"),  // skip 0 rules out the skippable vid15
        "video-too-short.json": (204, nil),  // maxduration 10: neither video fits
        "video-wrappers-only.json": (204, nil),  // protocols 1, 4, 5, 6: no inline VAST version we write
        "video-webm-only.json": (200, "vid15"),  // only vid15 has a webm file
        "video-battr-skippable.json": (200, "vid30"),  // battr 16 blocks skippable creatives
        "video-bad-durations.json": (400, nil),
        "native-string-request.json": (200, "nat"),  // natsmall's image is under wmin/hmin
        "native-object-request.json": (200, "nat"),  // a required call to action natsmall lacks
        "native-requires-rating.json": (204, nil),  // a required rating nobody has
        "native-not-json.json": (204, nil),  // a native request that is not JSON: the imp has nothing we can fill
        "multi-format-banner-video.json": (200, "vid15"),  // the best over banner and video
        "multi-format-banner-native.json": (200, "natsmall"),  // a title is all the native slot requires
    ]

    @Test func everyVideoAndNativeRequestIsAnsweredAsTheRulesSay() async throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path).filter { $0.hasSuffix(".json") }.sorted()
        #expect(Set(files) == Set(Self.expected.keys), "every fixture has an expectation")
        let harness = ServerHarness()
        _ = try await harness.store().importCampaigns(FormatCampaigns.all)
        try await harness.test { client in
            let document = try #require(try await client.get("/openapi.json").json as? [String: Any])
            let checker = SchemaChecker(root: document)
            let bidResponse = try #require(((document["components"] as? [String: Any])?["schemas"] as? [String: Any])?["BidResponse"])
            for file in files {
                let body = try String(contentsOf: Self.folder.appendingPathComponent(file), encoding: .utf8)
                let response = try await client.post("/openrtb2/auction", json: body)
                let expected = try #require(Self.expected[file])
                #expect(Int(response.status.code) == expected.status, "\(file): \(response.status) \(response.text)")
                guard response.status == .ok else { continue }
                #expect(checker.problems(response.object, against: bidResponse).isEmpty, "\(file) matches the OpenAPI BidResponse")
                let bid = try #require(((response.object["seatbid"] as? [[String: Any]])?.first?["bid"] as? [[String: Any]])?.first)
                #expect(bid["cid"] as? String == expected.winner, "\(file)")
                let adm = try #require(bid["adm"] as? String)
                if bid["mtype"] as? Int == 2 {
                    try Self.checkVAST(adm, file: file)
                    // OpenRTB creative attribute 16 marks the skippable video, and only it.
                    #expect((bid["attr"] as? [Int]) == (expected.winner == "vid15" ? [16] : nil), "\(file)")
                } else {
                    #expect(bid["mtype"] as? Int == 4, "\(file): a native bid")
                    try Self.checkNative(adm, request: body, file: file)
                }
            }
        }
    }

    /// Every signed URL is in the document; it validates against the VAST 4.2 schema.
    static func checkVAST(_ vast: String, file: String) throws {
        #expect(vast.hasPrefix(#"<VAST version="4.2" xmlns="http://www.iab.com/VAST">"#), "\(file)")
        for kind in ["impression", "error", "viewable", "click", "start", "first_quartile", "midpoint", "third_quartile", "complete"] {
            #expect(vast.contains("/v1/beacons/\(kind)/"), "\(file): the \(kind) URL")
        }
        guard let problems = try XMLSchemaValidator.problems(vast, schema: schema) else { return }
        #expect(problems.isEmpty, "\(file): \(problems)")
    }

    /// The adm is a Native 1.2 response: asset ids from the request, every required one present.
    static func checkNative(_ adm: String, request body: String, file: String) throws {
        let response = try #require(try JSONSerialization.jsonObject(with: Data(adm.utf8)) as? [String: Any])
        #expect(response["ver"] as? String == "1.2")
        let answered = Set((response["assets"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int })
        let requested = try Self.nativeAssets(body)
        #expect(answered.isSubset(of: Set(requested.map(\.id))), "\(file): asset ids echo the request")
        #expect(Set(requested.filter(\.required).map(\.id)).isSubset(of: answered), "\(file): every required asset is filled")
        let link = (response["link"] as? [String: Any])?["url"] as? String
        #expect(link?.contains("/v1/beacons/click/") == true, "\(file): the signed click")
        let trackers = (response["eventtrackers"] as? [[String: Any]] ?? []).map { ($0["event"] as? Int, $0["method"] as? Int) }
        #expect(trackers.map(\.0) == [1, 2] && trackers.allSatisfy { $0.1 == 1 }, "\(file): impression and viewable pixels")
    }

    /// The request's native asset ids and whether each is required.
    static func nativeAssets(_ body: String) throws -> [(id: Int, required: Bool)] {
        let request = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        let native = try #require(((request["imp"] as? [[String: Any]])?.first?["native"] as? [String: Any])?["request"])
        var object = native as? [String: Any]
        if let text = native as? String { object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] }
        if let inner = object?["native"] as? [String: Any] { object = inner }
        return (object?["assets"] as? [[String: Any]] ?? []).compactMap { asset in
            (asset["id"] as? Int).map { ($0, asset["required"] as? Int == 1) }
        }
    }
}

/// `xmllint --schema` over a document; nil when the schema or xmllint is not here (the
/// check is then skipped: the tests must not depend on `../shared` existing).
enum XMLSchemaValidator {
    static func problems(_ document: String, schema: URL) throws -> String? {
        guard FileManager.default.fileExists(atPath: schema.path),
            let xmllint = ["/usr/bin/xmllint", "/usr/local/bin/xmllint"].first(where: FileManager.default.isExecutableFile)
        else { return nil }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("vast-\(UUID().uuidString).xml")
        try document.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: xmllint)
        process.arguments = ["--noout", "--schema", schema.path, file.path]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let output = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? "" : String(decoding: output, as: UTF8.self)
    }
}
