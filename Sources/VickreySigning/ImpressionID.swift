import Synchronization
import VickreyCore

/// Impression ids: 24 lowercase hex digits that name one sold ad (`docs/ledger.md`): the
/// first 11 the millisecond it was served, the other 13 unique within the serving process.
public enum ImpressionID {
    /// A new impression id: the first 11 digits the milliseconds since 1970 at `time` and
    /// the other 13 the next of `ImpressionIDGenerator`'s 52-bit values, which no other id
    /// of this process had. Ids minted later sort after earlier ones, so the ledger's
    /// unique index on (kind, impression id) grows at its end: a batch of records dirties a
    /// page or two of it instead of one page per record.
    public static func new(at time: Instant) -> String {
        spelling(milliseconds: UInt64(clamping: time.millisecondsSinceEpoch), sequence: ImpressionIDGenerator.next())
    }

    /// The id's spelling: 44 bits of milliseconds, then 52 bits of `sequence`.
    public static func spelling(milliseconds: UInt64, sequence: UInt64) -> String {
        let high = min(milliseconds, (1 << 44) - 1)
        let low = sequence & ImpressionIDGenerator.mask
        return String(unsafeUninitializedCapacity: 24) { buffer in
            for index in 0..<11 { buffer[index] = hexDigits[Int(high >> UInt64(40 - 4 * index) & 0xF)] }
            for index in 0..<13 { buffer[11 + index] = hexDigits[Int(low >> UInt64(48 - 4 * index) & 0xF)] }
            return 24
        }
    }

    /// Whether `text` is an impression id's spelling: 24 lowercase hex digits.
    public static func isValid(_ text: String) -> Bool {
        text.utf8.count == 24 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}

/// The unique part of impression ids, without a system call each: a process-wide 52-bit
/// counter that starts at a value from the system's generator and steps by an odd
/// constant, passed through a mixer that is a bijection on 52 bits (xor-shifts and
/// multiplications by odd constants, modulo 2^52). So no two values drawn in one process
/// are equal (until 2^52 draws: over a thousand years at 100,000 a second), and a new
/// process starts elsewhere. The values look random but are not secret: tokens are
/// authenticated by their MAC, not by the id's unpredictability.
public enum ImpressionIDGenerator {
    /// The 52 bits the values use.
    public static let mask: UInt64 = (1 << 52) - 1

    private static let counter: Atomic<UInt64> = {
        var system = SystemRandomNumberGenerator()
        return Atomic(system.next() & mask)
    }()

    /// The next value (below 2^52).
    public static func next() -> UInt64 {
        mix(counter.wrappingAdd(SplitMix64.increment, ordering: .relaxed).newValue)
    }

    /// A bijection on the low 52 bits of `value` (the high 12 are ignored).
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value & mask
        z = ((z ^ (z >> 26)) &* 0xbf58_476d_1ce4_e5b9) & mask
        z = ((z ^ (z >> 25)) &* 0x94d0_49bb_1331_11eb) & mask
        return z ^ (z >> 27)
    }
}
