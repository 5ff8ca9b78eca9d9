import Foundation
import Histogram

/// What a run achieved, as written to `result.json` and printed as a table.
public struct RunReport: Codable, Sendable {
    /// Percentiles of one histogram, in milliseconds.
    public struct Latency: Codable, Sendable {
        public var count: UInt64
        public var p50Ms: Double
        public var p90Ms: Double
        public var p99Ms: Double
        public var p999Ms: Double
        public var maxMs: Double
        public var meanMs: Double

        init(_ histogram: Histogram<UInt64>) {
            func ms(_ micros: UInt64) -> Double { Double(micros) / 1000 }
            count = histogram.totalCount
            p50Ms = ms(histogram.valueAtPercentile(50))
            p90Ms = ms(histogram.valueAtPercentile(90))
            p99Ms = ms(histogram.valueAtPercentile(99))
            p999Ms = ms(histogram.valueAtPercentile(99.9))
            maxMs = ms(histogram.max)
            meanMs = histogram.totalCount == 0 ? 0 : histogram.mean / 1000
        }

        enum CodingKeys: String, CodingKey {
            case count
            case p50Ms = "p50_ms"
            case p90Ms = "p90_ms"
            case p99Ms = "p99_ms"
            case p999Ms = "p99_9_ms"
            case maxMs = "max_ms"
            case meanMs = "mean_ms"
        }
    }

    public var scenario: String
    public var mode: String
    public var target: String
    public var connections: Int
    public var durationSeconds: Double
    /// Open loop: the rate asked for (ad requests per second); nil in closed loop.
    public var requestedRate: Int?
    /// Ad requests answered per second of the scenario's load duration (answers that
    /// arrive while beacons drain count toward the run they belong to).
    public var achievedRate: Double
    public var adRequests: Int
    public var fillRate: Double
    /// Latency of ad requests (native and OpenRTB together), and per kind.
    public var latency: Latency
    public var latencyByKind: [String: Latency]
    public var beaconsAccepted: Int
    public var beaconsPerSecond: Double
    public var errors: [String: Int]
    public var invariants: InvariantReport?
    /// Ad-request latency second by second since the start (what the SVG chart draws),
    /// so a stall can be placed in time and matched with what the server did then.
    public var perSecond: [Latency]?

    enum CodingKeys: String, CodingKey {
        case scenario, mode, target, connections, latency, errors, invariants
        case perSecond = "per_second"
        case durationSeconds = "duration_seconds"
        case requestedRate = "requested_rate"
        case achievedRate = "achieved_rate"
        case adRequests = "ad_requests"
        case fillRate = "fill_rate"
        case latencyByKind = "latency_by_kind"
        case beaconsAccepted = "beacons_accepted"
        case beaconsPerSecond = "beacons_per_second"
    }

    public init(
        scenario: Scenario, mode: Scenario.Mode, target: String, requestedRate: Int?, elapsedSeconds: Double, stats: RunStats.Snapshot
    ) {
        self.scenario = scenario.name
        self.mode = mode.rawValue
        self.target = target
        connections = scenario.connections
        durationSeconds = elapsedSeconds
        self.requestedRate = requestedRate
        let answeredAds = (stats.completed[.native] ?? 0) + (stats.completed[.openrtb] ?? 0)
        achievedRate = elapsedSeconds > 0 ? Double(answeredAds) / Double(scenario.durationSeconds) : 0
        adRequests = stats.adRequests
        fillRate = answeredAds == 0 ? 0 : Double(stats.filledPlacements) / Double(answeredAds)
        latency = Latency(stats.adLatency)
        latencyByKind = Dictionary(uniqueKeysWithValues: stats.histograms.map { ($0.key.rawValue, Latency($0.value)) })
        beaconsAccepted = stats.beaconsAnswered
        beaconsPerSecond = elapsedSeconds > 0 ? Double(stats.beaconsAnswered) / elapsedSeconds : 0
        errors = stats.errors
        perSecond = stats.perSecond.map(Latency.init)
    }

    /// The end-of-run table.
    public var table: String {
        func f(_ value: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", value) }
        var lines = [
            "scenario \(scenario), \(mode) loop, \(connections) connections, \(f(durationSeconds, 1)) s against \(target)",
            requestedRate.map { "requested rate   \($0) ad requests/s" } ?? "requested rate   as fast as answered (closed loop)",
            "achieved rate    \(f(achievedRate, 1)) ad requests/s (\(adRequests) sent)",
            "fill rate        \(f(fillRate * 100, 1))%",
            "beacons          \(beaconsAccepted) accepted (\(f(beaconsPerSecond, 1))/s)",
            "",
            "latency (ms)     count       p50      p90      p99    p99.9      max",
        ]
        func row(_ name: String, _ l: Latency) -> String {
            let cells = [l.p50Ms, l.p90Ms, l.p99Ms, l.p999Ms, l.maxMs].map { pad(f($0), 9) }.joined()
            return name.padding(toLength: 14, withPad: " ", startingAt: 0) + pad(String(l.count), 8) + cells
        }
        lines.append(row("ad requests", latency))
        for kind in PlannedRequest.Kind.allCases { if let l = latencyByKind[kind.rawValue] { lines.append(row("  \(kind.rawValue)", l)) } }
        lines.append("")
        lines.append(
            errors.isEmpty
                ? "errors           none"
                : "errors           " + errors.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", "))
        if let invariants {
            lines.append("")
            lines.append(invariants.summary)
        }
        return lines.joined(separator: "\n")
    }

    private func pad(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }

    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}

/// The HdrHistogram percentile distribution of ad-request latency (milliseconds), in the
/// plain-text format HdrHistogram's plotters read.
public enum PercentileDistribution {
    public static func text(_ histogram: Histogram<UInt64>) -> String {
        var output = ""
        histogram.outputPercentileDistribution(to: &output, outputValueUnitScalingRatio: 1000, percentileTicksPerHalfDistance: 5)
        return output
    }
}
