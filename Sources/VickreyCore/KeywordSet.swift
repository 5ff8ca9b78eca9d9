/// A set of keywords kept as a sorted array of distinct keywords.
///
/// A campaign targets a few keywords, and its set rarely repeats another campaign's: as a
/// hash table a handful of keywords takes twice the bytes of the same keywords in order
/// (some 100 MiB at a million campaigns). Membership is a binary search; iteration is in
/// ascending order; equal sets are equal arrays, so they compare and hash alike.
public struct KeywordSet: Hashable, Sendable, RandomAccessCollection, ExpressibleByArrayLiteral, CustomStringConvertible {
    private var keywords: [Keyword]

    public init() { keywords = [] }

    /// The distinct keywords of `keywords`, in any order, with repeats.
    public init(_ keywords: some Sequence<Keyword>) {
        var list = Array(keywords)
        list.sort()
        var write = 0
        for read in list.indices where write == 0 || list[read] != list[write - 1] {
            list[write] = list[read]
            write += 1
        }
        list.removeLast(list.count - write)
        self.keywords = list
    }

    public init(arrayLiteral keywords: Keyword...) { self.init(keywords) }

    public var startIndex: Int { keywords.startIndex }
    public var endIndex: Int { keywords.endIndex }
    public subscript(position: Int) -> Keyword { keywords[position] }

    public func contains(_ keyword: Keyword) -> Bool { place(of: keyword).found }

    public func withContiguousStorageIfAvailable<Result>(_ body: (UnsafeBufferPointer<Keyword>) throws -> Result) rethrows -> Result? {
        try keywords.withUnsafeBufferPointer(body)
    }

    /// Adds `keyword` unless it is in already (as `Set.insert`).
    @discardableResult
    public mutating func insert(_ keyword: Keyword) -> (inserted: Bool, memberAfterInsert: Keyword) {
        let (index, found) = place(of: keyword)
        if found { return (false, keywords[index]) }
        keywords.insert(keyword, at: index)
        return (true, keyword)
    }

    /// Removes `keyword`; the removed keyword, or nil when it was not in the set.
    @discardableResult
    public mutating func remove(_ keyword: Keyword) -> Keyword? {
        let (index, found) = place(of: keyword)
        return found ? keywords.remove(at: index) : nil
    }

    public var description: String { "[\(keywords.map(\.rawValue).joined(separator: ", "))]" }

    /// Where `keyword` is, or would go to keep the order.
    private func place(of keyword: Keyword) -> (index: Int, found: Bool) {
        var (low, high) = (0, keywords.count)
        while low < high {
            let middle = (low + high) / 2
            if keywords[middle] < keyword { low = middle + 1 } else { high = middle }
        }
        return (low, low < keywords.count && keywords[low] == keyword)
    }
}
