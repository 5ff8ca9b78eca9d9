import Foundation
import Synchronization
import VickreyCore
import VickreyStore
import VickreyWire

/// `adctl campaign import`'s campaigns, read from JSON lines a batch at a time for the
/// store's streaming import. Each batch's lines are decoded on every core; ids are checked
/// across the whole file. After the first bad line nothing more is handed to the store
/// (what was is rolled back), but reading goes on so that every bad line is reported.
///
/// Memory: two batches of lines (`LineBlocks`) and their campaigns — the one the store
/// writes and the next, read meanwhile — plus, for the checks across
/// lines, each campaign id and creative id seen with its line number (about 40 bytes each
/// when ids are short: some 120 MB for a million campaigns of two creatives), and the
/// file's line items for the availability check. (The store adds its page cache for the
/// import: `SQLiteCampaignStore.bulkWrite`.)
final class ImportLines: CampaignImportSource {
    private struct State {
        var reader: LineBlocks
        var progress: ProgressMeter
        var firstLineOfID: [CampaignID: Int] = [:]
        var firstLineOfCreative: [CreativeID: Int] = [:]
        var problems: [String] = []
        var problemCount = 0
        var lineItems: [(campaign: Campaign, line: Int)] = []
        var campaignsRead = 0
    }

    private let state: Mutex<State>
    /// Checks the file's line items once every line is read (`finish`); may throw to refuse.
    private let checkLineItems: @Sendable ([(campaign: Campaign, line: Int)]) throws -> Void

    init(reader: LineBlocks, checkLineItems: @escaping @Sendable ([(campaign: Campaign, line: Int)]) throws -> Void) {
        let progress = ProgressMeter(label: "import", unit: "campaigns", total: reader.totalBytes)
        state = Mutex(State(reader: reader, progress: progress))
        self.checkLineItems = checkLineItems
    }

    /// Campaigns read without a problem.
    var campaignsRead: Int { state.withLock { $0.campaignsRead } }

    /// The most bytes of lines held at once (for the tests of the memory bound).
    var largestHeldBytes: Int { state.withLock { $0.reader.largestHeldBytes } }

    /// The batch read and checked while the store wrote the one before (nil: none asked yet).
    private let prepared = Mutex<Result<ImportBatch?, any Error>?>(nil)
    private let preparedReady = DispatchSemaphore(value: 0)
    private let preparing = Mutex(false)

    /// The next batch. Each batch is read, decoded and checked on other threads while the
    /// store writes the one before it, so reading and writing overlap.
    func next() throws -> ImportBatch? {
        if !preparing.withLock({ started in
            defer { started = true }
            return started
        }) {
            prepareNext()
        }
        preparedReady.wait()
        let batch = try prepared.withLock { prepared in
            defer { prepared = nil }
            return prepared!
        }.get()
        if batch != nil { prepareNext() }
        return batch
    }

    private func prepareNext() {
        DispatchQueue.global().async {
            let result = Result { try self.read() }
            self.prepared.withLock { $0 = result }
            self.preparedReady.signal()
        }
    }

    private func read() throws -> ImportBatch? {
        try state.withLock { state in
            while let lines = try state.reader.next() {
                let batch = Self.check(lines, &state)
                state.progress.update(count: state.campaignsRead, done: state.reader.bytesRead)
                if state.problemCount == 0, !batch.campaigns.isEmpty { return batch }
            }
            return nil
        }
    }

    func finish() throws {
        let lineItems = try state.withLock { state in
            guard state.problemCount == 0 else {
                let more = state.problemCount - state.problems.count
                throw CommandFailure(
                    message: "nothing imported: \(state.problemCount) bad line(s)", exitCode: CommandFailure.invalidData,
                    details: state.problems + (more > 0 ? ["… and \(more) more"] : []))
            }
            return state.lineItems
        }
        try checkLineItems(lineItems)
    }

    /// Clears the progress line before the command's answer.
    func finishProgress() { state.withLock { $0.progress.finish() } }

    /// Decodes `lines` on every core and checks ids against the lines before them; the good
    /// campaigns with their line numbers, the problems noted in `state`.
    private static func check(_ lines: LineBlocks.Batch, _ state: inout State) -> ImportBatch {
        var batch = ImportBatch(campaigns: [], positions: [])
        func problem(_ message: String) {
            state.problemCount += 1
            if state.problems.count < 1_000 { state.problems.append(message) }
        }
        for (offset, result) in decodeConcurrently(lines.lines).enumerated() {
            let number = lines.firstLine + offset
            switch result {
            case nil:
                continue
            case .failure(let error)?:
                problem("line \(number): \(error.description)")
            case .success(let campaign)?:
                if let first = state.firstLineOfID[campaign.id] {
                    problem("line \(number): id: '\(campaign.id)' already appears on line \(first)")
                    continue
                }
                state.firstLineOfID[campaign.id] = number
                if let clash = campaign.creatives.first(where: { state.firstLineOfCreative[$0.id] != nil }) {
                    problem(
                        "line \(number): creatives: creative id '\(clash.id)' already appears on line \(state.firstLineOfCreative[clash.id]!)"
                    )
                    continue
                }
                for creative in campaign.creatives { state.firstLineOfCreative[creative.id] = number }
                if !campaign.lineItem.isPlainAuction { state.lineItems.append((campaign, number)) }
                state.campaignsRead += 1
                batch.campaigns.append(campaign)
                batch.positions.append(number)
            }
        }
        return batch
    }

    /// One result per line (nil for a blank line), decoded in parallel chunks.
    private static func decodeConcurrently(_ lines: [LineBlocks.Line]) -> [Result<Campaign, FieldError>?] {
        ParallelMap.map(lines, chunk: 256) { line in
            switch line {
            case .tooLong:
                return .failure(FieldError(field: nil, message: "longer than \(CampaignCommand.Import.maximumLineBytes) bytes"))
            case .text(let text):
                if text.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\t") }) { return nil }
                return CampaignDocument.parseCampaign(text)
            }
        }
    }
}
