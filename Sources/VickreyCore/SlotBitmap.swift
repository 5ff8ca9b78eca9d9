/// A growable set of small non-negative integers (index slots), one bit each.
///
/// A bitmap may be shorter than another; missing words read as zero, so bitmaps never
/// need resizing together when the index grows.
struct SlotBitmap: Hashable, Sendable {
    private(set) var words: [UInt64] = []

    init() {}

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

    var isEmpty: Bool { words.allSatisfy { $0 == 0 } }

    var count: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }
}

/// Scratch space for evaluating one conjunction of bitmap clauses, a word at a time.
///
/// `result` starts as the live set; each clause narrows it with
/// `(anyOf(includes) & ~anyOf(excludes))`. Loops run over plain word buffers so the
/// compiler can vectorise them.
struct BitmapEvaluation {
    private(set) var result: [UInt64]
    private var included: [UInt64]
    private var excluded: [UInt64]

    init(live: SlotBitmap) {
        result = live.words
        included = Array(repeating: 0, count: live.words.count)
        excluded = Array(repeating: 0, count: live.words.count)
    }

    /// Keeps only slots in at least one of `includes` and in none of `excludes`.
    mutating func narrow(includes: [SlotBitmap], excludes: [SlotBitmap]) {
        let wordCount = result.count
        included.withUnsafeMutableBufferPointer { included in
            for index in 0..<wordCount { included[index] = 0 }
            for bitmap in includes {
                bitmap.words.withUnsafeBufferPointer { words in
                    for index in 0..<min(wordCount, words.count) { included[index] |= words[index] }
                }
            }
        }
        if !excludes.isEmpty {
            excluded.withUnsafeMutableBufferPointer { excluded in
                for index in 0..<wordCount { excluded[index] = 0 }
                for bitmap in excludes {
                    bitmap.words.withUnsafeBufferPointer { words in
                        for index in 0..<min(wordCount, words.count) { excluded[index] |= words[index] }
                    }
                }
            }
        }
        let hasExcludes = !excludes.isEmpty
        result.withUnsafeMutableBufferPointer { result in
            included.withUnsafeBufferPointer { included in
                excluded.withUnsafeBufferPointer { excluded in
                    if hasExcludes {
                        for index in 0..<wordCount { result[index] &= included[index] & ~excluded[index] }
                    } else {
                        for index in 0..<wordCount { result[index] &= included[index] }
                    }
                }
            }
        }
    }

    /// How many slots are still in the result.
    var count: Int { result.reduce(0) { $0 + $1.nonzeroBitCount } }

    /// Calls `body` with every slot still in the result, in ascending order.
    func forEachSlot(_ body: (Int) -> Void) {
        result.withUnsafeBufferPointer { words in
            for (index, word) in words.enumerated() where word != 0 {
                var remaining = word
                while remaining != 0 {
                    body(index << 6 | remaining.trailingZeroBitCount)
                    remaining &= remaining - 1
                }
            }
        }
    }
}
