import ArgumentParser
import Foundation
import Histogram
import LoadTestKit
import VickreyConfig
import VickreyCore

/// `loadtest`: scenarios, open- and closed-loop load against a running `adserver`,
/// HDR latency reports and the money invariants checked after every run.
@main
struct LoadTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loadtest",
        abstract: "Load-test a running Vickrey adserver and check its invariants afterwards.",
        discussion: """
            Typical use (see loadtest/README.md):
              loadtest generate loadtest/scenarios/smoke.json --out campaigns.jsonl
              adctl campaign import campaigns.jsonl --db var/vickrey.sqlite
              adserver --no-seed &
              loadtest run loadtest/scenarios/smoke.json --url http://127.0.0.1:8080
            Exit codes: 0 success; 1 an invariant does not hold; 2 the run could not be made; 64 bad usage.
            """,
        subcommands: [Generate.self, Run.self, Ceiling.self]
    )

    /// The entry point: a closed pipe (`loadtest generate … | head`) must not kill the
    /// process before anything, `--help` included, is written.
    static func main() async {
        StandardStream.ignoreBrokenPipes()
        await main(nil)
    }
}

/// `--url`, shared by the commands that talk to a server.
struct TargetOptions: ParsableArguments {
    @Option(help: "The adserver's base URL; for a fleet, every server's, comma-separated.") var url = "http://127.0.0.1:8080"

    /// The first server (the one a single-server command talks to).
    func target() throws -> LoadRunner.Target { try targets()[0] }

    func targets() throws -> [LoadRunner.Target] {
        try url.split(separator: ",").map { item in
            guard let parsed = URLComponents(string: String(item)), parsed.scheme == "http", let host = parsed.host else {
                throw ValidationError("--url must be http://HOST:PORT (several, comma-separated, for a fleet)")
            }
            return LoadRunner.Target(host: host, port: parsed.port ?? 80)
        }
    }
}

/// `--day`: the campaigns' reference day (their flights surround it).
struct DayOption: ParsableArguments {
    @Option(help: "Reference day YYYY-MM-DD for the campaigns' flights (default: today, UTC).") var day: String?

    func instant() throws -> Instant? {
        guard let day else { return nil }
        guard let instant = Instant(canonicalRFC3339: day + "T00:00:00Z") else { throw ValidationError("--day must be YYYY-MM-DD") }
        return instant
    }
}

