import Foundation

/// A file or standard input read a block at a time and handed out as whole lines, so a
/// command can work through a file of any size holding only one batch of lines: at most
/// `batchBytes` of complete lines and one more, the rest of one block of `blockBytes`, and a
/// partial line of at most `maximumLineBytes` (a longer line is handed out as `.tooLong` and
/// skipped to its end).
struct LineBlocks {
    enum Line: Sendable {
        case text(Data)
        case tooLong
    }

    /// A batch of lines: the number of the first (from 1), the lines in order.
    struct Batch {
        var firstLine: Int
        var lines: [Line]
    }

    private let handle: FileHandle
    private let closesHandle: Bool
    let maximumLineBytes: Int
    let batchBytes: Int
    /// Bytes read from the input at a time.
    let blockBytes: Int
    /// The input's size when it is a regular file (the total for progress), else nil.
    let totalBytes: Int64?
    /// Bytes read so far.
    private(set) var bytesRead: Int64 = 0
    /// The most bytes of lines held at once: a batch's complete lines and the partial line.
    private(set) var largestHeldBytes = 0
    private var partial = Data()
    /// What is left of the last block read.
    private var unread = Data()[...]
    private var skippingLongLine = false
    private var nextLineNumber = 1
    private var finished = false

    /// Opens `path` (`-`: standard input); "cannot read" (exit 3) when it is not there.
    init(path: String, maximumLineBytes: Int, batchBytes: Int = 4 << 20, blockBytes: Int = 1 << 20) throws {
        if path == "-" {
            handle = FileHandle.standardInput
            closesHandle = false
            totalBytes = nil
        } else {
            guard let opened = FileHandle(forReadingAtPath: path) else {
                throw CommandFailure(message: "cannot read '\(path)'", exitCode: CommandFailure.notFound)
            }
            handle = opened
            closesHandle = true
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            totalBytes =
                (attributes?[.type] as? FileAttributeType) == .typeRegular ? (attributes?[.size] as? NSNumber)?.int64Value : nil
        }
        self.maximumLineBytes = maximumLineBytes
        self.batchBytes = max(1, batchBytes)
        self.blockBytes = max(1, blockBytes)
    }

    /// The next lines, about `batchBytes` of them; nil at the end of the input. A last line
    /// without a line ending is a line.
    mutating func next() throws -> Batch? {
        guard !finished else { return nil }
        var batch = Batch(firstLine: nextLineNumber, lines: [])
        var heldBytes = 0
        while heldBytes < batchBytes {
            if unread.isEmpty {
                guard let block = try readBlock(), !block.isEmpty else {
                    finished = true
                    if !skippingLongLine, !partial.isEmpty { batch.lines.append(.text(partial)) }
                    partial = Data()
                    skippingLongLine = false
                    break
                }
                unread = block[...]
            }
            guard let newline = Self.firstNewline(in: unread) else {
                // The rest of the block begins a line the next block ends.
                if !skippingLongLine {
                    partial.append(unread)
                    if partial.count > maximumLineBytes {
                        batch.lines.append(.tooLong)
                        partial = Data()
                        skippingLongLine = true
                    }
                }
                unread = Data()[...]
                continue
            }
            if skippingLongLine {
                skippingLongLine = false
            } else if partial.count + (newline - unread.startIndex) > maximumLineBytes {
                batch.lines.append(.tooLong)
                partial = Data()
            } else {
                partial.append(unread[..<newline])
                heldBytes += partial.count
                batch.lines.append(.text(partial))
                partial = Data()
            }
            unread = unread[(newline + 1)...]
            largestHeldBytes = max(largestHeldBytes, heldBytes + partial.count + unread.count)
        }
        nextLineNumber += batch.lines.count
        if closesHandle, finished { try? handle.close() }
        return batch.lines.isEmpty && finished ? nil : batch
    }

    /// The index of the first line feed in `bytes`, found with `memchr` (a byte-at-a-time
    /// search through `Data`'s indices took a tenth of an import's time).
    private static func firstNewline(in bytes: Data.SubSequence) -> Data.Index? {
        bytes.withUnsafeBytes { raw -> Data.Index? in
            guard let base = raw.baseAddress, let hit = memchr(base, Int32(UInt8(ascii: "\n")), raw.count) else { return nil }
            return bytes.startIndex + (UnsafeRawPointer(hit) - base)
        }
    }

    private mutating func readBlock() throws -> Data? {
        let block: Data?
        do { block = try handle.read(upToCount: blockBytes) } catch {
            throw CommandFailure(message: "cannot read the input: \(error.localizedDescription)", exitCode: CommandFailure.notFound)
        }
        bytesRead += Int64(block?.count ?? 0)
        return block
    }
}
