import Testing
import VickreyCore

/// `KeywordSet` (a campaign's keywords kept in order) behaves as `Set<Keyword>` does.
@Suite("Keyword sets")
struct KeywordSetTests {
    static func k(_ text: String) -> Keyword { Keyword(text)! }

    @Test(arguments: [
        ([], []),
        (["shoes"], ["shoes"]),
        (["wine", "beer", "wine", "ale", "beer"], ["ale", "beer", "wine"]),
        (["Zed", "zed", "apple"], ["apple", "zed"]),  // keywords are lower-cased, then equal
    ])
    func holdsEachKeywordOnceInOrder(given: [String], held: [String]) {
        let set = KeywordSet(given.map(Self.k))
        #expect(set.map(\.rawValue) == held)
        #expect(set.count == Set(given.map(Self.k)).count)
        #expect(set == KeywordSet(given.reversed().map(Self.k)) && set.hashValue == KeywordSet(given.reversed().map(Self.k)).hashValue)
    }

    /// Random inserts and removals answer exactly as a `Set` answers them, and leave the
    /// same members.
    @Test(arguments: [1, 2, 3, 4])
    func answersAsASetDoes(seed: UInt64) {
        var random = SplitMix64(state: seed)
        func next(_ bound: Int) -> Int { Int.random(in: 0..<bound, using: &random) }
        var reference = Set<Keyword>()
        var set = KeywordSet()
        for _ in 0..<2_000 {
            let keyword = Self.k("kw\(next(40))")
            if next(3) == 0 {
                #expect(set.remove(keyword) == reference.remove(keyword))
            } else {
                let (inserted, member) = set.insert(keyword)
                let expected = reference.insert(keyword)
                #expect(inserted == expected.inserted && member == expected.memberAfterInsert)
            }
            #expect(set.contains(keyword) == reference.contains(keyword))
        }
        #expect(Array(set) == reference.sorted())
        #expect(set.contains(Self.k("absent")) == false)
    }
}
