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
        @OptionGroup var since: SinceOption
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let start = try since.instant()
            let ledger = LedgerStore(try await store.open())
            var chunk: [String] = []
            if format == .csv { chunk.append(LedgerExport.csvHeader) }
            do {
                try ledger.forEachRecord(since: start) { record in
                    chunk.append(format == .jsonl ? LedgerExport.jsonLine(record) : LedgerExport.csvLine(record))
                    if chunk.count >= 1_000 {
                        Console.print(chunk.joined(separator: "\n"))
                        chunk.removeAll(keepingCapacity: true)
                    }
                }
            } catch {
                throw error.commandFailure
            }
            if !chunk.isEmpty { Console.print(chunk.joined(separator: "\n")) }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every signature and the whole hash chain of an export (JSON lines) or of the live ledger.",
            discussion: """
                Reports the first record that fails, by sequence number, and exits 2; exits 0 when every record verifies.
                Public keys come from --jwks (a file or an http(s) URL of /.well-known/jwks.json) or else from the keys directory.
                Examples:
                  adctl ledger verify ledger.jsonl --jwks http://127.0.0.1:8080/.well-known/jwks.json
                  adctl ledger verify --db var/vickrey.sqlite
                """
        )

        @Argument(help: "A JSON lines export; omit to verify the live ledger in the database.") var file: String?
        @Option(help: "JWKS file or URL with the public keys.") var jwks: String?
        @Flag(help: "The export starts after seq 1 (made with --since): anchor the chain at its first record.") var partial = false
        @OptionGroup var keys: KeysOptions
        @OptionGroup var store: StoreOptions

        func run() async throws {
            var verifier = LedgerVerifier(keys: try await publicKeys(), startingAt: partial ? nil : 1)
            var failure: VerificationFailure?
            if let file {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw CommandFailure(message: "cannot read '\(file)'", exitCode: CommandFailure.notFound)
                }
                var lineNumber = 0
                for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
                    lineNumber += 1
                    if line.isEmpty { continue }
                    do {
                        failure = verifier.check(try LedgerExport.parse(jsonLine: String(decoding: line, as: UTF8.self)))
                    } catch {
                        throw CommandFailure(message: "line \(lineNumber) is not a ledger record: \(error)", exitCode: LedgerCommand.verificationFailed)
                    }
                    if failure != nil { break }
                }
            } else {
                let ledger = LedgerStore(try await store.open())
                do {
                    // After the first failure the rest is only read, not checked.
                    try ledger.forEachRecord { record in
                        if failure == nil { failure = verifier.check(record) }
                    }
                } catch {
                    throw error.commandFailure
                }
            }
            if let failure {
                throw CommandFailure(
                    message: "ledger does NOT verify: \(failure) (\(verifier.verifiedCount) records before it verified)",
                    exitCode: LedgerCommand.verificationFailed
                )
            }
            Console.print("verified \(verifier.verifiedCount) records: every signature valid, chain intact" + (verifier.lastHash.map { ", last hash \($0)" } ?? ""))
        }

        private func publicKeys() async throws -> PublicKeySet {
            if let jwks {
                let data: Data
                if jwks.hasPrefix("http://") || jwks.hasPrefix("https://") {
                    guard let url = URL(string: jwks) else { throw CommandFailure.usage("--jwks: '\(jwks)' is not a URL") }
                    do { data = try await URLSession.shared.data(from: url).0 } catch {
                        throw CommandFailure(message: "cannot fetch \(jwks): \(error.localizedDescription)", exitCode: CommandFailure.refused)
                    }
                } else {
                    guard let contents = FileManager.default.contents(atPath: jwks) else {
                        throw CommandFailure(message: "cannot read '\(jwks)'", exitCode: CommandFailure.notFound)
                    }
                    data = contents
                }
                do { return try JWKS.decode(data) } catch { throw CommandFailure(message: "--jwks: \(error)", exitCode: CommandFailure.invalidData) }
            }
            guard let keyring = try await keys.load() else {
                throw CommandFailure(message: "no public keys: pass --jwks FILE|URL or --keys DIR", exitCode: CommandFailure.notFound)
            }
            return PublicKeySet(keys: keyring.keys.mapValues(\.rawPublicKey))
        }
    }
}
