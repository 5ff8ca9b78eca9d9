/// Finds every occurrence of many literal byte strings in one pass over a text
/// (Aho–Corasick, compiled to a full transition table over the bytes the literals use),
/// ASCII letters folded to lower case. Scanning costs one table lookup per byte of text
/// however many literals there are: what keeps a beacon's robot check flat at 1,500
/// patterns.
struct LiteralAutomaton: Sendable {
    /// Each byte's column in the table; 0 for a byte no literal contains (upper-case
    /// ASCII letters share their lower-case letter's column).
    private let column: [UInt16]
    private let columns: Int
    /// `state * columns + column` → next state.
    private let next: [Int32]
    /// For each state, the range of `outputs` holding the literals that end there
    /// (its own and those of its suffix states).
    private let outputStart: [Int32]
    private let outputs: [Int32]

    /// `literals[i]` is reported as `i`; literals are matched case-insensitively
    /// (ASCII). Empty literals are ignored.
    init(_ literals: [[UInt8]]) {
        var column = [UInt16](repeating: 0, count: 256)
        var columns = 1
        for literal in literals {
            for byte in literal {
                let folded = Self.fold(byte)
                if column[Int(folded)] == 0 {
                    column[Int(folded)] = UInt16(columns)
                    columns += 1
                }
            }
        }
        for byte in UInt8(ascii: "A")...UInt8(ascii: "Z") { column[Int(byte)] = column[Int(byte) + 32] }

        // The trie: children by column, the literals ending at each node.
        var children: [[Int32]] = [[Int32](repeating: -1, count: columns)]
        var ends: [[Int32]] = [[]]
        for (index, literal) in literals.enumerated() where !literal.isEmpty {
            var node = 0
            for byte in literal {
                let c = Int(column[Int(Self.fold(byte))])
                if children[node][c] < 0 {
                    children[node][c] = Int32(children.count)
                    children.append([Int32](repeating: -1, count: columns))
                    ends.append([])
                }
                node = Int(children[node][c])
            }
            ends[node].append(Int32(index))
        }

        // Breadth first: each node's failure state, its missing transitions borrowed from
        // it, and its outputs extended by it.
        let count = children.count
        var next = [Int32](repeating: 0, count: count * columns)
        var failure = [Int32](repeating: 0, count: count)
        var queue: [Int] = []
        queue.reserveCapacity(count)
        for c in 0..<columns {
            let child = children[0][c]
            if child > 0 {
                next[c] = child
                queue.append(Int(child))
            }
        }
        var head = 0
        while head < queue.count {
            let node = queue[head]
            head += 1
            ends[node] += ends[Int(failure[node])]
            for c in 0..<columns {
                let child = children[node][c]
                if child > 0 {
                    failure[Int(child)] = next[Int(failure[node]) * columns + c]
                    next[node * columns + c] = child
                    queue.append(Int(child))
                } else {
                    next[node * columns + c] = next[Int(failure[node]) * columns + c]
                }
            }
        }
        // Column 0 (a byte no literal has) always leads back to the root.
        for node in 0..<count { next[node * columns] = 0 }

        var outputStart = [Int32](repeating: 0, count: count + 1)
        var outputs: [Int32] = []
        for node in 0..<count {
            outputStart[node] = Int32(outputs.count)
            outputs += ends[node]
        }
        outputStart[count] = Int32(outputs.count)
        self.column = column
        self.columns = columns
        self.next = next
        self.outputStart = outputStart
        self.outputs = outputs
    }

    /// Calls `body` with each literal found in `text` and the offset just past it, in the
    /// order their ends are reached; `body` returns false to stop.
    func scan(_ text: UnsafeBufferPointer<UInt8>, _ body: (_ literal: Int, _ end: Int) -> Bool) {
        var state = 0
        for (offset, byte) in text.enumerated() {
            state = Int(next[state * columns + Int(column[Int(byte)])])
            let start = Int(outputStart[state])
            let end = Int(outputStart[state + 1])
            guard start < end else { continue }
            for index in start..<end where !body(Int(outputs[index]), offset + 1) { return }
        }
    }

    static func fold(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
    }
}
