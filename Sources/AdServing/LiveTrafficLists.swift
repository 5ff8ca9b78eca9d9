import Foundation
import Synchronization
import VickreyTraffic

/// The invalid-traffic list files (`ivt.robotsPath`, `ivt.browsersPath`,
/// `ivt.excludedAddressesPath`), read at start and again whenever one changes (checked
/// every 250 ms), into the live judge. A file that does not read keeps the lists in force
/// and says why; at start, it stops the server (there is nothing to keep).
final class LiveTrafficLists: Sendable {
    struct Paths: Hashable, Sendable {
        var robots: String?
        var browsers: String?
        var excludedAddresses: String?
    }

    let paths: Paths
    let judge: LiveTrafficJudge
    let minimumClickDelayMilliseconds: Int64
    private let seen = Mutex<[String: Date]>([:])

    init(paths: Paths, minimumClickDelayMilliseconds: Int64, judge: LiveTrafficJudge) {
        self.paths = paths
        self.minimumClickDelayMilliseconds = minimumClickDelayMilliseconds
        self.judge = judge
    }

    /// Loads every configured file; throws naming the first that does not read.
    func load() throws(TrafficListFile.Problem) {
        judge.replace(try read())
        seen.withLock { $0 = modificationDates() }
    }

    /// Reloads when a file changed since the last read; returns the problem to log, if any
    /// (the lists in force are kept).
    func reloadIfChanged() -> String? {
        let dates = modificationDates()
        guard seen.withLock({ $0 }) != dates else { return nil }
        seen.withLock { $0 = dates }
        do {
            judge.replace(try read())
            return nil
        } catch {
            return "\(error); keeping the lists in force"
        }
    }

    private func read() throws(TrafficListFile.Problem) -> TrafficJudge {
        var lists = TrafficLists.defaults
        if let path = paths.robots { lists.robots = try TrafficListFile.userAgentList(try Self.text(path), file: path) }
        if let path = paths.browsers { lists.browsers = try TrafficListFile.userAgentList(try Self.text(path), file: path) }
        if let path = paths.excludedAddresses {
            lists.excludedAddresses = try TrafficListFile.addressRanges(try Self.text(path), file: path)
        }
        return TrafficJudge(lists: lists, minimumClickDelayMilliseconds: minimumClickDelayMilliseconds)
    }

    private static func text(_ path: String) throws(TrafficListFile.Problem) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TrafficListFile.Problem(file: path, line: nil, message: "cannot be read")
        }
        guard data.count <= TrafficListFile.maximumBytes else {
            throw TrafficListFile.Problem(
                file: path, line: nil, message: "is larger than \(TrafficListFile.maximumBytes / 1024 / 1024) MiB")
        }
        return String(decoding: data, as: UTF8.self)
    }

    private func modificationDates() -> [String: Date] {
        var dates: [String: Date] = [:]
        for path in [paths.robots, paths.browsers, paths.excludedAddresses].compactMap({ $0 }) {
            dates[path] = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date ?? .distantPast
        }
        return dates
    }
}
