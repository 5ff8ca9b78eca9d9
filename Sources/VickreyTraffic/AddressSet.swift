import VickreyCore

/// Many address ranges, merged into sorted, disjoint intervals per family, so that a
/// lookup is a binary search however many ranges a data-centre list holds.
public struct AddressSet: Sendable {
    private let v4: [(low: UInt32, high: UInt32)]
    private let v6: [(low: UInt128, high: UInt128)]
    public let rangeCount: Int

    public init(_ ranges: [AddressRange]) {
        rangeCount = ranges.count
        var v4: [(UInt32, UInt32)] = []
        var v6: [(UInt128, UInt128)] = []
        for range in ranges {
            if range.network.bytes.count == 4 {
                let base = range.network.bytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                let hostBits = 32 - range.prefixLength
                let mask: UInt32 = hostBits == 32 ? .max : (1 << hostBits) - 1
                v4.append((base & ~mask, base | mask))
            } else {
                let base = range.network.bytes.reduce(UInt128(0)) { $0 << 8 | UInt128($1) }
                let hostBits = 128 - range.prefixLength
                let mask: UInt128 = hostBits == 128 ? .max : (1 << hostBits) - 1
                v6.append((base & ~mask, base | mask))
            }
        }
        self.v4 = Self.merged(v4)
        self.v6 = Self.merged(v6)
    }

    public func contains(_ address: IPAddress) -> Bool {
        if address.bytes.count == 4 {
            return Self.find(address.bytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }, in: v4)
        }
        return Self.find(address.bytes.reduce(UInt128(0)) { $0 << 8 | UInt128($1) }, in: v6)
    }

    private static func merged<T: Comparable & FixedWidthInteger>(_ intervals: [(T, T)]) -> [(low: T, high: T)] {
        var result: [(low: T, high: T)] = []
        for (low, high) in intervals.sorted(by: { $0.0 < $1.0 }) {
            if let last = result.last, last.high == .max || low <= last.high + 1 {
                result[result.count - 1].high = max(last.high, high)
            } else {
                result.append((low, high))
            }
        }
        return result
    }

    private static func find<T: Comparable>(_ value: T, in intervals: [(low: T, high: T)]) -> Bool {
        var low = 0
        var high = intervals.count
        while low < high {
            let middle = (low + high) / 2
            if intervals[middle].high < value { low = middle + 1 } else { high = middle }
        }
        return low < intervals.count && intervals[low].low <= value
    }
}
