import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import VickreyCore
import VickreyLedger
import VickreySigning
import VickreyStore
import VickreyWire

/// `adctl ledger export|verify`: billing's copy of the signed impression records.
struct LedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Export the signed ledger and verify exports or the live ledger.",
        discussion: "The record format and the exact bytes signed are in docs/ledger.md.",
        subcommands: [Export.self, Verify.self]
    )

    /// Exit code of a ledger that does not verify.
    static let verificationFailed: Int32 = 2

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write ledger records in sequence order as JSON lines or CSV.",
            discussion: """
                Examples:
                  adctl ledger export --format jsonl --db var/vickrey.sqlite > ledger.jsonl
                  adctl ledger export --format csv --since 2026-11-01T00:00:00Z
                """
        )
        enum Format: String, ExpressibleByArgument, CaseIterable { case jsonl, csv }

        @Option(help: "jsonl or csv.") var format: Format = .jsonl
        @OptionGroup var window: WindowOptions
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let window = try window.exportWindow()
            // JSON lines end in LF; CSV rows in CRLF, as RFC 4180 has them.
            let ending = format == .jsonl ? "\n" : LedgerCSV.lineEnding
            var chunk = format == .csv ? LedgerCSV.header + ending : ""
            var progress: ProgressMeter?
            var count = 0
            try await store.call { db in
                let chains = try await db.ledger.chains()
                // The records in all, when the whole ledger goes out.
                let whole = window.since == nil && window.until == nil
                progress = ProgressMeter(label: "export", unit: "records", total: whole ? chains.reduce(0) { $0 + $1.lastSeq } : nil)
                // Chain after chain (by server id), each in sequence order.
                for chain in chains {
                    try await db.ledger.forEachRecord(chain: chain.serverID, in: window) { record in
                        chunk += (format == .jsonl ? LedgerExport.jsonLine(record) : LedgerCSV.line(record)) + ending
                        if chunk.utf8.count >= 256 * 1024 {
                            Console.print(chunk, terminator: "")
                            chunk = ""
                        }
                        count += 1
                        progress?.update(count: count, done: Int64(count))
                    }
                }
            }
            progress?.finish()
            if !chunk.isEmpty { Console.print(chunk, terminator: "") }
        }
    }

    /// `--since` and `--until`: a window of the chain cut by sequence number.
    struct WindowOptions: ParsableArguments {
        @Option(
            help: ArgumentHelp(
                "Start at the first record whose event time is at or after this RFC 3339 time (the export is partial: verify it with --partial).",
                valueName: "time"))
        var since: String?
        @Option(
            help: ArgumentHelp(
                "Stop before the first record whose event time is at or after this time; the export --since this time continues it exactly.",
                valueName: "time"))
        var until: String?

        func exportWindow() throws -> ExportWindow {
            func parse(_ text: String?, _ flag: String) throws -> Instant? {
                guard let text else { return nil }
                guard let instant = RFC3339.parse(text) else {
                    throw CommandFailure.usage("--\(flag): '\(text)' is not an RFC 3339 time like 2026-11-01T00:00:00Z")
                }
                return instant
            }
            let window = ExportWindow(since: try parse(since, "since"), until: try parse(until, "until"))
            if let since = window.since, let until = window.until, until < since {
                throw CommandFailure.usage("--until must not be before --since")
            }
            return window
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every signature and the whole hash chain of an export (JSON lines or CSV) or of the live ledger.",
            discussion: """
                Reads on past a problem and reports each one by sequence number (missing runs, records out of order or repeated,
                altered or forged records), then exits 2; exits 0 when every record verifies. A line that is not a record in the
                exact format (a repeated key, a value of the wrong type, a non-canonical number or signature, an unknown field)
                stops the check with exit 2, naming the line and the field.
                Public keys come from --jwks (a file or an http(s) URL of /.well-known/jwks.json) or else from the keys directory.
                Examples:
                  adctl ledger verify ledger.jsonl --jwks http://127.0.0.1:8080/.well-known/jwks.json
                  adctl ledger verify --db var/vickrey.sqlite
                """
        )

        @Argument(help: "An export (JSON lines or CSV, told apart by the CSV header); omit to verify the live ledger in the database.")
        var file: String?
        @Option(help: "JWKS file or URL with the public keys.") var jwks: String?
        @Flag(help: "The export starts after seq 1 (made with --since): anchor the chain at its first record.") var partial = false
        @Flag(help: "Ignore JSON fields the record format does not define (by default they are refused: they are not signed).")
        var allowUnknownFields = false
        @OptionGroup var keys: KeysOptions
        @OptionGroup var store: StoreOptions

        func run() async throws {
            var verifier: LedgerChainsVerifier
            if let file {
                // A first pass names the chains, so a record moved from a chain that comes
                // later in the export is still recognised as moved.
                var chains: [String?] = []
                try readExport(file, label: "verify (reading the chains)") {
                    if !chains.contains($0.serverID) { chains.append($0.serverID) }
                }
                verifier = LedgerChainsVerifier(keys: try await publicKeys(), startingAt: partial ? nil : 1, chains: chains)
                var batch = RecordBatch()
                try readExport(file, label: "verify") { batch.add($0, to: &verifier) }
                batch.flush(to: &verifier)
            } else {
                verifier = try await store.call { db in
                    // A fleet's database knows every chain's public keys.
                    let chains = try await db.ledger.chains()
                    var verifier = LedgerChainsVerifier(
                        keys: try await publicKeys(registered: db.fleet), startingAt: partial ? nil : 1, chains: chains.map(\.serverID))
                    var batch = RecordBatch()
                    var progress = ProgressMeter(label: "verify", unit: "records", total: chains.reduce(0) { $0 + $1.lastSeq })
                    var count = 0
                    for chain in chains {
                        try await db.ledger.forEachRecord(chain: chain.serverID, in: .all) { record in
                            batch.add(record, to: &verifier)
                            count += 1
                            progress.update(count: count, done: Int64(count))
                        }
                    }
                    batch.flush(to: &verifier)
                    progress.finish()
                    return verifier
                }
            }
            let problems = verifier.problems
            guard problems.isEmpty else {
                let shown = problems.prefix(20).map { "  \($0)" }.joined(separator: "\n")
                let more = problems.count + verifier.unreportedProblems - min(problems.count, 20)
                throw CommandFailure(
                    message: "ledger does NOT verify: \(problems.count + verifier.unreportedProblems) problem(s), "
                        + "\(verifier.verifiedCount) records verified\n\(shown)" + (more > 0 ? "\n  … and \(more) more" : ""),
                    exitCode: LedgerCommand.verificationFailed
                )
            }
            let heads = verifier.heads
            if heads.count == 1, heads[0].chain == nil {
                Console.print(
                    "verified \(verifier.verifiedCount) records: every signature valid, chain intact"
                        + (heads[0].lastHash.map { ", last hash \($0)" } ?? ""))
            } else {
                Console.print(
                    "verified \(verifier.verifiedCount) records in \(heads.count) chain(s): every signature valid, every chain intact"
                        + heads.map { "\n  \($0.chain ?? "(unnamed)"): last hash \($0.lastHash ?? "-")" }.joined())
            }
        }

        /// Reads every record of a JSON lines or CSV export, refusing the first line that is
        /// not a record in the exact format (exit 2, naming the line and the field). JSON lines
        /// stream (`LineBlocks`: memory does not follow the file), a batch at a time parsed on
        /// every core and handed on in order; a CSV export is read whole.
        private func readExport(_ path: String, label: String, _ body: (LedgerRecord) -> Void) throws {
            func refuse(_ line: Int, _ error: LedgerFormatError) -> CommandFailure {
                CommandFailure(message: "line \(line) is not a ledger record: \(error)", exitCode: LedgerCommand.verificationFailed)
            }
            var reader = try LineBlocks(path: path, maximumLineBytes: 1 << 20)
            var progress = ProgressMeter(label: label, unit: "records", total: reader.totalBytes)
            defer { progress.finish() }
            var count = 0
            var first = try reader.next()
            if case .text(let line)? = first?.lines.first, LedgerCSVReader.looksLikeCSV(Array(line)) {
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw CommandFailure(message: "cannot read '\(path)'", exitCode: CommandFailure.notFound)
                }
                var reader: LedgerCSVReader
                do { reader = try LedgerCSVReader(Array(data)) } catch { throw refuse(1, error) }
                while true {
                    do {
                        guard let record = try reader.next() else { return }
                        body(record)
                    } catch { throw refuse(reader.line, error) }
                }
            }
            // The first bad line (by number) stops the check, as it would read one by one.
            let unknownFields = allowUnknownFields
            while let batch = try first ?? reader.next() {
                first = nil
                let parsed = ParallelMap.map(batch.lines) { line -> ParsedLine in
                    guard case .text(let bytes) = line else { return .tooLong }
                    if bytes.isEmpty { return .blank }
                    guard let text = String(validating: bytes, as: UTF8.self) else { return .notUTF8 }
                    do throws(LedgerFormatError) {
                        return .record(try LedgerExport.parse(jsonLine: text, allowUnknownFields: unknownFields))
                    } catch {
                        return .invalid(error)
                    }
                }
                for (offset, line) in parsed.enumerated() {
                    let lineNumber = batch.firstLine + offset
                    switch line {
                    case .blank: continue
                    case .record(let record):
                        body(record)
                        count += 1
                    case .notUTF8:
                        throw CommandFailure(message: "line \(lineNumber) is not UTF-8", exitCode: LedgerCommand.verificationFailed)
                    case .tooLong:
                        throw CommandFailure(
                            message: "line \(lineNumber) is not a ledger record: longer than \(reader.maximumLineBytes) bytes",
                            exitCode: LedgerCommand.verificationFailed)
                    case .invalid(let error): throw refuse(lineNumber, error)
                    }
                }
                progress.update(count: count, done: reader.bytesRead)
            }
        }

        /// The keys from --jwks; else the keys directory's, with those `registered` in a
        /// fleet's database.
        private func publicKeys(registered: (any FleetKeys)? = nil) async throws -> PublicKeySet {
            if let jwks {
                let data: Data
                if jwks.hasPrefix("http://") || jwks.hasPrefix("https://") {
                    guard let url = URL(string: jwks) else { throw CommandFailure.usage("--jwks: '\(jwks)' is not a URL") }
                    do { data = try await URLSession.shared.data(from: url).0 } catch {
                        throw CommandFailure(
                            message: "cannot fetch \(jwks): \(error.localizedDescription)", exitCode: CommandFailure.refused)
                    }
                } else {
                    guard let contents = FileManager.default.contents(atPath: jwks) else {
                        throw CommandFailure(message: "cannot read '\(jwks)'", exitCode: CommandFailure.notFound)
                    }
                    data = contents
                }
                do { return try JWKS.decode(data) } catch {
                    throw CommandFailure(message: "--jwks: \(error)", exitCode: CommandFailure.invalidData)
                }
            }
            var known = try await keys.load()?.keys.mapValues(\.rawPublicKey) ?? [:]
            if let registered { known.merge(try await registered.publicKeys()) { own, _ in own } }
            guard !known.isEmpty else {
                throw CommandFailure(message: "no public keys: pass --jwks FILE|URL or --keys DIR", exitCode: CommandFailure.notFound)
            }
            return PublicKeySet(keys: known)
        }
    }
}

/// Records gathered for `LedgerChainsVerifier.check(batch:)`, which checks their signatures
/// on every core: bounded, so memory stays flat whatever the ledger's size.
struct RecordBatch {
    static let size = 16_384
    private var records: [LedgerRecord] = []

    mutating func add(_ record: LedgerRecord, to verifier: inout LedgerChainsVerifier) {
        records.append(record)
        if records.count == Self.size { flush(to: &verifier) }
    }

    mutating func flush(to verifier: inout LedgerChainsVerifier) {
        guard !records.isEmpty else { return }
        verifier.check(batch: records)
        records.removeAll(keepingCapacity: true)
    }
}

/// One line of a JSON-lines export, read.
private enum ParsedLine: Sendable {
    case blank
    case notUTF8
    case tooLong
    case record(LedgerRecord)
    case invalid(LedgerFormatError)
}
