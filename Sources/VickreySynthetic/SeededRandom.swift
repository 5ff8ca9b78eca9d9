import Foundation
import VickreyCore

/// A small, fast, seedable generator (SplitMix64) so synthetic data is reproducible:
/// the same seed yields the same campaigns and requests on every machine.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var generator: SplitMix64

    public init(seed: UInt64) { generator = SplitMix64(state: seed) }

    public mutating func next() -> UInt64 { generator.next() }

    /// A uniform integer in `range` (rejection sampling; independent of the standard
    /// library's algorithm so sequences never change across toolchains).
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        let span = UInt64(range.upperBound - range.lowerBound) + 1
        let limit = UInt64.max - UInt64.max % span
        while true {
            let value = next()
            if value < limit { return range.lowerBound + Int(value % span) }
        }
    }

    /// True with probability `percent`/100.
    public mutating func chance(_ percent: Int) -> Bool { int(in: 0...99) < percent }
}

/// Draws indices `0..<count` with probability proportional to `1 / (rank + 1)^s`:
/// a few popular values (placements, countries, keywords) and a long tail.
public struct ZipfDistribution: Sendable {
    private let cumulative: [UInt64]

    /// `exponentTenths` is `s × 10` (10 for the classic Zipf).
    public init(count: Int, exponentTenths: Int = 10) {
        precondition(count > 0)
        var weights: [UInt64] = []
        var total: UInt64 = 0
        for rank in 1...count {
            // Integer weights 10^9 / rank^s; floating point only shapes the curve.
            let weight = UInt64(1_000_000_000 / pow(Double(rank), Double(exponentTenths) / 10)) + 1
            total += weight
            weights.append(total)
        }
        cumulative = weights
    }

    public func sample(using random: inout SeededRandom) -> Int {
        let target = random.next() % cumulative.last!
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let mid = (low + high) / 2
            if cumulative[mid] > target { high = mid } else { low = mid + 1 }
        }
        return low
    }

    /// `k` distinct indices (fewer if the domain is smaller).
    public func distinct(_ k: Int, using random: inout SeededRandom) -> [Int] {
        var picked: [Int] = []
        var attempts = 0
        while picked.count < min(k, cumulative.count), attempts < k * 20 {
            let value = sample(using: &random)
            if !picked.contains(value) { picked.append(value) }
            attempts += 1
        }
        return picked
    }
}
