import Foundation
import Testing
import VickreyCore
import VickreyYield

@Suite("The auction log: sampling, rotation, lines that read back")
struct AuctionLogTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("auction-log-\(UUID().uuidString)")

    static let index = CampaignIndex(
        campaigns: (0..<6).map { index in
            Campaign(
                id: CampaignID("c\(index)")!, advertiserID: AdvertiserID("a\(index % 3)")!, bid: Micros(100_000 * Int64(index + 1)),
                totalBudget: Micros(1_000_000_000),
                creatives: [Creative(id: CreativeID("cr\(index)")!, size: AdSize("300x250")!, imageURL: "", clickURL: "")])
        })

    static func request(_ number: Int) -> AuctionRequest {
        AuctionRequest(
            requestID: "r-\(number)", country: CountryCode("US"), keywords: [Keyword("news")!],
            placements: [PlacementRequest(id: PlacementID("home_feed")!, sizes: [AdSize("300x250")!], floor: Micros(250_000))],
            time: Instant(secondsSinceEpoch: 1_795_000_000))
    }

    @Test func samplingIsStableByRequestIDAndNearItsRate() {
        let log = AuctionLog(path: directory.appendingPathComponent("a.jsonl").path, sampleRatePPM: 100_000)
        let sampled = (0..<20_000).filter { log.samples(requestID: "r-\($0)") }
        #expect(sampled == (0..<20_000).filter { log.samples(requestID: "r-\($0)") })
        #expect(abs(sampled.count - 2_000) < 200)
        #expect(!AuctionLog(path: "unused", sampleRatePPM: 0).samples(requestID: "r-1"))
    }

    @Test func linesRotateBySizeKeepTheNewestFilesAndReadBack() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("auctions.jsonl").path
        let log = AuctionLog(path: path, sampleRatePPM: 1_000_000, maximumBytes: 4_096, keptFiles: 2)
        let auctioneer = Auctioneer()
        for number in 0..<60 {
            let request = Self.request(number)
            log.append(request, auctioneer.run(request, on: Self.index.snapshot, recording: true))
            if number % 10 == 9 { try log.writePending() }
        }
        log.close()
        let manager = FileManager.default
        #expect(manager.fileExists(atPath: path) && manager.fileExists(atPath: path + ".1") && manager.fileExists(atPath: path + ".2"))
        #expect(!manager.fileExists(atPath: path + ".3"), "only keepFiles rotated files are kept")
        for file in [path, path + ".1", path + ".2"] {
            let size = try #require(try manager.attributesOfItem(atPath: file)[.size] as? NSNumber).intValue
            #expect(size <= 4_096)
        }
        // The newest lines are in PATH, in order; every line reads back whole.
        let newest = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try AuctionLogLine(json: Array($0.utf8))
        }
        #expect(newest.last?.requestID == "r-59")
        let first = try #require(newest.first)
        // Every candidate eligible at any floor is logged, the below-floor ones too.
        #expect(first.record.candidates.map(\.score.value) == [600_000, 500_000, 400_000, 300_000, 200_000, 100_000])
        #expect(first.record.floor == Micros(250_000) && first.record.placement.floor == Micros(250_000))
        #expect(first.record.winner == CampaignID("c5") && first.record.clearingECPM == Micros(510_000))
        #expect(log.counts.written == 60 && log.counts.dropped == 0)
    }
}
