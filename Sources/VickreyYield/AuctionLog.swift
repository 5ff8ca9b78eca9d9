import Foundation
import Synchronization
import VickreyCore

/// A line of a sampled log: encoded off the request path.
public protocol SampledLogLine: Sendable {
    /// The line as JSON (no trailing newline).
    var json: String { get }
}

/// The sampled auction log (auction records, for replay): see `SampledLog`.
public typealias AuctionLog = SampledLog<AuctionLogLine>

extension AuctionLogLine: SampledLogLine {}

/// A sampled log (the auction log, the request sample): requests pick themselves by a
/// stable hash of their request id (`sampleRate` in parts per million, so a replayed
/// request id is sampled the same way), queue their lines in memory (bounded: when the
/// writer falls behind, lines are dropped and counted, never waited for), and
/// `writePending()` appends them to the file (encoding them too) off the request path,
/// rotating it by size (`PATH` → `PATH.1` → … → `PATH.KEEP`).
public final class SampledLog<Line: SampledLogLine>: Sendable {
    public let path: String
    /// Parts per million of requests logged (0: none, 1_000_000: every one).
    public let sampleRatePPM: Int64
    public let maximumBytes: Int64
    public let keptFiles: Int
    public static var maximumQueuedLines: Int { 10_000 }

    /// Lines not yet written, unencoded: the request path only builds the value.
    private let queue = Mutex<[Line]>([])
    private let dropped = Atomic<Int64>(0)
    private let written = Atomic<Int64>(0)
    /// The open file and its size; touched only by `writePending()`, which one task runs.
    private let file = Mutex<(handle: FileHandle?, size: Int64)>((nil, 0))

    /// The smallest file size rotation accepts.
    public static var minimumBytes: Int64 { 4_096 }

    public init(path: String, sampleRatePPM: Int64, maximumBytes: Int64, keptFiles: Int) {
        self.path = path
        self.sampleRatePPM = min(max(sampleRatePPM, 0), 1_000_000)
        self.maximumBytes = max(maximumBytes, Self.minimumBytes)
        self.keptFiles = max(keptFiles, 1)
    }

    /// Whether the auction of `requestID` is logged.
    public func samples(requestID: String) -> Bool {
        guard sampleRatePPM > 0 else { return false }
        return Int64(SplitMix64.mix(FNV1a.hash(requestID)) % 1_000_000) < sampleRatePPM
    }

    /// Queues lines; never blocks on the disk.
    public func append(_ lines: [Line]) {
        guard !lines.isEmpty else { return }
        let accepted = queue.withLock { queue in
            guard queue.count + lines.count <= Self.maximumQueuedLines else { return false }
            queue.append(contentsOf: lines)
            return true
        }
        if !accepted { dropped.wrappingAdd(Int64(lines.count), ordering: .relaxed) }
    }

    /// Lines waiting for the writer (at most `maximumQueuedLines`).
    public var queuedLines: Int { queue.withLock { $0.count } }

    /// Lines dropped because the queue was full, and lines written.
    public var counts: (dropped: Int64, written: Int64) {
        (dropped.load(ordering: .relaxed), written.load(ordering: .relaxed))
    }

    /// Appends every queued line to the file, rotating first when it would pass the size limit.
    public func writePending() throws {
        let lines = queue.withLock { queue in
            defer { queue.removeAll(keepingCapacity: true) }
            return queue
        }
        guard !lines.isEmpty else { return }
        try file.withLock { file in
            var batch = Data()
            for line in lines {
                let bytes = Data((line.json + "\n").utf8)
                if file.handle == nil { file = (try open(), Self.size(path)) }
                if file.size > 0, file.size + Int64(bytes.count) > maximumBytes {
                    try file.handle?.write(contentsOf: batch)
                    batch.removeAll(keepingCapacity: true)
                    try file.handle?.close()
                    try rotate()
                    file = (try open(), 0)
                }
                batch.append(bytes)
                file.size += Int64(bytes.count)
            }
            try file.handle?.write(contentsOf: batch)
        }
        written.wrappingAdd(Int64(lines.count), ordering: .relaxed)
    }

    /// Closes the file (after a last `writePending()`).
    public func close() {
        file.withLock { file in
            try? file.handle?.close()
            file = (nil, 0)
        }
    }

    private func open() throws -> FileHandle {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // A failure to create shows as the open below throwing.
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        return handle
    }

    /// `PATH.(k-1)` → `PATH.k` down to `PATH` → `PATH.1`; the oldest beyond `keptFiles` goes.
    private func rotate() throws {
        let manager = FileManager.default
        try? manager.removeItem(atPath: "\(path).\(keptFiles)")
        if keptFiles > 1 {
            for index in stride(from: keptFiles - 1, through: 1, by: -1) where manager.fileExists(atPath: "\(path).\(index)") {
                try manager.moveItem(atPath: "\(path).\(index)", toPath: "\(path).\(index + 1)")
            }
        }
        if manager.fileExists(atPath: path) { try manager.moveItem(atPath: path, toPath: "\(path).1") }
    }

    private static func size(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
    }
}

extension SampledLog where Line == AuctionLogLine {
    /// Where the log is written, how large a file grows before it rotates and how many
    /// rotated files are kept, when nothing configures otherwise (`auctionLog.*`).
    public static var defaultPath: String { "var/auction-log.jsonl" }
    public static var defaultMaximumBytes: Int64 { 64 << 20 }
    public static var defaultKeptFiles: Int { 3 }

    /// An auction log at `path` with the default rotation.
    public convenience init(path: String, sampleRatePPM: Int64) {
        self.init(path: path, sampleRatePPM: sampleRatePPM, maximumBytes: Self.defaultMaximumBytes, keptFiles: Self.defaultKeptFiles)
    }

    /// Queues the lines of an auction run recording.
    public func append(_ request: AuctionRequest, _ outcome: AuctionOutcome) {
        append(outcome.placements.compactMap { placement in placement.record.map { AuctionLogLine(request: request, record: $0) } })
    }
}
