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
    @Option(
        help: """
            campaign (a row per campaign), day (per campaign and day), advertiser (per advertiser), placement (per \
            placement, every campaign added up) or creative (per campaign and creative).
            """)
    var by: DeliveryReport.Grouping = .campaign
    @OptionGroup var since: SinceOption
    @Option(help: ArgumentHelp("Only events before this RFC 3339 time.", valueName: "time")) var until: String?
    @Flag(help: "Print CSV (with a total row) instead of a table.") var csv = false
    @OptionGroup var output: OutputOptions
    @OptionGroup var store: StoreOptions

    func run() async throws {
        let start = try since.instant()
        var end: Instant?
        if let until {
            guard let parsed = RFC3339.parse(until) else {
                throw CommandFailure.usage("--until: '\(until)' is not an RFC 3339 time like 2026-12-01T00:00:00Z")
            }
            end = parsed
        }
        let grouping = by
        let (delivery, advertisers) = try await store.call { db in
            let rows = try await db.ledger.delivery(since: start, until: end, detail: grouping.detail)
            guard grouping == .advertiser else { return (rows, [CampaignID: AdvertiserID]()) }
            let campaigns = try await db.campaigns.campaigns(advertiser: nil, status: nil)
            return (rows, Dictionary(campaigns.map { ($0.id, $0.advertiserID) }, uniquingKeysWith: { first, _ in first }))
        }
        let rows = DeliveryReport.rows(delivery, by: grouping) { advertisers[$0] }
        if output.json { return Console.print(DeliveryReport.json(rows)) }
        if csv { return Console.print(DeliveryReport.csv(rows, by: grouping), terminator: "") }
        let keys = grouping == .day ? grouping.keyFields : grouping.keyFields + ["day"]
        var table = TextTable(
            headers: keys.map { $0.replacingOccurrences(of: "_id", with: "").uppercased() } + [
                "IMPRESSIONS", "CLICKS", "CTR", "SPEND", "ECPM", "UNBILLED", "GROSS", "INVALID", "VIEWABLE", "VIEWABILITY", "COMPLETED",
                "COMPLETION",
            ])
        for row in rows {
            table.rows.append(
                row.names(keys) + [
                    String(row.impressions), String(row.clicks), Self.percent(row.ctrPPM),
                    Self.money(row.spend), DecimalMoney.formatCurrency(Micros(row.ecpmMicros)), String(row.unbilled),
                    String(row.grossImpressions), String(row.invalidTotal), String(row.viewableImpressions),
                    Self.percent(row.viewabilityPPM), String(row.completedViews), Self.percent(row.completionPPM),
                ])
        }
        let total = DeliveryReport.total(rows)
        let disclosed = DeliveryReport.invalidCategories.map { "\($0) \(total.invalid[$0] ?? 0)" }.joined(separator: ", ")
        Console.print(
            table.render()
                + "\ntotal spend \(Self.money(total.spend)) (\(total.spend.value) nanos) over \(total.impressions) impressions"
                + "\ninvalid traffic filtered: \(disclosed)")
    }

    static func percent(_ ppm: Int64) -> String { DecimalMoney.format(ppm / 100, fractionDigits: 2) + "%" }
    static func money(_ nanos: Nanos) -> String { DecimalMoney.format(nanos.value, fractionDigits: 9) }
}

extension DeliveryReport.Grouping: ExpressibleByArgument {}
