/// A deterministic random generator seeded from a request id (SplitMix64 over a
/// 64-bit FNV-1a hash of the id's UTF-8 bytes), so ties break the same way every time
/// the same request id is auctioned, in any process, on any machine.
public struct TieBreakGenerator: RandomNumberGenerator, Sendable {
    private var generator: SplitMix64

    public init(requestID: String, stream: UInt64 = 0) {
        generator = SplitMix64(state: FNV1a.hash(requestID) ^ (stream &* SplitMix64.increment))
    }

    public mutating func next() -> UInt64 { generator.next() }

    /// A uniform index in `0..<count` (rejection sampling, so no modulo bias), with a
    /// fixed algorithm that does not depend on the standard library's.
    public mutating func index(below count: Int) -> Int {
        precondition(count > 0)
        let bound = UInt64(count)
        let limit = UInt64.max - UInt64.max % bound
        while true {
            let value = next()
            if value < limit { return Int(value % bound) }
        }
    }
}
