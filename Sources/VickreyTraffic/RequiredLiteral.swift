/// The literal text a regular expression cannot match without: what the automaton looks
/// for before the expression itself is run. For `Googlebot\/` it is `googlebot/`; for
/// `(sistrix|SISTRIX) [cC]rawler`, ` crawler`; for `Ahrefs(Bot|SiteAudit)`, `ahrefs`. A
/// pattern whose top level is an alternation gets one literal per alternative (any of
/// them found makes it a candidate). Case is folded, as patterns match case-insensitively.
///
/// Conservative by construction: anything it does not understand (a class, a group, a
/// quantifier that may repeat zero times, an escape standing for a class) ends the
/// current run of literal characters, and a pattern with no run of `minimumLength`
/// characters gets none (it is then run on every user agent).
enum RequiredLiteral {
    static let minimumLength = 3

    /// One literal per top-level alternative, or nil when some alternative has none.
    static func literals(of pattern: String) -> [String]? {
        let characters = Array(pattern)
        var literals: [String] = []
        for alternative in topLevelAlternatives(characters) {
            guard let literal = longestRun(in: alternative), literal.count >= minimumLength else { return nil }
            literals.append(literal)
        }
        return literals.isEmpty ? nil : literals
    }

    /// The pattern split at `|` outside groups and classes.
    static func topLevelAlternatives(_ characters: [Character]) -> [[Character]] {
        var alternatives: [[Character]] = [[]]
        var depth = 0
        var index = 0
        while index < characters.count {
            let character = characters[index]
            switch character {
            case "\\":
                alternatives[alternatives.count - 1] += characters[index..<min(index + 2, characters.count)]
                index += 2
                continue
            case "[":
                let end = classEnd(characters, from: index)
                alternatives[alternatives.count - 1] += characters[index..<end]
                index = end
                continue
            case "(": depth += 1
            case ")": depth -= 1
            case "|" where depth == 0:
                alternatives.append([])
                index += 1
                continue
            default: break
            }
            alternatives[alternatives.count - 1].append(character)
            index += 1
        }
        return alternatives
    }

    /// The longest run of characters every match contains, in lower case.
    static func longestRun(in characters: [Character]) -> String? {
        var best = ""
        var run = ""
        func close() {
            if run.count > best.count { best = run }
            run = ""
        }
        var index = 0
        while index < characters.count {
            let character = characters[index]
            var literal: Character?
            var next = index + 1
            switch character {
            case "\\":
                guard index + 1 < characters.count else { return nil }
                let escaped = characters[index + 1]
                next = index + 2
                // Letters and digits after a backslash stand for classes, anchors or
                // back-references; punctuation stands for itself.
                if !(escaped.isLetter || escaped.isNumber) { literal = escaped }
            case "[":
                next = classEnd(characters, from: index)
                literal = caseFoldedLetter(Array(characters[(index + 1)..<max(index + 1, next - 1)]))
            case "(":
                next = groupEnd(characters, from: index)
                // A required group's own literal is required too (when it has a single
                // alternative); it does not join the run around it.
                let inside = Array(characters[(index + 1)..<max(index + 1, next - 1)])
                close()
                if inside.first != "?", !isOptional(characters, at: next), topLevelAlternatives(inside).count == 1,
                    let innerBest = longestRun(in: inside), innerBest.count > best.count
                {
                    best = innerBest
                }
                index = skipQuantifier(characters, at: next)
                continue
            case ".", "$", ")", "|": break
            case "^":
                index = next
                continue
            case "?", "*", "+", "{": break  // a quantifier without an atom: nothing to learn
            default: literal = character
            }
            guard let literal else {
                close()
                index = skipQuantifier(characters, at: next)
                continue
            }
            if isOptional(characters, at: next) {
                close()
            } else {
                run.append(Character(literal.lowercased()))
                if next < characters.count, ["+", "{"].contains(characters[next]) { close() }  // may repeat: the run ends here
            }
            index = skipQuantifier(characters, at: next)
        }
        close()
        return best.isEmpty ? nil : best
    }

    /// Whether the atom ending just before `index` may occur zero times.
    private static func isOptional(_ characters: [Character], at index: Int) -> Bool {
        guard index < characters.count else { return false }
        switch characters[index] {
        case "?", "*": return true
        case "{": return characters.count > index + 1 && characters[index + 1] == "0"
        default: return false
        }
    }

    /// The index after the quantifier (and its lazy or possessive suffix) at `index`, if any.
    private static func skipQuantifier(_ characters: [Character], at index: Int) -> Int {
        guard index < characters.count else { return index }
        var end = index
        switch characters[index] {
        case "?", "*", "+": end += 1
        case "{":
            guard let close = characters[index...].firstIndex(of: "}") else { return index }
            end = close + 1
        default: return index
        }
        if end < characters.count, characters[end] == "?" || characters[end] == "+" { end += 1 }
        return end
    }

    /// The index after the class starting at `start` (`[`).
    static func classEnd(_ characters: [Character], from start: Int) -> Int {
        var index = start + 1
        if index < characters.count, characters[index] == "^" { index += 1 }
        if index < characters.count, characters[index] == "]" { index += 1 }
        while index < characters.count {
            if characters[index] == "\\" {
                index += 2
                continue
            }
            if characters[index] == "]" { return index + 1 }
            index += 1
        }
        return characters.count
    }

    /// The index after the group starting at `start` (`(`).
    private static func groupEnd(_ characters: [Character], from start: Int) -> Int {
        var depth = 0
        var index = start
        while index < characters.count {
            switch characters[index] {
            case "\\":
                index += 2
                continue
            case "[":
                index = classEnd(characters, from: index)
                continue
            case "(": depth += 1
            case ")":
                depth -= 1
                if depth == 0 { return index + 1 }
            default: break
            }
            index += 1
        }
        return characters.count
    }

    /// The letter a class such as `[wW]` stands for once case is folded; nil for any other class.
    private static func caseFoldedLetter(_ members: [Character]) -> Character? {
        guard members.first != "^", !members.contains("\\"), !members.contains("-") else { return nil }
        let folded = Set(members.map { Character($0.lowercased()) })
        guard folded.count == 1, let letter = folded.first, letter.isLetter else { return nil }
        return letter
    }
}
