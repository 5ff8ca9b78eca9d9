/// A growable set of small non-negative integers (index slots), one bit each.
///
/// A bitmap may be shorter than another; missing words read as zero, so bitmaps never
/// need resizing together when the index grows.
struct SlotBitmap: Hashable, Sendable {
    private(set) var words: [UInt64] = []

    init() {}

    /// An empty bitmap with room for `slotCount` slots, so filling it never reallocates.
    init(reservingSlots slotCount: Int) { words.reserveCapacity((slotCount + 63) / 64) }

    /// Every slot from 0 to `slotCount - 1`.
    init(everySlotBelow slotCount: Int) {
        words = Array(repeating: ~0, count: slotCount / 64)
        if slotCount % 64 != 0 { words.append(1 << UInt64(slotCount % 64) - 1) }
    }

    func contains(_ slot: Int) -> Bool {
        let word = slot >> 6
        return word < words.count && words[word] & (1 << UInt64(slot & 63)) != 0
    }

    mutating func insert(_ slot: Int) {
        let word = slot >> 6
        if word >= words.count { words.append(contentsOf: repeatElement(0, count: word - words.count + 1)) }
        words[word] |= 1 << UInt64(slot & 63)
    }

    mutating func remove(_ slot: Int) {
        let word = slot >> 6
        guard word < words.count else { return }
        words[word] &= ~(1 << UInt64(slot & 63))
    }

    /// The 64 slots starting at `index << 6`, one bit each; zero past the end.
    @inline(__always)
    func word(_ index: Int) -> UInt64 { index < words.count ? words[index] : 0 }

    var isEmpty: Bool { words.allSatisfy { $0 == 0 } }
}

/// One query's conjunction over postings, evaluated a machine word (64 slots) at a
/// time, so a caller can stop as soon as it has seen enough slots.
///
/// Each clause is one dimension: a slot passes it when it is in at least one of the
/// clause's include postings and in none of its exclude postings. The postings are kept
/// in one flat array, each with its reading cursor (two allocations per query, whatever
/// the number of clauses). Build it clause by clause: `include`…, `closeIncludes`,
/// `exclude`…, `closeClause`.
struct PostingConjunction {
    private var postings: [(posting: SlotPosting, cursor: Int)] = []
    /// Per clause: where its includes end and where its excludes end in `postings`.
    private var clauseEnds: [(includes: Int, excludes: Int)] = []

    /// Where the open clause's includes end, once `closeIncludes` has been called.
    private var includesEnd: Int?

    init() {
        postings.reserveCapacity(16)
        clauseEnds.reserveCapacity(IndexedDimension.allCases.count + 1)
    }

    /// Adds an include posting to the open clause.
    mutating func include(_ posting: SlotPosting) { postings.append((posting, 0)) }

    /// Ends the open clause's includes; what `exclude` adds next are its excludes.
    mutating func closeIncludes() { includesEnd = postings.count }

    /// Adds an exclude posting to the open clause (after `closeIncludes`).
    mutating func exclude(_ posting: SlotPosting) { postings.append((posting, 0)) }

    /// Ends the open clause. A clause with no include posting admits nothing.
    mutating func closeClause() {
        clauseEnds.append((includesEnd ?? postings.count, postings.count))
        includesEnd = nil
    }

    /// The slots of word `index` that pass every clause, out of `candidates`. Cheapest
    /// when called for ascending `index` (the postings' cursors then only move forward).
    mutating func word(_ index: Int, of candidates: UInt64) -> UInt64 {
        var result = candidates
        var start = 0
        for (includeEnd, excludeEnd) in clauseEnds {
            guard result != 0 else { return 0 }
            var included: UInt64 = 0
            for position in start..<includeEnd { included |= postings[position].posting.word(index, cursor: &postings[position].cursor) }
            result &= included
            for position in includeEnd..<excludeEnd {
                result &= ~postings[position].posting.word(index, cursor: &postings[position].cursor)
            }
            start = excludeEnd
        }
        return result
    }
}
