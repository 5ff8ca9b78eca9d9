import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Standard output and error as every executable writes them: whole, retried after an
/// interruption, and never fatal. A reader that went away (`adctl campaign list | head`,
/// a log pipe that closed) is not an error: from then on that stream's output is
/// dropped, and the command finishes its work and exits with its own status.
public enum StandardStream: Sendable {
    case output, error

    /// Streams whose reader is gone, a bit each.
    private static let closed = Atomic<Int>(0)

    private var descriptor: Int32 { self == .output ? 1 : 2 }
    private var bit: Int { self == .output ? 1 : 2 }

    /// Makes a write to a closed pipe fail with EPIPE instead of killing the process with
    /// SIGPIPE. Each executable calls it first thing, before anything (its `--help`
    /// included) is written.
    public static func ignoreBrokenPipes() { _ = signal(SIGPIPE, SIG_IGN) }

    /// Whether this stream's reader has gone away.
    public var isClosed: Bool { Self.closed.load(ordering: .relaxed) & bit != 0 }

    /// Writes `text` exactly, or drops it when the stream is closed.
    public func write(_ text: String) {
        guard !isClosed else { return }
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
            if written > 0 {
                bytes = bytes.dropFirst(written)
            } else if written < 0, errno == EINTR {
                continue
            } else {
                // EPIPE (the reader is gone) or another failure: nothing more can be written.
                Self.closed.bitwiseOr(bit, ordering: .relaxed)
                return
            }
        }
    }
}
