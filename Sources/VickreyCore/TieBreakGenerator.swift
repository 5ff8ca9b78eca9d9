/// A deterministic random generator seeded from a request id (SplitMix64 over a
/// 64-bit FNV-1a hash of the id's UTF-8 bytes), so ties break the same way every time
/// the same request id is auctioned, in any process, on any machine.
public struct TieBreakGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(requestID: String, stream: UInt64 = 0) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in requestID.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        state = hash ^ (stream &* 0x9e37_79b9_7f4a_7c15)
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

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
