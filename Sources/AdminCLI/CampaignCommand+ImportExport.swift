import ArgumentParser
import Foundation
import Synchronization
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
            let data = try InputFile.read(file)
            let (campaigns, lineNumbers, problems) = Self.parse(data)
            guard problems.isEmpty else {
                throw CommandFailure(
                    message: "nothing imported: \(problems.count) bad line(s)", exitCode: CommandFailure.invalidData,
                    details: problems.prefix(1_000).map { $0 } + (problems.count > 1_000 ? ["… and \(problems.count - 1_000) more"] : [])
                )
            }
            try await checkAvailability(campaigns, lineNumbers: lineNumbers)
            let summary = try await store.call { db in
                do { return try await db.campaigns.importCampaigns(campaigns) } catch let error as StoreError where error.code == .rejected
                {
                    throw CommandFailure(
                        message: "nothing imported: \(error.failures.count) bad line(s)", exitCode: CommandFailure.invalidData,
                        details: error.failures.map { "line \(lineNumbers[$0.position]): \($0.field): \($0.message)" }
                    )
                }
            }
            Console.print(
                "imported \(campaigns.count) campaigns (\(summary.created) created, \(summary.updated) updated, \(summary.advertisersCreated) advertisers created)"
            )
        }

        /// Warns about standard line items booked past their forecast availability (beside the
        /// booked ones and the file's others); with `--strict`, refuses before anything is written.
        private func checkAvailability(_ campaigns: [Campaign], lineNumbers: [Int]) async throws {
            guard campaigns.contains(where: { $0.lineItem.goal != nil && $0.status == .active }) else { return }
            guard sampleRate > 0, sampleRate <= 1 else { throw CommandFailure.usage("--sample-rate must be above 0 and at most 1") }
            let database = try await store.databasePath()
            let path = sample ?? RequestSample.defaultPath(beside: database)
            let imported = Set(campaigns.map(\.id))
            let stored = try await store.call { db in try await db.campaigns.campaigns(advertiser: nil, status: .active) }
            let booked =
                stored.filter { $0.lineItem.delivery.isGuaranteed && !imported.contains($0.id) }
                + campaigns.filter { $0.lineItem.delivery.isGuaranteed && $0.status == .active }
            var refusals: [String] = []
            for (position, campaign) in campaigns.enumerated() where campaign.lineItem.goal != nil && campaign.status == .active {
                for warning in BookingCheck.warnings(
                    for: campaign, booked: booked, samplePath: path, sampleRatePPM: Int64((sampleRate * 1_000_000).rounded()))
                {
                    let line = "line \(lineNumbers[position]): \(campaign.id): \(warning)"
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

        /// Decodes and validates every line (on every core; lines are independent), then
        /// checks ids across lines. Returns the campaigns, the line number of each, and a
        /// message per bad line, in line order.
        static func parse(_ data: Data) -> ([Campaign], [Int], [String]) {
            let lines = data.withUnsafeBytes { bytes in
                bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { Data($0) }
            }
            let results = decodeConcurrently(lines)
            var campaigns: [Campaign] = []
            var lineNumbers: [Int] = []
            var problems: [String] = []
            var firstLineOfID: [CampaignID: Int] = [:]
            var firstLineOfCreative: [CreativeID: Int] = [:]
            for (offset, result) in results.enumerated() {
                let number = offset + 1
                switch result {
                case nil:
                    continue
                case .failure(let error)?:
                    problems.append("line \(number): \(error.description)")
                case .success(let campaign)?:
                    if let first = firstLineOfID[campaign.id] {
                        problems.append("line \(number): id: '\(campaign.id)' already appears on line \(first)")
                        continue
                    }
                    firstLineOfID[campaign.id] = number
                    if let clash = campaign.creatives.first(where: { firstLineOfCreative[$0.id] != nil }) {
                        problems.append(
                            "line \(number): creatives: creative id '\(clash.id)' already appears on line \(firstLineOfCreative[clash.id]!)"
                        )
                        continue
                    }
                    for creative in campaign.creatives { firstLineOfCreative[creative.id] = number }
                    campaigns.append(campaign)
                    lineNumbers.append(number)
                }
            }
            return (campaigns, lineNumbers, problems)
        }

        /// One result per line (nil for a blank line), decoded in parallel chunks.
        private static func decodeConcurrently(_ lines: [Data]) -> [Result<Campaign, FieldError>?] {
            let chunkSize = 512
            let chunks = (lines.count + chunkSize - 1) / chunkSize
            let results = Mutex([[Result<Campaign, FieldError>?]](repeating: [], count: chunks))
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let range = chunk * chunkSize..<min(lines.count, (chunk + 1) * chunkSize)
                let decoded = lines[range].map(decodeLine)
                results.withLock { $0[chunk] = decoded }
            }
            return results.withLock { $0.flatMap { $0 } }
        }

        private static func decodeLine(_ line: Data) -> Result<Campaign, FieldError>? {
            if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\t") }) { return nil }
            guard line.count <= maximumLineBytes else {
                return .failure(FieldError(field: nil, message: "longer than \(maximumLineBytes) bytes"))
            }
            return CampaignDocument.parseCampaign(line)
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
