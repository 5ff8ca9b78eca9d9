import ArgumentParser
import Foundation
import VickreyCore
import VickreyStore
import VickreyWire
import VickreyYield

/// `adctl experiment create|list|show|stop|report`: A/B tests on auction parameters.
struct ExperimentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "Run A/B experiments on floors and increments, and read their results.",
        discussion: """
            An experiment splits a placement's traffic into arms by a stable hash of (experiment id, user id), or \
            of the request id when a request has no user id; each arm may override the minimum floor, the \
            increment and a floor multiplier. Running servers pick up a created or stopped experiment within a \
            poll interval. See docs/yield.md.
            """,
        subcommands: [Create.self, List.self, Show.self, Stop.self, Report.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start an experiment from its JSON (a file, or - for standard input).",
            discussion: """
                Example file:
                  {"id": "floors-q4", "status": "running", "unit": "user", "placements": ["home_feed"],
                   "arms": [{"name": "control", "weight": 50},
                            {"name": "high-floor", "weight": 50, "minimum_floor_micros": 500000,
                             "increment_micros": 20000, "floor_multiplier_ppm": 1200000}]}
                At most one running experiment per placement (no placements: every placement).
                Example:
                  adctl experiment create floors-q4.json --db var/vickrey.sqlite
                """)
        @Argument(help: "Experiment JSON file, or - for standard input.") var file: String
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let bytes: [UInt8]
            if file == "-" {
                bytes = Array(FileHandle.standardInput.readDataToEndOfFile())
            } else {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw CommandFailure(message: "cannot read \(file)", exitCode: CommandFailure.usage)
                }
                bytes = Array(data)
            }
            let experiment: Experiment
            do { experiment = try ExperimentDocument.parse(bytes) } catch {
                throw CommandFailure(message: "\(file): \(error)", exitCode: CommandFailure.invalidData)
            }
            try await store.call { db in try await db.experiments.create(experiment, at: wallClockNow()) }
            Console.print("started experiment \(experiment.id) with arms \(experiment.arms.map(\.name.rawValue).joined(separator: ", "))")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every experiment, oldest first.")
        @OptionGroup var output: OutputOptions
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let experiments = try await store.call { db in try await db.experiments.experiments() }
            if output.json {
                Console.print("[" + experiments.map { ExperimentDocument.json($0.experiment) }.joined(separator: ",") + "]")
                return
            }
            var table = TextTable(headers: ["ID", "STATUS", "PLACEMENTS", "ARMS", "STARTED", "STOPPED"])
            for stored in experiments {
                let e = stored.experiment
                table.rows.append([
                    e.id.rawValue, e.status.rawValue, e.placements.isEmpty ? "all" : e.placements.map(\.rawValue).joined(separator: ","),
                    e.arms.map { "\($0.name)(\($0.weight))" }.joined(separator: " "), stored.createdAt.rfc3339,
                    stored.stoppedAt?.rfc3339 ?? "-",
                ])
            }
            Console.print(table.render())
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One experiment and its arms' parameters.")
        @Argument(help: "Experiment id.") var id: String
        @OptionGroup var output: OutputOptions
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let stored = try await load(id, store)
            let e = stored.experiment
            if output.json { return Console.print(ExperimentDocument.json(e)) }
            var pairs: [(String, String)] = [
                ("id", e.id.rawValue), ("status", e.status.rawValue),
                ("placements", e.placements.isEmpty ? "every placement" : e.placements.map(\.rawValue).joined(separator: ", ")),
                ("unit", "user (request id without one)"), ("started", stored.createdAt.rfc3339),
                ("stopped", stored.stoppedAt?.rfc3339 ?? "-"),
            ]
            for (index, arm) in e.arms.enumerated() {
                var overrides: [String] = []
                if let floor = arm.minimumFloor { overrides.append("minimum floor \(floor.value) micros") }
                if let increment = arm.increment { overrides.append("increment \(increment.value) micros") }
                if let multiplier = arm.floorMultiplierPPM { overrides.append("floor multiplier \(multiplier) ppm") }
                pairs.append(
                    (
                        index == 0 ? "arms" : "",
                        "\(arm.name) weight \(arm.weight)\(index == 0 ? " (baseline)" : ""): "
                            + (overrides.isEmpty ? "configured parameters" : overrides.joined(separator: ", "))
                    ))
            }
            Console.print(keyValueLines(pairs))
        }
    }

    struct Stop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop a running experiment: its placements go back to the configured parameters.")
        @Argument(help: "Experiment id.") var id: String
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let experimentID = try parsed(id)
            try await store.call { db in try await db.experiments.stop(experimentID, at: wallClockNow()) }
            Console.print("stopped experiment \(experimentID)")
        }
    }

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Per arm: auctions, fills, impressions, clicks, revenue, RPM and eCPM, with 95% confidence intervals.",
            discussion: """
                Auctions and fills are counted by the servers (durable, flushed every second); impressions, clicks \
                and revenue come from the ledger. RPM = revenue per 1000 auctions. Intervals use the delta method \
                over 128 buckets of users per arm (see docs/yield.md); a difference from the first arm is \
                significant when its interval leaves out zero. The report warns of a sample-ratio mismatch.
                Example:
                  adctl experiment report floors-q4 --json
                """)
        @Argument(help: "Experiment id.") var id: String
        @OptionGroup var output: OutputOptions
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let experimentID = try parsed(id)
            let (stored, tallies, delivery) = try await store.call { db in
                guard let stored = try await db.experiments.experiment(experimentID) else {
                    throw CommandFailure(message: "no experiment '\(experimentID)'", exitCode: CommandFailure.notFound)
                }
                return (stored, try await db.experiments.tallies(experimentID), try await db.experiments.delivery(experimentID))
            }
            let report = ExperimentReport(experiment: stored, tallies: tallies, delivery: delivery)
            Console.print(output.json ? report.json : ExperimentReportText.table(report))
        }
    }
}

