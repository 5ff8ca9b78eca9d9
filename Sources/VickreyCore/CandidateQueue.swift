/// A matched campaign waiting in a placement's queue, ordered by score (then slot, so
/// the order is total).
struct Candidate: Comparable {
    var score: Int64
    var slot: Int
    static func < (lhs: Self, rhs: Self) -> Bool { (lhs.score, lhs.slot) < (rhs.score, rhs.slot) }
}

/// Hands out a placement's candidates best first without ordering them all.
///
/// An auction usually decides after the top few candidates, so instead of sorting or
/// heapifying every match, each refill makes one pass over the matches and keeps the
/// `batchSize` best of those not yet handed out. Most auctions need one pass; an
/// auction that drains everything (debug) costs `matches / batchSize` passes.
struct CandidateQueue {
    static let batchSize = 32

    private let matches: [Candidate]
    /// The current batch in ascending order, so the best is last.
    private var batch: [Candidate] = []
    /// Every candidate at or above this one has been handed out.
    private var lowestTaken: Candidate?
    private var handedOut = 0

    init(_ matches: [Candidate]) {
        self.matches = matches
        batch.reserveCapacity(Self.batchSize)
    }

    var count: Int { matches.count }

    /// The best candidate not yet handed out.
    mutating func peek() -> Candidate? {
        if batch.isEmpty { refill() }
        return batch.last
    }

    mutating func pop() -> Candidate? {
        guard let best = peek() else { return nil }
        batch.removeLast()
        lowestTaken = best
        handedOut += 1
        return best
    }

    private mutating func refill() {
        guard handedOut < matches.count else { return }
        let ceiling = lowestTaken
        matches.withUnsafeBufferPointer { matches in
            for candidate in matches where ceiling.map({ candidate < $0 }) ?? true {
                if batch.count < Self.batchSize {
                    insertSorted(candidate)
                } else if candidate > batch[0] {
                    batch.removeFirst()
                    insertSorted(candidate)
                }
            }
        }
    }

    private mutating func insertSorted(_ candidate: Candidate) {
        var index = batch.count
        while index > 0, batch[index - 1] > candidate { index -= 1 }
        batch.insert(candidate, at: index)
    }
}
