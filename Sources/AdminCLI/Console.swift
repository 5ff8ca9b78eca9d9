import Synchronization
import VickreyConfig

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

    /// The process's standard output and error (`StandardStream`): a reader that went away
    /// (`adctl campaign list | head`) is not an error; the command finishes with its own
    /// exit status.
    public static let standard = Console(
        write: { text in StandardStream.output.write(text) }, writeError: { text in StandardStream.error.write(text) })

    @TaskLocal public static var current = Console.standard

    static func print(_ text: String, terminator: String = "\n") { current.write(text + terminator) }
    static func error(_ text: String) { current.writeError(text + "\n") }
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
