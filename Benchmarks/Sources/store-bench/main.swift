import Foundation
import VickreyCore
import VickreyStore
import VickreySynthetic
import VickreyWire

/// Start-up costs of the store, measured in a fresh process each:
///
///     store-bench generate N FILE   write N synthetic campaigns as JSON lines
///     store-bench load DB           load every campaign from DB into the index;
///                                   print time and memory
///
/// `Benchmarks/store-bench.sh` runs the whole sequence with the release `adctl`.

func peakResidentMiB() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Int(usage.ru_maxrss) / 1024  // kilobytes on Linux
}

func currentResidentMiB() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
        let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
    else { return 0 }
    return kilobytes / 1024
}

let arguments = Array(CommandLine.arguments.dropFirst())
switch (arguments.first, arguments.count) {
case ("generate", 3):
    let world = SyntheticWorld(campaignCount: Int(arguments[1])!, seed: 42)
    let output = try CampaignDocument.jsonLines(world.campaigns)
    FileManager.default.createFile(atPath: arguments[2], contents: output)
    print("wrote \(world.campaigns.count) campaigns (\(output.count / 1_048_576) MiB) to \(arguments[2])")
case ("load", 2):
    let before = currentResidentMiB()
    let clock = ContinuousClock()
    let start = clock.now
    let store = try await Store.open(.sqlite(path: arguments[1])).campaigns
    let opened = clock.now
    let loaded = try await store.loadAll()
    let read = clock.now
    let index = CampaignIndex(campaigns: loaded.campaigns)
    let indexed = clock.now
    func ms(_ d: Duration) -> Int64 { d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000 }
    print(
        "campaigns \(index.snapshot.count) servable of \(loaded.campaigns.count); open+migrate \(ms(opened - start)) ms, read \(ms(read - opened)) ms, index \(ms(indexed - read)) ms, total \(ms(indexed - start)) ms; RSS before \(before) MiB, after \(currentResidentMiB()) MiB, peak \(peakResidentMiB()) MiB"
    )
default:
    print("usage: store-bench generate N FILE | store-bench load DB")
    exit(2)
}
