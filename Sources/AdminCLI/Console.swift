import Foundation
import Synchronization

/// Where command output goes: standard output and error by default; tests bind a
/// capturing console with `Console.$current.withValue(_:operation:)`.
public struct Console: Sendable {
    public var write: @Sendable (String) -> Void
    public var writeError: @Sendable (String) -> Void

    public init(write: @escaping @Sendable (String) -> Void, writeError: @escaping @Sendable (String) -> Void) {
        self.write = write
        self.writeError = writeError
    }

    public static let standard = Console(
        write: { text in FileHandle.standardOutput.write(Data((text + "\n").utf8)) },
        writeError: { text in FileHandle.standardError.write(Data((text + "\n").utf8)) }
    )

    @TaskLocal public static var current = Console.standard

    static func print(_ text: String) { current.write(text) }
    static func error(_ text: String) { current.writeError(text) }
}

/// A console that keeps what was written, for tests.
public final class CapturedConsole: Sendable {
    private let output = Mutex((out: "", err: ""))

    public init() {}

    public var console: Console {
        Console(
            write: { text in self.output.withLock { $0.out += text + "\n" } },
            writeError: { text in self.output.withLock { $0.err += text + "\n" } }
        )
    }

    public var standardOutput: String { output.withLock { $0.out } }
    public var standardError: String { output.withLock { $0.err } }
}
