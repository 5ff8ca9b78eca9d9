import Foundation

/// One entry of a user-agent list: a robot, or in a browser list a valid browser.
public struct UserAgentRule: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        /// A case-insensitive substring (the IAB/ABC list's patterns).
        case substring
        /// A case-insensitive regular expression (the plain format's lines).
        case expression
    }

    public var pattern: String
    public var kind: Kind
    /// The pattern must start the user agent (the IAB list's start-of-string flag).
    public var atStart: Bool
    /// Case-insensitive substrings that, anywhere in the user agent, cancel a match (the
    /// IAB list's exception patterns).
    public var exceptions: [String]
    /// Where the rule came from, for messages: `robots.txt:12`.
    public var origin: String

    public init(pattern: String, kind: Kind, atStart: Bool = false, exceptions: [String] = [], origin: String = "") {
        self.pattern = pattern
        self.kind = kind
        self.atStart = atStart
        self.exceptions = exceptions
        self.origin = origin
    }
}

/// A compiled user-agent list: which rule, if any, a user agent matches.
///
/// Every rule's required literal (the pattern itself for a substring, `RequiredLiteral`
/// for an expression) goes into one `LiteralAutomaton`; a user agent is scanned once, and
/// only the rules whose literal occurs in it are checked further. Expressions without a
/// usable literal are checked on every user agent (`unfilteredCount` says how many).
public struct UserAgentList: Sendable {
    public let rules: [UserAgentRule]
    private let automaton: LiteralAutomaton
    /// For each literal given to the automaton, its rule.
    private let ruleOfLiteral: [Int]
    private let unfiltered: [Int]
    private let expressions: [NSRegularExpression?]
    private let lowercasedExceptions: [[[UInt8]]]

    /// Why a rule could not be compiled.
    public struct InvalidRule: Error, CustomStringConvertible {
        public var rule: UserAgentRule
        public var reason: String
        public var description: String { "\(rule.origin.isEmpty ? "" : rule.origin + ": ")'\(rule.pattern)' \(reason)" }
    }

    public init(_ rules: [UserAgentRule]) throws(InvalidRule) {
        var literals: [[UInt8]] = []
        var ruleOfLiteral: [Int] = []
        var unfiltered: [Int] = []
        var expressions: [NSRegularExpression?] = []
        for (index, rule) in rules.enumerated() {
            switch rule.kind {
            case .substring:
                guard !rule.pattern.isEmpty else { throw InvalidRule(rule: rule, reason: "is empty") }
                expressions.append(nil)
                literals.append(Array(rule.pattern.utf8))
                ruleOfLiteral.append(index)
            case .expression:
                do {
                    expressions.append(try NSRegularExpression(pattern: rule.pattern, options: [.caseInsensitive]))
                } catch {
                    throw InvalidRule(rule: rule, reason: "is not a valid regular expression")
                }
                if let required = RequiredLiteral.literals(of: rule.pattern) {
                    for literal in required {
                        literals.append(Array(literal.utf8))
                        ruleOfLiteral.append(index)
                    }
                } else {
                    unfiltered.append(index)
                }
            }
        }
        self.rules = rules
        automaton = LiteralAutomaton(literals)
        self.ruleOfLiteral = ruleOfLiteral
        self.unfiltered = unfiltered
        self.expressions = expressions
        lowercasedExceptions = rules.map { $0.exceptions.filter { !$0.isEmpty }.map { Array($0.lowercased().utf8) } }
    }

    /// How many expressions are run on every user agent (they have no literal to look for).
    public var unfilteredCount: Int { unfiltered.count }

    /// The first rule `userAgent` matches (in list order among the candidates), or nil.
    public func match(_ userAgent: String) -> UserAgentRule? {
        var text = userAgent
        return text.withUTF8 { bytes -> UserAgentRule? in
            var checked = Set<Int>()
            var found: Int?
            automaton.scan(bytes) { literal, end in
                let index = ruleOfLiteral[literal]
                guard checked.insert(index).inserted else { return true }
                let rule = rules[index]
                let matched =
                    switch rule.kind {
                    case .substring: !rule.atStart || end == rule.pattern.utf8.count
                    case .expression: Self.matches(expressions[index], userAgent)
                    }
                if matched, !hasException(index, bytes) {
                    found = index
                    return false
                }
                return true
            }
            if found == nil {
                for index in unfiltered where Self.matches(expressions[index], userAgent) && !hasException(index, bytes) {
                    found = index
                    break
                }
            }
            return found.map { rules[$0] }
        }
    }

    private static func matches(_ expression: NSRegularExpression?, _ text: String) -> Bool {
        guard let expression else { return false }
        return expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    private func hasException(_ index: Int, _ text: UnsafeBufferPointer<UInt8>) -> Bool {
        lowercasedExceptions[index].contains { Self.contains(text, foldedNeedle: $0) }
    }

    /// Whether `text` contains `needle` (already lower case), ASCII case folded.
    static func contains(_ text: UnsafeBufferPointer<UInt8>, foldedNeedle needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= text.count else { return needle.isEmpty }
        outer: for start in 0...(text.count - needle.count) {
            for offset in 0..<needle.count where LiteralAutomaton.fold(text[start + offset]) != needle[offset] { continue outer }
            return true
        }
        return false
    }
}
