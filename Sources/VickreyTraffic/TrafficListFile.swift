import Foundation
import VickreyCore

/// Reads the list files an operator configures (`ivt.robotsPath`, `ivt.browsersPath`,
/// `ivt.excludedAddressesPath`), in either of two formats, told apart line by line:
///
/// - **The IAB/ABC International Spiders & Bots List's own files** (robots and valid
///   browsers): pipe-delimited lines `pattern|active|exceptions|…|start-of-string|…`. The
///   pattern is a case-insensitive substring; an active flag of `0` leaves the line out;
///   the exceptions are comma-separated substrings that cancel a match; a start-of-string
///   flag (the sixth field) of `1` means the pattern must begin the user agent.
/// - **Plain**: one case-insensitive regular expression a line.
///
/// In both, `#` starts a comment line and blank lines are skipped. Address files take one
/// address or CIDR block a line (IPv4 or IPv6), anything after white space or a `|`
/// ignored, as the IAB's CIDR file may carry more columns.
public enum TrafficListFile {
    /// The largest list file read (the IAB list is about 40 KB).
    public static let maximumBytes = 16 * 1024 * 1024
    /// The longest line kept (user agents are rarely above 500 bytes).
    public static let maximumLineLength = 4_096

    /// Why a file was not taken; the old lists stay in force.
    public struct Problem: Error, Equatable, CustomStringConvertible {
        public var file: String
        public var line: Int?
        public var message: String
        public var description: String { line.map { "\(file):\($0): \(message)" } ?? "\(file): \(message)" }

        public init(file: String, line: Int?, message: String) {
            self.file = file
            self.line = line
            self.message = message
        }
    }

    /// The user-agent rules in `text` (a robot or browser list named `file`).
    public static func userAgentRules(_ text: String, file: String) throws(Problem) -> [UserAgentRule] {
        var rules: [UserAgentRule] = []
        for (number, line) in try lines(text, file: file) {
            let origin = "\(file):\(number)"
            if line.contains("|") {
                let fields = line.split(separator: "|", omittingEmptySubsequences: false).map {
                    $0.trimmingCharacters(in: .whitespaces)
                }
                guard !fields[0].isEmpty else { throw Problem(file: file, line: number, message: "the pattern (first field) is empty") }
                guard fields.count >= 2, ["0", "1"].contains(fields[1]) else {
                    throw Problem(file: file, line: number, message: "the active flag (second field) must be 0 or 1")
                }
                guard fields[1] == "1" else { continue }
                let exceptions =
                    fields.count > 2
                    ? fields[2].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } : []
                let atStart = fields.count > 5 && fields[5] == "1"
                rules.append(UserAgentRule(pattern: fields[0], kind: .substring, atStart: atStart, exceptions: exceptions, origin: origin))
            } else {
                rules.append(UserAgentRule(pattern: line, kind: .expression, origin: origin))
            }
        }
        return rules
    }

    /// The compiled list in `text`.
    public static func userAgentList(_ text: String, file: String) throws(Problem) -> UserAgentList {
        do { return try UserAgentList(try userAgentRules(text, file: file)) } catch let error as Problem {
            throw error
        } catch let error as UserAgentList.InvalidRule {
            let number = error.rule.origin.split(separator: ":").last.flatMap { Int($0) }
            throw Problem(file: file, line: number, message: "'\(error.rule.pattern)' \(error.reason)")
        } catch {
            throw Problem(file: file, line: nil, message: "\(error)")
        }
    }

    /// The address ranges in `text`.
    public static func addressRanges(_ text: String, file: String) throws(Problem) -> AddressSet {
        var ranges: [AddressRange] = []
        for (number, line) in try lines(text, file: file) {
            let first = line.split(whereSeparator: { $0.isWhitespace || $0 == "|" }).first.map(String.init) ?? ""
            guard let range = AddressRange(first) else {
                throw Problem(file: file, line: number, message: "'\(first)' is not an IP address or CIDR block")
            }
            ranges.append(range)
        }
        return AddressSet(ranges)
    }

    /// Numbered lines without comments, blanks and surrounding white space.
    private static func lines(_ text: String, file: String) throws(Problem) -> [(Int, String)] {
        guard text.utf8.count <= maximumBytes else {
            throw Problem(file: file, line: nil, message: "is larger than \(maximumBytes / 1024 / 1024) MiB")
        }
        var result: [(Int, String)] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces.union(["\r"]))
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            guard line.utf8.count <= maximumLineLength else {
                throw Problem(file: file, line: index + 1, message: "is longer than \(maximumLineLength) bytes")
            }
            result.append((index + 1, line))
        }
        return result
    }
}
