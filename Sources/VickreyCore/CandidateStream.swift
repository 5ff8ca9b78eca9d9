/// A matched campaign as the auction sees it: its score and its index slot.
struct Candidate: Equatable {
    var score: Int64
    var slot: Int

    /// The stream's order: higher score first, then lower slot (in the ranked part of
    /// the index, lower slot means lower campaign id among equal scores).
    func comesBefore(_ other: Candidate) -> Bool {
        score != other.score ? score > other.score : slot < other.slot
    }
}

/// Hands out a placement's matching candidates best first, evaluating only as much of
/// the index as the auction asks for.
///
/// The index keeps most campaigns in slots ordered by descending score (its ranked
/// part), so walking the query's conjunction a word at a time from slot 0 yields them
/// best first, and an auction that decides after a few candidates reads only the first
/// words. Campaigns added or re-scored since the index was last ranked sit in a short
/// tail that is evaluated whole, sorted, and merged in.
struct CandidateStream {
    private var conjunction: PostingConjunction
    private let live: SlotBitmap
    private let scores: [Int64]
    /// Words of the ranked part still to evaluate: `nextWord..<rankedWords`.
    private var nextWord = 0
    private let rankedWords: Int
    private let rankedCount: Int
    /// Bits of the current ranked word not handed out yet, and that word's first slot.
    private var pendingBits: UInt64 = 0
    private var pendingBase = 0
    private var rankedHead: Candidate?
    /// Matching candidates outside the ranked part, worst first (the best is last).
    private var others: [Candidate]
    /// Whether any candidate matched at all (known once the stream is exhausted or has
    /// handed one out).
    private(set) var matchedAny = false

    /// The candidates of `snapshot` that pass `conjunction`.
    init(snapshot: IndexSnapshot, conjunction: PostingConjunction) {
        var conjunction = conjunction
        live = snapshot.live
        scores = snapshot.scores
        rankedCount = snapshot.rankedCount
        rankedWords = (rankedCount + 63) >> 6
        var tail: [Candidate] = []
        let firstTailWord = rankedCount >> 6
        for word in firstTailWord..<live.words.count {
            var bits = conjunction.word(word, of: live.word(word))
            if word == firstTailWord { bits &= ~((1 << UInt64(rankedCount & 63)) &- 1) }
            while bits != 0 {
                let slot = word << 6 | bits.trailingZeroBitCount
                tail.append(Candidate(score: scores[slot], slot: slot))
                bits &= bits &- 1
            }
        }
        tail.sort { $1.comesBefore($0) }
        others = tail
        self.conjunction = conjunction
        rankedHead = nextRanked()
    }

    /// Candidates already found some other way (the linear-scan baseline), in any order.
    init(unordered candidates: [Candidate]) {
        conjunction = PostingConjunction()
        live = SlotBitmap()
        scores = []
        rankedCount = 0
        rankedWords = 0
        others = candidates.sorted { $1.comesBefore($0) }
    }

    /// The best candidate not yet handed out.
    mutating func peek() -> Candidate? {
        let best: Candidate?
        switch (rankedHead, others.last) {
        case (let ranked?, let other?): best = ranked.comesBefore(other) ? ranked : other
        case (let ranked, let other): best = ranked ?? other
        }
        if best != nil { matchedAny = true }
        return best
    }

    /// Hands out the best candidate.
    mutating func pop() -> Candidate? {
        guard let best = peek() else { return nil }
        if best == rankedHead {
            rankedHead = nextRanked()
        } else {
            others.removeLast()
        }
        return best
    }

    private mutating func nextRanked() -> Candidate? {
        while pendingBits == 0 {
            guard nextWord < rankedWords else { return nil }
            var bits = conjunction.word(nextWord, of: live.word(nextWord))
            if nextWord == rankedWords - 1, rankedCount & 63 != 0 { bits &= (1 << UInt64(rankedCount & 63)) &- 1 }
            pendingBits = bits
            pendingBase = nextWord << 6
            nextWord += 1
        }
        let slot = pendingBase | pendingBits.trailingZeroBitCount
        pendingBits &= pendingBits &- 1
        return Candidate(score: scores[slot], slot: slot)
    }
}
