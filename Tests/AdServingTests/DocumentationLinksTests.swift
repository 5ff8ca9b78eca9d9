import Foundation
import Testing

/// The README is a front page that links to the rest: every link in it and in `docs/`
/// must reach a file of the repository, and a link to a heading must reach a heading.
@Suite("Documentation links")
struct DocumentationLinksTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var pages: [URL] {
        let docs =
            (try? FileManager.default.contentsOfDirectory(at: root.appendingPathComponent("docs"), includingPropertiesForKeys: nil))
            ?? []
        return ["README.md", "CONTRIBUTING.md", "SECURITY.md", "CHANGELOG.md", "loadtest/README.md"].map { root.appendingPathComponent($0) }
            + docs.filter { $0.pathExtension == "md" }.sorted { $0.path < $1.path }
    }

    /// GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens.
    static func anchor(_ heading: String) -> String {
        String(
            heading.lowercased().unicodeScalars.compactMap { scalar -> Character? in
                if scalar == " " { return "-" }
                if scalar == "-" || scalar == "_" || CharacterSet.alphanumerics.contains(scalar) { return Character(scalar) }
                return nil
            })
    }

    static func anchors(in text: String) -> Set<String> {
        var inCode = false
        var found = Set<String>()
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") { inCode.toggle() }
            guard !inCode, line.hasPrefix("#") else { continue }
            found.insert(anchor(String(line.drop(while: { $0 == "#" }).trimmingCharacters(in: .whitespaces))))
        }
        return found
    }

    @Test func theReadmeIsAFrontPageUnder250Lines() throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(text.split(separator: "\n", omittingEmptySubsequences: false).count < 250)
    }

    @Test func everyLinkReachesAFileAndEveryAnchorAHeading() throws {
        let link = try Regex(#"\]\(([^)\s#]*)(#[^)\s]*)?\)"#)
        var checked = 0
        for page in Self.pages {
            let text = try String(contentsOf: page, encoding: .utf8)
            for match in text.matches(of: link) {
                let target = match.output[1].substring.map(String.init) ?? ""
                if target.hasPrefix("http://") || target.hasPrefix("https://") { continue }
                let file = target.isEmpty ? page : page.deletingLastPathComponent().appendingPathComponent(target).standardized
                #expect(
                    FileManager.default.fileExists(atPath: file.path), "\(page.lastPathComponent) links to \(target), which does not exist")
                checked += 1
                guard let fragment = match.output[2].substring.map({ String($0.dropFirst()) }), file.pathExtension == "md",
                    let linked = try? String(contentsOf: file, encoding: .utf8)
                else { continue }
                #expect(
                    Self.anchors(in: linked).contains(fragment), "\(page.lastPathComponent) links to \(target)#\(fragment), no such heading"
                )
            }
        }
        #expect(checked > 40, "the pattern found too few links to be checking anything")
    }
}
