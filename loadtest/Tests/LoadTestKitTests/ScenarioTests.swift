import Foundation
import LoadTestKit
import Testing
import VickreyCore
import VickreySynthetic
import VickreyWire

@Suite("Scenarios and the request stream")
struct ScenarioTests {
    static let day = Instant(secondsSinceEpoch: 1_795_737_600)
    static let scenario = Scenario(name: "t", seed: 11, campaigns: 300, mix: .init(native: 0.7, openrtb: 0.3))

    @Test func theSameSeedGivesTheSameCampaignsAndRequests() throws {
        let first = TrafficGenerator(Self.scenario, day: Self.day)
        let second = TrafficGenerator(Self.scenario, day: Self.day)
        #expect(try first.campaignLines() == second.campaignLines())
        for number in 0..<500 { #expect(first.request(number) == second.request(number)) }
        var other = Self.scenario
        other.seed = 12
        #expect(try TrafficGenerator(other, day: Self.day).campaignLines() != first.campaignLines())
    }

    @Test func generatedCampaignsImportAndRequestsParseWithTheServersOwnParsers() throws {
        let generator = TrafficGenerator(Self.scenario, day: Self.day)
        let lines = try generator.campaignLines().split(separator: UInt8(ascii: "\n"))
        #expect(lines.count == 300)
        for line in lines { #expect(throws: Never.self) { try CampaignDocument.decode(Data(line)).flatMap { $0.campaign() }.get() } }
        var kinds: [PlannedRequest.Kind: Int] = [:]
        for number in 0..<1_000 {
            let request = generator.request(number)
            kinds[request.kind, default: 0] += 1
            switch request.kind {
            case .native: #expect(throws: Never.self) { try NativeAdRequest.decode(request.body, limits: RequestLimits()).get() }
            case .openrtb:
                let parsed = try OpenRTBRequest.decode(request.body, limits: RequestLimits()).get()
                #expect(parsed.impressions.count == 1)
            default: Issue.record("unexpected kind \(request.kind)")
            }
        }
        // 70/30 mix, within sampling noise.
        #expect((650...750).contains(kinds[.native] ?? 0))
    }

    @Test func beaconSharesAreReproducibleAndRoughlyAsAsked() {
        var scenario = Self.scenario
        scenario.beacons = .init(impressionShare: 0.9, clickShare: 0.1, delayMilliseconds: 0)
        let generator = TrafficGenerator(scenario, day: Self.day)
        let decisions = (0..<10_000).map { generator.beacons(request: $0, ad: 0) }
        let again = (0..<10_000).map { generator.beacons(request: $0, ad: 0) }
        #expect(zip(decisions, again).allSatisfy { $0.impression == $1.impression && $0.click == $1.click })
        #expect((8_800...9_200).contains(decisions.filter(\.impression).count))
        #expect((850...1_150).contains(decisions.filter(\.click).count))
    }

    @Test(arguments: [
        (
            #"{"name":"x","seed":1,"campaigns":0,"mode":"open","rate":10,"duration_seconds":1,"connections":1,"mix":{"native":1,"openrtb":0},"beacons":{"impression_share":1,"click_share":0,"delay_ms":0}}"#,
            "campaigns"
        ),
        (
            #"{"name":"x","seed":1,"campaigns":10,"mode":"sideways","rate":10,"duration_seconds":1,"connections":1,"mix":{"native":1,"openrtb":0},"beacons":{"impression_share":1,"click_share":0,"delay_ms":0}}"#,
            "mode"
        ),
        (
            #"{"name":"x","seed":1,"campaigns":10,"mode":"open","rate":10,"duration_seconds":1,"connections":1,"mix":{"native":1,"openrtb":0},"beacons":{"impression_share":2,"click_share":0,"delay_ms":0}}"#,
            "beacons.impression_share"
        ),
        (
            #"{"name":"x","seed":1,"campaigns":10,"mode":"open","rate":10,"duration_seconds":1,"connections":1,"mix":{"native":1,"openrtb":0},"beacons":{"impression_share":1,"click_share":0,"delay_ms":0},"cap_window_seconds":0}"#,
            "cap_window_seconds"
        ),
        (#"{"name":"x"}"#, "seed: missing"),
    ])
    func aBadScenarioFileIsRefusedNamingTheField(json: String, field: String) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("scenario-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        FileManager.default.createFile(atPath: path, contents: Data(json.utf8))
        #expect { try Scenario.load(path) } throws: { "\($0)".contains(field) }
    }

    @Test func theShippedScenariosLoad() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scenarios")
        for name in ["smoke", "1k", "10k", "100k", "soak-10k"] {
            let scenario = try Scenario.load(directory.appendingPathComponent("\(name).json").path)
            #expect(scenario.name == name)
        }
    }

    /// A soak's scenario asks for cap windows it can outlast; every generated cap has it.
    @Test func theCapWindowIsTheScenariosWhenItSetsOne() {
        let windows = { (scenario: Scenario) in
            Set(TrafficGenerator(scenario).world.campaigns.compactMap { $0.frequencyCap?.windowSeconds })
        }
        #expect(windows(Scenario(name: "day", campaigns: 200)) == [86_400])
        var short = Scenario(name: "short", campaigns: 200)
        short.capWindowSeconds = 600
        #expect(windows(short) == [600])
    }

    @Test func beaconPathsAreFoundInBothAnswerShapes() {
        let native = Array(
            #"{"ads":[{"impression_url":"http://h:1/v1/beacons/impression/AAA","click_url":"http://h:1/v1/beacons/click/AAA"},{"impression_url":"http://h:1/v1/beacons/impression/BBB","click_url":"http://h:1/v1/beacons/click/BBB"}]}"#
                .utf8)
        let found = ResponseScanner.beaconPaths(in: native)
        #expect(found.impressions == ["/v1/beacons/impression/AAA", "/v1/beacons/impression/BBB"])
        #expect(found.clicks == ["/v1/beacons/click/AAA", "/v1/beacons/click/BBB"])
        let openRTB = Array(
            #"{"seatbid":[{"bid":[{"nurl":"http://h:1/v1/beacons/impression/CCC","burl":"http://h:1/v1/beacons/impression/CCC","adm":"<a href=\"http://h:1/v1/beacons/click/CCC\">"}]}]}"#
                .utf8)
        let rtb = ResponseScanner.beaconPaths(in: openRTB)
        #expect(rtb.impressions == ["/v1/beacons/impression/CCC"])
        #expect(rtb.clicks == ["/v1/beacons/click/CCC"])
    }
}
