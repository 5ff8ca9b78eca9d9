import Testing
import VickreySynthetic

@testable import VickreyCore

/// A posting read word by word must give exactly the slots put in it, whichever form it
/// holds them in and in whatever order its words are read.
@Suite("Slot postings: sorted lists and bitmaps read alike")
struct SlotPostingTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let slotCount: Int
        let slots: [Int]
        /// The form the posting must end in.
        let isBitmap: Bool
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "empty", slotCount: 1_000, slots: [], isBitmap: false),
        Case(name: "word edges", slotCount: 100_000, slots: [0, 63, 64, 127, 128, 4_095, 4_096, 99_999], isBitmap: false),
        Case(name: "a rare value", slotCount: 100_000, slots: (0..<300).map { $0 * 331 % 100_000 }, isBitmap: false),
        Case(name: "one run", slotCount: 100_000, slots: Array(50_000..<50_500), isBitmap: false),
        // Past a thirty-second of the slots a list is larger than a bitmap.
        Case(name: "a common value", slotCount: 100_000, slots: (0..<20_000).map { $0 * 5 }, isBitmap: true),
        Case(name: "every slot", slotCount: 3_000, slots: Array(0..<3_000), isBitmap: true),
    ]

    static func posting(_ testCase: Case, seed: UInt64) -> SlotPosting {
        var random = SeededRandom(seed: seed)
        var shuffled = testCase.slots
        for position in shuffled.indices.reversed() where position > 0 {
            shuffled.swapAt(position, random.int(in: 0...position))
        }
        var posting = SlotPosting()
        // Each slot inserted twice: a repeat changes nothing.
        for slot in shuffled + shuffled.prefix(10) { posting.insert(slot, slotCount: testCase.slotCount) }
        return posting
    }

    static func expectedWord(_ slots: Set<Int>, _ index: Int) -> UInt64 {
        (0..<64).reduce(0) { bits, offset in slots.contains(index << 6 | offset) ? bits | 1 << UInt64(offset) : bits }
    }

    @Test(arguments: cases)
    func everyWordReadsBackItsSlotsInAnyOrder(testCase: Case) {
        let posting = Self.posting(testCase, seed: 7)
        let expected = Set(testCase.slots)
        let words = (testCase.slotCount + 63) / 64
        #expect(posting.isBitmap == testCase.isBitmap)
        #expect(posting.isEmpty == expected.isEmpty)
        // Ascending, as a long walk reads them.
        var cursor = 0
        for index in 0..<words { #expect(posting.word(index, cursor: &cursor) == Self.expectedWord(expected, index), "word \(index)") }
        // The auction's order: the last words (its unranked tail) first, then from the start.
        let tailStart = words * 15 / 16
        cursor = 0
        let order = Array(tailStart..<words) + Array(0..<words)
        for index in order { #expect(posting.word(index, cursor: &cursor) == Self.expectedWord(expected, index), "word \(index)") }
        // Random jumps, back and forth, with one cursor.
        var random = SeededRandom(seed: 11)
        for _ in 0..<500 {
            let index = random.int(in: 0...words + 2)
            #expect(posting.word(index, cursor: &cursor) == Self.expectedWord(expected, index), "word \(index)")
        }
        for slot in [0, 1, 63, 64, 5, 99_999] { #expect(posting.contains(slot) == expected.contains(slot)) }
    }

    @Test(arguments: cases)
    func removedSlotsReadAsAbsent(testCase: Case) {
        var posting = Self.posting(testCase, seed: 3)
        var expected = Set(testCase.slots)
        for slot in testCase.slots.enumerated().filter({ $0.offset % 3 == 0 }).map(\.element) + [123_456] {
            posting.remove(slot)
            expected.remove(slot)
        }
        var cursor = 0
        for index in 0..<(testCase.slotCount + 63) / 64 {
            #expect(posting.word(index, cursor: &cursor) == Self.expectedWord(expected, index), "word \(index)")
        }
        #expect(posting.isEmpty == expected.isEmpty)
    }

    @Test func aListIsSmallerThanTheBitmapItReplaces() {
        let rare = Self.posting(Self.cases[2], seed: 1)
        #expect(rare.byteCount == 300 * 4)
        let common = Self.posting(Self.cases[4], seed: 1)
        #expect(common.byteCount == (100_000 + 63) / 64 * 8)
    }
}
