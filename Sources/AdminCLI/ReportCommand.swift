import ArgumentParser
import Foundation
import VickreyCore
import VickreyStore
import VickreyWire

/// `adctl report`: delivery and spend reconciled from the ledger.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Spend, impressions, clicks, CTR, eCPM, invalid traffic and viewability by campaign and by day (UTC), from the ledger.",
        discussion: """
            Impressions and clicks are net: billed records. Gross counts every impression and click recorded; invalid \
            traffic (robots, non-browsers, data centres, prefetches, clicks too fast) is recorded unbilled and counted by \
            category; unbilled counts every record not billed (invalid traffic, budget exhausted, test traffic). Spend is \
            the exact sum of charges; eCPM = spend per 1000 net impressions. Viewability = viewable events per measured \
            (valid) impression; completion = completed video views per measured impression.
            Examples:
              adctl report --db var/vickrey.sqlite
              adctl report --by day --since 2026-11-01T00:00:00Z --json
            """
    )
    enum Grouping: String, ExpressibleByArgument, CaseIterable { case campaign, day }

    @Option(help: "campaign (one row per campaign) or day (one row per campaign and day).") var by: Grouping = .campaign
    @OptionGroup var since: SinceOption
    @OptionGroup var output: OutputOptions
    @OptionGroup var store: StoreOptions

    func run() async throws {
        let start = try since.instant()
        let rows = DeliveryReport.rows(
            try await store.call { db in try await db.ledger.delivery(since: start) }, by: by == .campaign ? .campaign : .day)
        if output.json { return Console.print(DeliveryReport.json(rows)) }
        var table = TextTable(headers: [
            "CAMPAIGN", "DAY", "IMPRESSIONS", "CLICKS", "CTR", "SPEND", "ECPM", "UNBILLED", "GROSS", "INVALID", "VIEWABLE", "VIEWABILITY",
            "COMPLETED", "COMPLETION",
        ])
        for row in rows {
            table.rows.append([
                row.campaignID.rawValue, row.day, String(row.impressions), String(row.clicks), Self.percent(row.ctrPPM),
                Self.money(row.spend), DecimalMoney.formatCurrency(Micros(row.ecpmMicros)), String(row.unbilled),
                String(row.grossImpressions), String(row.invalidTotal), String(row.viewableImpressions), Self.percent(row.viewabilityPPM),
                String(row.completedViews), Self.percent(row.completionPPM),
            ])
        }
        let total = rows.reduce(Nanos.zero) { $0 + $1.spend }
        var invalid: [String: Int64] = [:]
        for row in rows { invalid.merge(row.invalid, uniquingKeysWith: +) }
        let disclosed = DeliveryReport.invalidCategories.map { "\($0) \(invalid[$0] ?? 0)" }.joined(separator: ", ")
        Console.print(
            table.render()
                + "\ntotal spend \(Self.money(total)) (\(total.value) nanos) over \(rows.reduce(0) { $0 + $1.impressions }) impressions"
                + "\ninvalid traffic filtered: \(disclosed)")
    }

    static func percent(_ ppm: Int64) -> String { DecimalMoney.format(ppm / 100, fractionDigits: 2) + "%" }
    static func money(_ nanos: Nanos) -> String { DecimalMoney.format(nanos.value, fractionDigits: 9) }
}
