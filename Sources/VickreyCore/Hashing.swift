/// SplitMix64 (Steele, Lea and Flood, 2014): a tiny, fast generator whose output
/// function is a bijection on 64 bits. The one implementation every deterministic draw
/// in Vickrey uses: tie-breaks, pacing draws, synthetic data. (Impression ids step by its
/// increment but keep only 52 bits, so they mix with a bijection on 52 bits of their own:
/// `ImpressionIDGenerator`.)
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The golden-ratio increment the state steps by.
    public static let increment: UInt64 = 0x9e37_79b9_7f4a_7c15

    public private(set) var state: UInt64

    public init(state: UInt64) { self.state = state }

    public mutating func next() -> UInt64 {
        state &+= Self.increment
        return Self.mix(state)
    }

    /// The output function: spreads every bit of `value` over the whole word.
    @inlinable
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// A uniform value in [0, 1) from the top 53 bits of `value`.
    @inlinable
    public static func unit(_ value: UInt64) -> Double { Double(value >> 11) / Double(UInt64(1) << 53) }
}

/// 64-bit FNV-1a over bytes: a stable hash (the same on every machine and run, unlike
/// `Hasher`) for seeding reproducible draws from ids.
public struct FNV1a: Sendable {
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    public mutating func add(_ byte: UInt8) {
        value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
    }

    public mutating func add(_ text: String) {
        for byte in text.utf8 { add(byte) }
    }

    /// The hash of `text`'s UTF-8 bytes.
    public static func hash(_ text: String) -> UInt64 {
        var hasher = FNV1a()
        hasher.add(text)
        return hasher.value
    }
}
