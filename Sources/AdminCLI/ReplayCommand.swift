import ArgumentParser
import Foundation
import VickreyCore
import VickreyWire
import VickreyYield

/// `adctl replay LOG…`: re-runs logged auctions under other parameters.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Re-run logged auctions under another minimum floor, increment or floor multiplier.",
        discussion: """
            Reads the auction log the server writes when auctionLog.sampleRate is above 0 (JSON lines). Each \
            logged auction is decided again by the auction's own code over its logged eligible candidates: bids \
            are held fixed, every candidate stays eligible (no budget, pacing or frequency-cap effects) and \
            bidders do not react to the new parameters. With no option it must reproduce every logged winner and \
            price (the output says whether it did).
            Examples:
              adctl replay var/auction-log.jsonl --minimum-floor-micros 500000
              adctl replay var/auction-log.jsonl --minimum-floor-grid 0:2000000:100000 --svg floors.svg
            """)

    @Argument(help: "Auction log files (rotated ones too).") var logs: [String]
    @Option(help: "Minimum floor (eCPM micros) for every auction.") var minimumFloorMicros: Int64?
    @Option(help: "Increment (eCPM micros) for every auction.") var incrementMicros: Int64?
    @Option(help: "Multiplier on placement and request floors, in ppm (1000000 = ×1).") var floorMultiplierPpm: Int64?
    @Option(help: "Replay over minimum floors FROM:TO:STEP (micros), one row each.") var minimumFloorGrid: String?
    @Option(help: "With --minimum-floor-grid: write revenue against the minimum floor as an SVG chart here.") var svg: String?
    @OptionGroup var output: OutputOptions

    func run() async throws {
        for (name, value) in [("--minimum-floor-micros", minimumFloorMicros), ("--increment-micros", incrementMicros)] {
            if let value, !(0...Micros.maximumBid.value).contains(value) {
                throw CommandFailure.usage("\(name) must be between 0 and \(Micros.maximumBid.value)")
            }
        }
        if let multiplier = floorMultiplierPpm, !(0...ExperimentArm.maximumMultiplierPPM).contains(multiplier) {
            throw CommandFailure.usage("--floor-multiplier-ppm must be between 0 and \(ExperimentArm.maximumMultiplierPPM)")
        }
        guard !logs.isEmpty else { throw CommandFailure.usage("name at least one auction log") }
        let base = Replay.Parameters(
            minimumFloor: minimumFloorMicros.map(Micros.init), increment: incrementMicros.map(Micros.init),
            floorMultiplierPPM: floorMultiplierPpm)
        var grid = [base]
        if let text = minimumFloorGrid {
            let parts = text.split(separator: ":").map { Int64($0) }
            guard parts.count == 3, let from = parts[0], let to = parts[1], let step = parts[2], step > 0, from >= 0, to >= from,
                (to - from) / step < 1_000
            else { throw CommandFailure.usage("--minimum-floor-grid must be FROM:TO:STEP in micros (at most 1000 steps), not '\(text)'") }
            grid = stride(from: from, through: to, by: Int(step)).map { floor in
                var parameters = base
                parameters.minimumFloor = Micros(floor)
                return parameters
            }
        } else if svg != nil {
            throw CommandFailure.usage("--svg needs --minimum-floor-grid")
        }
        let lines = try readLogs()
        let summaries = Replay.run(lines, grid: grid)
        if let svg, let first = summaries.first {
            var chart = LineChart(
                title: "Replayed revenue against the minimum floor (\(first.auctions) logged auctions)",
                xLabel: "minimum floor (eCPM)", yLabel: "revenue",
                points: summaries.map { ($0.parameters.minimumFloor?.value ?? 0, $0.replayedRevenue.value / 1_000) },
                marker: loggedMarker(lines, first))
            chart.xFormat = { DecimalMoney.format($0 / 10_000, fractionDigits: 2) }
            chart.yFormat = { DecimalMoney.format($0 / 10_000, fractionDigits: 2) }
            do { try chart.svg.write(toFile: svg, atomically: true, encoding: .utf8) } catch {
                throw CommandFailure(message: "cannot write \(svg): \(error)", exitCode: CommandFailure.refused)
            }
        }
        Console.print(output.json ? json(summaries) : table(summaries))
    }

    /// The logged result, drawn at the minimum floor most logged auctions used.
    private func loggedMarker(_ lines: [AuctionLogLine], _ summary: Replay.Summary) -> (x: Int64, y: Int64, label: String)? {
        var floors: [Int64: Int] = [:]
        for line in lines { floors[line.record.minimumFloor.value, default: 0] += 1 }
        guard let common = floors.max(by: { $0.value < $1.value })?.key else { return nil }
        return (common, summary.loggedRevenue.value / 1_000, "logged")
    }

    private func readLogs() throws -> [AuctionLogLine] {
        var lines: [AuctionLogLine] = []
        var readers = try logs.map { path in
            do { return try LineBlocks(path: path, maximumLineBytes: AuctionLogLine.maximumLineBytes) } catch {
                throw CommandFailure(message: "cannot read \(path)", exitCode: CommandFailure.usage)
            }
        }
        let total = readers.map { $0.totalBytes ?? 0 }.reduce(0, +)
        var progress = ProgressMeter(label: "replay (reading the logs)", unit: "auctions", total: total)
        defer { progress.finish() }
        var readBefore: Int64 = 0
        for (path, index) in zip(logs, readers.indices) {
            while let batch = try readers[index].next() {
                for (offset, line) in batch.lines.enumerated() {
                    let number = batch.firstLine + offset
                    guard case .text(let text) = line else {
                        throw CommandFailure(
                            message: "\(path):\(number): longer than \(AuctionLogLine.maximumLineBytes) bytes",
                            exitCode: CommandFailure.invalidData)
                    }
                    if text.isEmpty { continue }
                    do { lines.append(try AuctionLogLine(json: text)) } catch {
                        throw CommandFailure(message: "\(path):\(number): \(error)", exitCode: CommandFailure.invalidData)
                    }
                }
                progress.update(count: lines.count, done: readBefore + readers[index].bytesRead)
            }
            readBefore += readers[index].bytesRead
        }
        return lines
    }

    private func table(_ summaries: [Replay.Summary]) -> String {
        var table = TextTable(headers: [
            "MIN FLOOR", "INCREMENT", "MULTIPLIER", "AUCTIONS", "FILLS (LOGGED)", "FILLS", "REVENUE (LOGGED)", "REVENUE", "RPM (LOGGED)",
            "RPM", "CHANGED",
        ])
        func setting(_ value: Int64?) -> String { value.map(String.init) ?? "as logged" }
        for s in summaries {
            table.rows.append([
                setting(s.parameters.minimumFloor?.value), setting(s.parameters.increment?.value), setting(s.parameters.floorMultiplierPPM),
                String(s.auctions), String(s.loggedFills), String(s.replayedFills), ReportCommand.money(s.loggedRevenue),
                ReportCommand.money(s.replayedRevenue),
                ExperimentReportText.money(Replay.Summary.rpm(s.loggedRevenue, auctions: s.auctions)),
                ExperimentReportText.money(Replay.Summary.rpm(s.replayedRevenue, auctions: s.auctions)), String(s.changed),
            ])
        }
        var text = table.render()
        if let first = summaries.first, summaries.count == 1, first.parameters.isLogged {
            text +=
                first.changed == 0
                ? "\nreproduced: every logged winner and price"
                : "\nNOT REPRODUCED: \(first.changed) auctions decided differently from the log"
        }
        return text
            + "\nassumes: bids held fixed, every logged candidate still eligible (no budget, pacing or cap effects), no bidder reacts."
    }

    private func json(_ summaries: [Replay.Summary]) -> String {
        var out = JSONWriter()
        out.object { out in
            out.field(
                "assumption",
                "bids held fixed; every logged candidate stays eligible (no budget, pacing or frequency-cap effects); bidders do not react")
            out.key("results")
            out.array { out in
                for s in summaries {
                    out.object { out in
                        out.field("minimum_floor_micros", s.parameters.minimumFloor?.value)
                        out.field("increment_micros", s.parameters.increment?.value)
                        out.field("floor_multiplier_ppm", s.parameters.floorMultiplierPPM)
                        out.field("auctions", s.auctions)
                        out.field("logged_fills", s.loggedFills)
                        out.field("fills", s.replayedFills)
                        out.field("logged_revenue_nanos", s.loggedRevenue.value)
                        out.field("revenue_nanos", s.replayedRevenue.value)
                        out.field("changed", s.changed)
                    }
                }
            }
        }
        return out.text
    }
}
