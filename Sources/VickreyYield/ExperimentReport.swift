import VickreyCore
import VickreyStore
import VickreyWire

/// An experiment's results per arm, with 95% confidence intervals computed over its
/// randomisation unit.
///
/// Units (users, or requests without a user id) are hashed into `Experiment.buckets`
/// buckets per arm independently of their arm, so every unit's traffic falls in one
/// bucket and buckets are independent samples of units. RPM is a ratio of sums
/// (revenue over auctions); its variance comes from the delta method over buckets:
/// `Var(R) ≈ n/(n−1) · Σ_b (Y_b − R·X_b)² / (Σ_b X_b)²`, with `X_b` a bucket's auctions,
/// `Y_b` its revenue and `n` the buckets that saw auctions. Arms are independent, so a
/// difference's variance is the sum of the two. An interval is `± 1.96 · SE`; a
/// difference is significant when its interval leaves out zero.
///
/// Counts and money are exact integers (revenue in nanos, RPM and eCPM in micros,
/// rounded down); the standard errors and bounds are statistical estimates, computed in
/// floating point and rounded to the micro.
public struct ExperimentReport: Sendable {
    public var experiment: StoredExperiment
    public var arms: [ArmResult]
    public var sampleRatio: SampleRatioCheck

    public static let z95 = 1.959_963_984_540_054
    /// |z| above this (two-sided p < 0.001) flags a sample-ratio mismatch.
    public static let sampleRatioZ = 3.290_526_731_491_926

    /// One arm's totals and intervals.
    public struct ArmResult: Sendable {
        public var arm: ExperimentArm
        public var auctions: Int64
        public var fills: Int64
        public var impressions: Int64
        public var clicks: Int64
        public var revenue: Nanos
        /// Revenue per 1000 auctions, micros.
        public var rpm: Int64
        public var rpmInterval: ClosedRange<Int64>?
        /// Fill rate in parts per million of auctions.
        public var fillRatePPM: Int64
        /// Revenue per 1000 impressions, micros.
        public var ecpm: Int64
        /// RPM minus the first arm's, with its interval (nil for the first arm).
        public var difference: Int64?
        public var differenceInterval: ClosedRange<Int64>?
        public var significant: Bool?
        /// Standard error of the RPM, micros (nil with fewer than two buckets with auctions).
        var standardError: Double?
        var bucketAuctions: [Int64]
    }

    /// Whether each arm's share of auctions matches its weight.
    public struct SampleRatioCheck: Sendable {
        /// The largest |z| of an arm's auctions-per-weight against the first arm's.
        public var largestZ: Double
        public var mismatch: Bool
        public var worstArm: ArmName?
    }

    public init(experiment: StoredExperiment, tallies: [ArmTally], delivery: [ArmDelivery]) {
        self.experiment = experiment
        let buckets = Experiment.buckets
        var results: [ArmResult] = []
        for arm in experiment.experiment.arms {
            var x = [Int64](repeating: 0, count: buckets)
            var y = [Int64](repeating: 0, count: buckets)
            var fills: Int64 = 0
            var impressions: Int64 = 0
            var clicks: Int64 = 0
            for tally in tallies where tally.arm == arm.name && (0..<buckets).contains(tally.bucket) {
                x[tally.bucket] += tally.auctions
                fills += tally.fills
            }
            for row in delivery where row.arm == arm.name && (0..<buckets).contains(row.bucket) {
                y[row.bucket] += row.revenue.value
                impressions += row.impressions
                clicks += row.clicks
            }
            let auctions = x.reduce(0, +)
            let revenue = y.reduce(0, +)
            let rpm = auctions == 0 ? 0 : revenue / auctions
            let se = Self.standardError(x: x, y: y)
            results.append(
                ArmResult(
                    arm: arm, auctions: auctions, fills: fills, impressions: impressions, clicks: clicks, revenue: Nanos(revenue),
                    rpm: rpm, rpmInterval: se.map { Self.interval(Double(revenue) / Double(max(auctions, 1)), $0) },
                    fillRatePPM: auctions == 0 ? 0 : fills * 1_000_000 / auctions, ecpm: impressions == 0 ? 0 : revenue / impressions,
                    difference: nil, differenceInterval: nil, significant: nil, standardError: se, bucketAuctions: x))
        }
        if let baseline = results.first {
            for index in results.indices.dropFirst() {
                let arm = results[index]
                results[index].difference = arm.rpm - baseline.rpm
                if let a = arm.standardError, let b = baseline.standardError {
                    let estimate =
                        Double(arm.revenue.value) / Double(max(arm.auctions, 1)) - Double(baseline.revenue.value)
                        / Double(max(baseline.auctions, 1))
                    let interval = Self.interval(estimate, (a * a + b * b).squareRoot())
                    results[index].differenceInterval = interval
                    results[index].significant = interval.lowerBound > 0 || interval.upperBound < 0
                }
            }
        }
        arms = results
        sampleRatio = Self.checkSampleRatio(results)
    }