private func parsed(_ text: String) throws -> ExperimentID {
    guard let id = ExperimentID(text) else { throw CommandFailure.usage("'\(text)' is not an experiment id") }
    return id
}

private func load(_ text: String, _ store: StoreOptions) async throws -> StoredExperiment {
    let id = try parsed(text)
    guard let stored = try await store.call({ db in try await db.experiments.experiment(id) }) else {
        throw CommandFailure(message: "no experiment '\(id)'", exitCode: CommandFailure.notFound)
    }
    return stored
}

/// How `experiment report` prints.
enum ExperimentReportText {
    static func table(_ report: ExperimentReport) -> String {
        let e = report.experiment.experiment
        var lines = [
            "experiment \(e.id) (\(e.status.rawValue), since \(report.experiment.createdAt.rfc3339); "
                + "placements: \(e.placements.isEmpty ? "all" : e.placements.map(\.rawValue).joined(separator: ", ")))"
        ]
        var table = TextTable(headers: [
            "ARM", "WEIGHT", "AUCTIONS", "FILLS", "FILL RATE", "IMPRESSIONS", "CLICKS", "REVENUE", "RPM", "RPM 95% CI", "ECPM",
            "Δ RPM", "Δ 95% CI", "SIGNIFICANT",
        ])
        for arm in report.arms {
            table.rows.append([
                arm.arm.name.rawValue, String(arm.arm.weight), String(arm.auctions), String(arm.fills), percent(arm.fillRatePPM),
                String(arm.impressions), String(arm.clicks), ReportCommand.money(arm.revenue), money(arm.rpm),
                arm.rpmInterval.map(range) ?? "-", money(arm.ecpm), arm.difference.map(money) ?? "(baseline)",
                arm.differenceInterval.map(range) ?? "-", arm.significant.map { $0 ? "yes" : "no" } ?? "-",
            ])
        }
        lines.append(table.render())
        let check = report.sampleRatio
        lines.append(
            check.mismatch
                ? "SAMPLE RATIO MISMATCH: arm \(check.worstArm?.rawValue ?? "?")'s share of auctions is far from its weight "
                    + "(|z| = \(ExperimentReport.fixed(check.largestZ)) > 3.29, p < 0.001): the split is broken or biased; do not trust the differences."
                : "sample ratio: ok (largest |z| = \(ExperimentReport.fixed(check.largestZ)), threshold 3.29)")
        lines.append(
            "RPM = revenue per 1000 auctions; intervals: delta method over \(Experiment.buckets) user buckets per arm, 95%.")
        return lines.joined(separator: "\n")
    }

    static func money(_ micros: Int64) -> String { DecimalMoney.formatCurrency(Micros(micros)) }
    static func range(_ range: ClosedRange<Int64>) -> String { "[\(money(range.lowerBound)), \(money(range.upperBound))]" }
    static func percent(_ ppm: Int64) -> String { DecimalMoney.format(ppm / 100, fractionDigits: 2) + "%" }
}

/// The wall-clock time, to the millisecond, for what `adctl` stamps (an experiment's start and stop).
func wallClockNow() -> Instant { Instant(millisecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))) }
