import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where command output goes: standard output and error by default; tests bind a
/// capturing console with `Console.$current.withValue(_:operation:)`. The writers take
/// text exactly as it is to be written; `print` adds the line ending.
public struct Console: Sendable {
    public var write: @Sendable (String) -> Void
    public var writeError: @Sendable (String) -> Void

    public init(write: @escaping @Sendable (String) -> Void, writeError: @escaping @Sendable (String) -> Void) {
        self.write = write
        self.writeError = writeError
    }

    /// The process's standard output and error, written with `write(2)`. A reader that
    /// went away (`adctl campaign list | head`) is not an error: the command stops quietly
    /// with status 0, as the shell's own tools do, instead of dying of SIGPIPE.
    public static let standard = Console(
        write: { text in StandardStream.output.write(text) }, writeError: { text in StandardStream.error.write(text) })

    @TaskLocal public static var current = Console.standard

    static func print(_ text: String, terminator: String = "\n") { current.write(text + terminator) }
    static func error(_ text: String) { current.writeError(text + "\n") }
}

/// A file descriptor written whole, retried after interruptions; a closed pipe ends the
/// process quietly.
enum StandardStream {
    case output, error

    private var descriptor: Int32 { self == .output ? 1 : 2 }

    /// Makes a write to a closed pipe fail with EPIPE instead of killing the process
    /// (called once, before the first write).
    static let ignoringBrokenPipes: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    func write(_ text: String) {
        _ = Self.ignoringBrokenPipes
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
            if written > 0 {
                bytes = bytes.dropFirst(written)
            } else if written < 0, errno == EINTR {
                continue
            } else if self == .output {
                // EPIPE (the reader is gone) or another failure: nothing more can be written.
                exit(0)
            } else {
                return  // an error message that cannot be written; the exit status still says it
            }
        }
    }
}

/// A console that keeps what was written, for tests.
public final class CapturedConsole: Sendable {
    private let output = Mutex((out: "", err: ""))

    public init() {}

    public var console: Console {
        Console(
            write: { text in self.output.withLock { $0.out += text } },
            writeError: { text in self.output.withLock { $0.err += text } }
        )
    }

    public var standardOutput: String { output.withLock { $0.out } }
    public var standardError: String { output.withLock { $0.err } }
}
