import ArgumentParser
import Foundation
import VickreyCore
import VickreyStore
import VickreyWire
import VickreyYield

extension CampaignCommand {
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or replace campaigns from JSON lines (one campaign per line).",
            discussion: """
                All or nothing: if any line is bad, nothing is saved and every bad line is reported
                with its number and field (exit code 65). Unknown advertisers are created.
                The format is documented in docs/campaign-json.md. A standard line item whose goal
                is past its forecast availability is warned about; --strict refuses the import
                (docs/forecasting.md).
                Examples:
                  adctl campaign import campaigns.jsonl --db var/vickrey.sqlite
                  generate-campaigns | adctl campaign import -
                """
        )
        static let maximumLineBytes = 1 << 20

        @Argument(help: "A JSON lines file, or - for standard input.") var file: String
        @Flag(help: "Refuse the import when a standard line item's goal is past its forecast availability.") var strict = false
        @Option(help: "The request sample availability is forecast from (default: beside the database).") var sample: String?
        @Option(help: "The sample's rate, as the server's requestSample.sampleRate.") var sampleRate: Double = 0.0001
        @OptionGroup var store: StoreOptions

        func run() async throws {
            guard sampleRate > 0, sampleRate <= 1 else { throw CommandFailure.usage("--sample-rate must be above 0 and at most 1") }
            let reader = try LineBlocks(path: file, maximumLineBytes: Self.maximumLineBytes)
            let database = try await store.databasePath()
            let samplePath = sample ?? RequestSample.defaultPath(beside: database)
            let strict = strict
            let sampleRatePPM = Int64((sampleRate * 1_000_000).rounded())
            let (summary, read) = try await store.call { db in
                let stored = try await db.campaigns.activeLineItems().filter(\.lineItem.delivery.isGuaranteed)
                let source = ImportLines(reader: reader) { lineItems in
                    try Self.checkAvailability(
                        lineItems, stored: stored, samplePath: samplePath, sampleRatePPM: sampleRatePPM, strict: strict)
                }
                defer { source.finishProgress() }
                do { return (try await db.campaigns.importCampaigns(from: source), source.campaignsRead) } catch let error as StoreError
                    where error.code == .rejected
                {
                    throw CommandFailure(
                        message: "nothing imported: \(error.failures.count) bad line(s)", exitCode: CommandFailure.invalidData,
                        details: error.failures.prefix(1_000).map { "line \($0.position): \($0.field): \($0.message)" })
                }
            }
            Console.print(
                "imported \(read) campaigns (\(summary.created) created, \(summary.updated) updated, \(summary.advertisersCreated) advertisers created)"
            )
        }

        /// Warns about the file's standard line items booked past their forecast availability
        /// (beside the stored booked ones and the file's others); with `--strict`, refuses.
        /// Runs before the import commits, so a refusal leaves nothing written.
        static func checkAvailability(
            _ lineItems: [(campaign: Campaign, line: Int)], stored: [Campaign], samplePath: String, sampleRatePPM: Int64, strict: Bool
        ) throws {
            let goals = lineItems.filter { $0.campaign.lineItem.goal != nil && $0.campaign.status == .active }
            guard !goals.isEmpty else { return }
            let imported = Set(lineItems.map(\.campaign.id))
            let booked =
                stored.filter { !imported.contains($0.id) }
                + lineItems.map(\.campaign).filter { $0.lineItem.delivery.isGuaranteed && $0.status == .active }
            var refusals: [String] = []
            for (campaign, number) in goals {
                for warning in BookingCheck.warnings(for: campaign, booked: booked, samplePath: samplePath, sampleRatePPM: sampleRatePPM) {
                    let line = "line \(number): \(campaign.id): \(warning)"
                    Console.error("warning: \(line)")
                    if warning.hasPrefix("overbooked:") { refusals.append(line) }
                }
            }
            if strict, !refusals.isEmpty {
                throw CommandFailure(
                    message: "nothing imported: \(refusals.count) line item(s) booked past their availability (--strict)",
                    exitCode: CommandFailure.refused, details: refusals)
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write campaigns as JSON lines, in the format import reads.",
            discussion:
                "Examples:\n  adctl campaign export > campaigns.jsonl\n  adctl campaign export --advertiser acme --output acme.jsonl"
        )
        @Option(help: "Only this advertiser's campaigns.") var advertiser: String?
        @Option(help: "Only campaigns with this status.") var status: String?
        @Option(help: "Write to this file instead of standard output.") var output: String?
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let campaigns = try await filteredCampaigns(store: store, advertiser: advertiser, status: status)
            let lines = try campaigns.map { try JSONOutput.line(CampaignDocument($0)) }
            if let output {
                let text = lines.map { $0 + "\n" }.joined()
                guard FileManager.default.createFile(atPath: output, contents: Data(text.utf8)) else {
                    throw CommandFailure(message: "cannot write '\(output)'", exitCode: CommandFailure.refused)
                }
                Console.print("exported \(campaigns.count) campaigns to \(output)")
            } else {
                for line in lines { Console.print(line) }
            }
        }
    }
}
