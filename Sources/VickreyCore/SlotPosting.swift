/// The index slots posted under one targeted value: a sorted list of slot numbers while
/// few campaigns hold the value, a bitmap once the list would outgrow the bitmap.
///
/// A value most campaigns share (a large country, "any keyword") costs one bit per slot
/// of the index; a value few share (most keywords) costs four bytes per campaign holding
/// it. At a million campaigns a keyword of 6,000 is a 24 KB list instead of a 125 KB
/// bitmap. A list becomes a bitmap when it passes a thirty-second of the index's slots
/// (where the two sizes cross); a bitmap stays one until the index is rebuilt.
///
/// Readers ask for it a machine word (64 slots) at a time with a cursor of their own
/// (`word(_:cursor:)`), so walking a list word by word costs one step per slot in it.
struct SlotPosting: Sendable {
    private enum Storage: Sendable {
        case list([UInt32])
        case bitmap(SlotBitmap)
    }

    private var storage = Storage.list([])

    init() {}

    var isEmpty: Bool {
        switch storage {
        case .list(let slots): slots.isEmpty
        case .bitmap(let bitmap): bitmap.isEmpty
        }
    }

    /// Whether it is held as a bitmap (what its tests check).
    var isBitmap: Bool {
        if case .bitmap = storage { return true }
        return false
    }

    /// The bytes its slots take, capacity aside (what its tests check).
    var byteCount: Int {
        switch storage {
        case .list(let slots): slots.count * MemoryLayout<UInt32>.stride
        case .bitmap(let bitmap): bitmap.words.count * MemoryLayout<UInt64>.stride
        }
    }

    func contains(_ slot: Int) -> Bool {
        switch storage {
        case .list(let slots):
            let position = Self.lowerBound(UInt32(slot), in: slots, from: 0)
            return position < slots.count && slots[position] == UInt32(slot)
        case .bitmap(let bitmap): return bitmap.contains(slot)
        }
    }

    /// Adds `slot`; `slotCount` is the number of slots the index has (at least `slot + 1`),
    /// which decides when a list turns into a bitmap and how long that bitmap is made.
    mutating func insert(_ slot: Int, slotCount: Int) {
        switch storage {
        case .bitmap(var bitmap):
            storage = .list([])  // the payload uniquely referenced while it changes
            bitmap.insert(slot)
            storage = .bitmap(bitmap)
        case .list(var slots):
            storage = .list([])
            let value = UInt32(slot)
            if let last = slots.last, last >= value {
                let position = Self.lowerBound(value, in: slots, from: 0)
                if slots[position] != value { slots.insert(value, at: position) }
            } else {
                slots.append(value)
            }
            let bitmapBytes = (max(slotCount, slot + 1) + 63) / 64 * MemoryLayout<UInt64>.stride
            if slots.count * MemoryLayout<UInt32>.stride > bitmapBytes {
                var bitmap = SlotBitmap(reservingSlots: max(slotCount, slot + 1))
                for slot in slots { bitmap.insert(Int(slot)) }
                storage = .bitmap(bitmap)
            } else {
                storage = .list(slots)
            }
        }
    }

    mutating func remove(_ slot: Int) {
        switch storage {
        case .bitmap(var bitmap):
            storage = .list([])
            bitmap.remove(slot)
            storage = .bitmap(bitmap)
        case .list(var slots):
            storage = .list([])
            let position = Self.lowerBound(UInt32(slot), in: slots, from: 0)
            if position < slots.count, slots[position] == UInt32(slot) { slots.remove(at: position) }
            storage = .list(slots)
        }
    }

    /// The slots `index << 6 ..< (index + 1) << 6`, one bit each. `cursor` is the caller's
    /// place in a list (start it at 0): reading words in ascending order moves it forward
    /// one slot at a time; a jump back or far ahead finds its place by binary search.
    @inline(__always)
    func word(_ index: Int, cursor: inout Int) -> UInt64 {
        switch storage {
        case .bitmap(let bitmap): return bitmap.word(index)
        case .list(let slots): return Self.word(index, of: slots, cursor: &cursor)
        }
    }

    private static func word(_ index: Int, of slots: [UInt32], cursor: inout Int) -> UInt64 {
        let base = UInt32(truncatingIfNeeded: index << 6)
        var position = min(cursor, slots.count)
        if position > 0, slots[position - 1] >= base {
            position = lowerBound(base, in: slots, from: 0)
        } else if position + 8 < slots.count, slots[position + 8] < base {
            position = lowerBound(base, in: slots, from: position + 8)
        }
        while position < slots.count, slots[position] < base { position += 1 }
        var bits: UInt64 = 0
        while position < slots.count {
            let offset = slots[position] &- base
            guard offset < 64 else { break }
            bits |= 1 << UInt64(offset)
            position += 1
        }
        cursor = position
        return bits
    }

    /// The first position at or after `start` whose slot is not below `value`.
    private static func lowerBound(_ value: UInt32, in slots: [UInt32], from start: Int) -> Int {
        var low = start
        var high = slots.count
        while low < high {
            let middle = (low + high) / 2
            if slots[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