extension LoadTestCommand {
    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the scenario's campaigns as JSON lines for 'adctl campaign import'."
        )
        @Argument(help: "A scenario file (loadtest/scenarios/*.json).") var scenario: String
        @Option(help: "Where to write (default: standard output).") var out: String?
        @OptionGroup var day: DayOption

        func run() async throws {
            let scenario = try loadScenario(self.scenario)
            let lines = try TrafficGenerator(scenario, day: try day.instant()).campaignLines()
            if let out {
                guard FileManager.default.createFile(atPath: out, contents: lines) else { throw fail("cannot write \(out)", 2) }
                StandardStream.error.write("wrote \(scenario.campaigns) campaigns (\(lines.count / 1024) KiB) to \(out)\n")
            } else {
                StandardStream.output.write(String(decoding: lines, as: UTF8.self))
            }
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Drive the scenario at a running server, report latency and check the invariants.",
            discussion: """
                Writes result.json, latency.hgrm (HdrHistogram percentile distribution) and latency.svg (latency over \
                time) into --out. Then reads the ledger through GET /v1/ledger (with the billing token) and checks: \
                every record verifies and the chain is intact; beacons answered 2xx = billed + unbilled records; no \
                campaign's spend exceeds its budgets; the server's spend equals the ledger's. Exits 1 if any fails.
                A fleet (--url URL1,URL2,…): ad requests go to the server their user id maps to, --cross-server-share \
                of the beacons to another server than the one that served the ad, --replay-share of the impressions \
                are replayed at a third; the checks then cover every chain, that no event is recorded twice \
                fleet-wide, and that the fleet's spend in the database equals the ledger's.
                """
        )
        @Argument(help: "A scenario file.") var scenario: String
        @OptionGroup var target: TargetOptions
        @Option(help: "open or closed (default: the scenario's).") var mode: Scenario.Mode?
        @Option(help: "Open-loop ad requests per second (default: the scenario's).") var rate: Int?
        @Option(help: "Seconds of load (default: the scenario's).") var duration: Int?
        @Option(help: "Connections (default: the scenario's).") var connections: Int?
        @Option(help: "Directory for result.json, latency.hgrm and latency.svg.") var out: String?
        @Option(help: "Billing key or token for GET /v1/ledger (default: $LEDGER_BEARER_TOKEN).")
        var billingToken: String?
        @Flag(help: "Native ad requests only, no OpenRTB and no beacons (the native endpoint alone).") var adsOnly = false
        @Option(help: "Fleet: the share of beacons sent to another server than the one that served the ad.")
        var crossServerShare = 0.25
        @Option(help: "Fleet: the share of impression beacons replayed at yet another server.") var replayShare = 0.05
        @Flag(help: "Skip the invariant checks.") var noInvariants = false
        @Flag(help: "No progress line.") var quiet = false
        @OptionGroup var day: DayOption

        func run() async throws {
            var scenario = try loadScenario(self.scenario)
            if let connections { scenario.connections = connections }
            if let duration { scenario.durationSeconds = duration }
            if let rate { scenario.rate = rate }
            if adsOnly {
                scenario.mix = .init(native: 1, openrtb: 0)
                scenario.beacons = .init(impressionShare: 0, clickShare: 0, delayMilliseconds: 0)
                scenario.name += "-ads-only"
            }
            if let problem = scenario.problem { throw fail(problem, 64) }
            let mode = self.mode ?? scenario.mode
            let targets = try self.target.targets()
            guard (0...1).contains(crossServerShare), (0...1).contains(replayShare) else {
                throw fail("--cross-server-share and --replay-share must be between 0 and 1", 64)
            }
            let token = billingToken ?? ProcessInfo.processInfo.environment["LEDGER_BEARER_TOKEN"] ?? ""
            if token.isEmpty, !noInvariants {
                throw fail(
                    "the invariant checks read the ledger: pass --billing-token (a billing API key from 'adctl apikey create --role billing', "
                        + "or the server's ledger.bearerToken), set LEDGER_BEARER_TOKEN, or pass --no-invariants", 64)
            }
            let reader = LedgerReader(target: targets[0], billingToken: token)
            var chainsBefore: [String?: Int64] = [:]
            if !noInvariants {
                do { chainsBefore = try await reader.chains() } catch { throw fail("cannot read the ledger before the run: \(error)", 2) }
            }
            let runner = LoadRunner(
                targets: targets, routing: .init(crossShare: crossServerShare, replayShare: replayShare),
                generator: TrafficGenerator(scenario, day: try day.instant()))
            let quiet = self.quiet
            let (stats, elapsed): (RunStats.Snapshot, Double)
            do {
                (stats, elapsed) = try await runner.run(mode: mode) { second, snapshot in
                    guard !quiet else { return }
                    let ads = (snapshot.completed[.native] ?? 0) + (snapshot.completed[.openrtb] ?? 0)
                    let p99 = Double(snapshot.adLatency.valueAtPercentile(99)) / 1000
                    let line = String(
                        format: "\r[%4ds] %8d ads answered  %7.0f/s  p99 %7.2f ms  beacons %7d  errors %d   ",
                        second, ads, Double(ads) / Double(second), p99, snapshot.beaconsAnswered, snapshot.errorCount)
                    StandardStream.error.write(line)
                }
            } catch {
                throw fail("cannot run against \(self.target.url): \(error)", 2)
            }
            if !quiet { StandardStream.error.write("\n") }
            var report = RunReport(
                scenario: scenario, mode: mode, target: self.target.url, requestedRate: mode == .open ? scenario.rate : nil,
                elapsedSeconds: elapsed, stats: stats
            )
            if !noInvariants {
                do {
                    let ledger = try await reader.read()
                    report.invariants = InvariantChecker.check(
                        records: ledger.records, keys: ledger.keys, chainsBeforeRun: chainsBefore, beaconsAccepted: stats.beaconsAnswered,
                        beaconsUnanswered: stats.beaconsUnanswered,
                        budgets: ledger.budgets
                    )
                } catch {
                    throw fail("cannot read the ledger after the run: \(error)", 2)
                }
            }
            let directory = out ?? "loadtest/results/\(scenario.name)-\(mode.rawValue)-\(Int(Date().timeIntervalSince1970))"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try report.json().write(to: URL(fileURLWithPath: "\(directory)/result.json"))
            try PercentileDistribution.text(stats.adLatency).write(toFile: "\(directory)/latency.hgrm", atomically: true, encoding: .utf8)
            let title =
                "\(scenario.name): \(mode.rawValue) loop, \(report.requestedRate.map { "\($0)/s" } ?? "\(scenario.connections) connections")"
            try LatencyChart.svg(perSecond: stats.perSecond, title: title).write(
                toFile: "\(directory)/latency.svg", atomically: true, encoding: .utf8)
            StandardStream.output.write(report.table + "\n")
            StandardStream.output.write("\nwrote \(directory)/result.json, latency.hgrm, latency.svg\n")
            if let invariants = report.invariants, !invariants.passed { throw ExitCode(1) }
        }
    }

    struct Ceiling: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Closed-loop GET /healthz: the framework's ceiling, and a floor for what this generator can drive."
        )
        @OptionGroup var target: TargetOptions
        @Option(help: "Seconds.") var duration = 8
        @Option(help: "Connections.") var connections = 32

        func run() async throws {
            let scenario = Scenario(name: "healthz", campaigns: 1, mode: .closed, durationSeconds: duration, connections: connections)
            let runner = LoadRunner(
                target: try target.target(), generator: TrafficGenerator(scenario),
                fixedRequest: PlannedRequest(kind: .healthz, method: .GET, path: "/healthz")
            )
            let (stats, _) = try await runner.run()
            let histogram = stats.histograms[.healthz]
            let answered = stats.completed[.healthz] ?? 0
            StandardStream.output.write(
                String(
                    format: "GET /healthz, closed loop, %d connections, %d s: %.0f requests/s, p50 %.2f ms, p99 %.2f ms, errors %d\n",
                    connections, duration, Double(answered) / Double(duration),
                    Double(histogram?.valueAtPercentile(50) ?? 0) / 1000, Double(histogram?.valueAtPercentile(99) ?? 0) / 1000,
                    stats.errorCount))
        }
    }
}

extension Scenario.Mode: ExpressibleByArgument {}

func loadScenario(_ path: String) throws -> Scenario {
    do { return try Scenario.load(path) } catch { throw fail("\(error)", 64) }
}

func fail(_ message: String, _ code: Int32) -> any Error {
    StandardStream.error.write("error: \(message)\n")
    return ExitCode(code)
}
