import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One of the package's executables as `swift build` left it, run as a user runs it.
struct BuiltExecutable {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    let name: String
    var path: String { Self.root.appendingPathComponent(".build/debug/\(name)").path }
    var isBuilt: Bool { FileManager.default.isExecutableFile(atPath: path) }

    /// How a run ended.
    struct Ending: Equatable, CustomStringConvertible {
        var status: Int32
        var bySignal: Bool
        var description: String { bySignal ? "killed by signal \(status)" : "exit \(status)" }
        static func exit(_ status: Int32) -> Ending { Ending(status: status, bySignal: false) }
    }

    /// Starts the executable with standard output into a pipe nobody reads any more (the
    /// pipe's reading end is closed before it starts, as `| head` leaves it).
    func startWithClosedOutput(_ arguments: [String], environment: [String: String] = [:]) throws -> Process {
        let pipe = Pipe()
        try pipe.fileHandleForReading.close()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.currentDirectoryURL = Self.root
        try process.run()
        return process
    }

    /// Runs the executable to its end with standard output closed.
    func runWithClosedOutput(_ arguments: [String]) throws -> Ending {
        let process = try startWithClosedOutput(arguments)
        process.waitUntilExit()
        return Ending(status: process.terminationStatus, bySignal: process.terminationReason == .uncaughtSignal)
    }

    /// Runs the executable to its end and returns its standard output.
    func output(_ arguments: [String]) throws -> (ending: Ending, output: String) {
        let pipe = Pipe()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.currentDirectoryURL = Self.root
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            Ending(status: process.terminationStatus, bySignal: process.terminationReason == .uncaughtSignal),
            String(decoding: data, as: UTF8.self)
        )
    }
}

/// A fresh folder for one test, removed by `remove()`.
struct ScratchFolder {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("vickrey-exe-\(UUID().uuidString)")
    init() throws { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// A GET answered by a local server, or nil when nothing answered.
func httpStatus(_ url: String) async -> Int? {
    guard let url = URL(string: url) else { return nil }
    var request = URLRequest(url: url)
    request.timeoutInterval = 2
    guard let (_, response) = try? await URLSession.shared.data(for: request) else { return nil }
    return (response as? HTTPURLResponse)?.statusCode
}