    /// The delta-method standard error of `Σy / Σx` over buckets (nil with fewer than two
    /// buckets holding auctions).
    static func standardError(x: [Int64], y: [Int64]) -> Double? {
        let used = x.indices.filter { x[$0] > 0 }
        guard used.count >= 2 else { return nil }
        let totalX = Double(x.reduce(0, +))
        let ratio = Double(y.reduce(0, +)) / totalX
        var sum = 0.0
        for b in x.indices {
            let residual = Double(y[b]) - ratio * Double(x[b])
            sum += residual * residual
        }
        let n = Double(used.count)
        return (n / (n - 1) * sum).squareRoot() / totalX
    }

    static func interval(_ estimate: Double, _ standardError: Double) -> ClosedRange<Int64> {
        let low = (estimate - z95 * standardError).rounded(.down)
        let high = (estimate + z95 * standardError).rounded(.up)
        return Int64(low)...Int64(high)
    }

    /// Compares each arm's auctions per unit of weight with the first arm's, with
    /// variances from the spread of auctions over buckets (a heavy user moves a whole
    /// bucket, so the check does not mistake one busy user for a broken split).
    static func checkSampleRatio(_ arms: [ArmResult]) -> SampleRatioCheck {
        guard let baseline = arms.first else { return SampleRatioCheck(largestZ: 0, mismatch: false, worstArm: nil) }
        func perWeight(_ arm: ArmResult) -> (mean: Double, variance: Double) {
            let weight = Double(arm.arm.weight)
            let n = Double(arm.bucketAuctions.count)
            let mean = Double(arm.auctions) / n
            var sum = 0.0
            for value in arm.bucketAuctions { sum += (Double(value) - mean) * (Double(value) - mean) }
            // Var(total) = n · s², s² the buckets' sample variance; floor at Poisson's.
            let variance = max(n * sum / (n - 1), Double(arm.auctions))
            return (Double(arm.auctions) / weight, variance / (weight * weight))
        }
        let base = perWeight(baseline)
        var largest = 0.0
        var worst: ArmName?
        for arm in arms.dropFirst() {
            let other = perWeight(arm)
            let spread = (base.variance + other.variance).squareRoot()
            guard spread > 0 else { continue }
            let z = abs(other.mean - base.mean) / spread
            if z > largest {
                largest = z
                worst = arm.arm.name
            }
        }
        return SampleRatioCheck(largestZ: largest, mismatch: largest > sampleRatioZ, worstArm: worst)
    }
}

extension ExperimentReport {
    /// The report as JSON (`adctl experiment report --json` and `GET /v1/admin/experiments/{id}/report`).
    public var json: String {
        func interval(_ range: ClosedRange<Int64>?, _ out: inout JSONWriter) {
            guard let range else { return out.null() }
            out.array { out in
                out.integer(range.lowerBound)
                out.integer(range.upperBound)
            }
        }
        var out = JSONWriter(capacity: 512 + 512 * arms.count)
        out.object { out in
            out.field("experiment", experiment.experiment.id.rawValue)
            out.field("status", experiment.experiment.status.rawValue)
            out.field("method", "delta method over \(Experiment.buckets) user buckets per arm")
            out.key("confidence")
            out.number("0.95")
            out.key("arms")
            out.array { out in
                for arm in arms {
                    out.object { out in
                        out.field("arm", arm.arm.name.rawValue)
                        out.field("weight", arm.arm.weight)
                        out.field("auctions", arm.auctions)
                        out.field("fills", arm.fills)
                        out.field("fill_rate_ppm", arm.fillRatePPM)
                        out.field("impressions", arm.impressions)
                        out.field("clicks", arm.clicks)
                        out.field("revenue_nanos", arm.revenue.value)
                        out.field("rpm_micros", arm.rpm)
                        out.key("rpm_ci95_micros")
                        interval(arm.rpmInterval, &out)
                        out.field("ecpm_micros", arm.ecpm)
                        out.field("rpm_difference_micros", arm.difference)
                        out.key("rpm_difference_ci95_micros")
                        interval(arm.differenceInterval, &out)
                        out.key("significant")
                        if let significant = arm.significant { out.bool(significant) } else { out.null() }
                    }
                }
            }
            out.key("sample_ratio")
            out.object { out in
                out.field("mismatch", sampleRatio.mismatch)
                out.key("largest_z")
                out.number(Self.fixed(sampleRatio.largestZ))
                out.key("threshold_z")
                out.number("3.29")
            }
        }
        return out.text
    }

    /// `value` with two decimals, from its rounded hundredths (the z of the sample-ratio
    /// check, in the JSON and in `adctl`'s text).
    public static func fixed(_ value: Double) -> String {
        let hundredths = Int64((value * 100).rounded())
        return DecimalMoney.format(hundredths, fractionDigits: 2)
    }
}
