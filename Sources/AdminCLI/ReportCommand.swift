import ArgumentParser
import Foundation
import VickreyCore
import VickreyStore
import VickreyWire

/// `adctl report`: delivery and spend reconciled from the ledger.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Spend, impressions, clicks, CTR and eCPM by campaign and by day (UTC), from the ledger.",
        discussion: """
            Impressions and clicks count billed records; unbilled ones (budget exhausted, test traffic) are counted \
            apart. Spend is the exact sum of charges. eCPM = spend per 1000 billed impressions.
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
        var rows = try await store.call { db in try await db.ledger.delivery(since: start) }
        if by == .campaign {
            var merged: [CampaignID: DeliveryRow] = [:]
            for row in rows {
                var total =
                    merged[row.campaignID]
                    ?? DeliveryRow(campaignID: row.campaignID, day: "all", impressions: 0, clicks: 0, unbilled: 0, spend: .zero)
                total.impressions += row.impressions
                total.clicks += row.clicks
                total.unbilled += row.unbilled
                total.spend += row.spend
                merged[row.campaignID] = total
            }
            rows = merged.values.sorted { $0.campaignID < $1.campaignID }
        }
        if output.json {
            let objects = rows.map { row in
                #"{"campaign_id":"\#(row.campaignID)","day":"\#(row.day)","impressions":\#(row.impressions),"clicks":\#(row.clicks),"unbilled":\#(row.unbilled),"spend_nanos":\#(row.spend.value),"ctr_ppm":\#(Self.ctrPPM(row)),"ecpm_micros":\#(Self.ecpmMicros(row))}"#
            }
            Console.print("[" + objects.joined(separator: ",") + "]")
            return
        }
        var table = TextTable(headers: ["CAMPAIGN", "DAY", "IMPRESSIONS", "CLICKS", "CTR", "SPEND", "ECPM", "UNBILLED"])
        for row in rows {
            table.rows.append([
                row.campaignID.rawValue, row.day, String(row.impressions), String(row.clicks), Self.percent(Self.ctrPPM(row)),
                Self.money(row.spend), DecimalMoney.formatCurrency(Micros(Self.ecpmMicros(row))), String(row.unbilled),
            ])
        }
        let total = rows.reduce(Nanos.zero) { $0 + $1.spend }
        Console.print(
            table.render()
                + "\ntotal spend \(Self.money(total)) (\(total.value) nanos) over \(rows.reduce(0) { $0 + $1.impressions }) impressions")
    }

    /// Clicks per million impressions.
    static func ctrPPM(_ row: DeliveryRow) -> Int64 { row.impressions == 0 ? 0 : row.clicks * 1_000_000 / row.impressions }
    /// Spend per 1000 impressions in micros: nanos spent per impression.
    static func ecpmMicros(_ row: DeliveryRow) -> Int64 { row.impressions == 0 ? 0 : row.spend.value / row.impressions }
    static func percent(_ ppm: Int64) -> String { DecimalMoney.format(ppm / 100, fractionDigits: 2) + "%" }
    static func money(_ nanos: Nanos) -> String { DecimalMoney.format(nanos.value, fractionDigits: 9) }
}
