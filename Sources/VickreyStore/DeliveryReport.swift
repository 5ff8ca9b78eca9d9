import VickreyCore
import VickreyWire

/// The delivery report of `adctl report` and `GET /v1/admin/reports`: one shaping of the
/// ledger's delivery rows, written once for both.
public enum DeliveryReport {
    public enum Grouping: String, Sendable, CaseIterable {
        /// One row per campaign (`day` is `all`).
        case campaign
        /// One row per campaign and UTC day.
        case day
    }

    /// `rows` (by campaign and day, as the ledger store returns them) grouped as asked.
    public static func rows(_ rows: [DeliveryRow], by grouping: Grouping) -> [DeliveryRow] {
        guard grouping == .campaign else { return rows }
        var merged: [CampaignID: DeliveryRow] = [:]
        for row in rows {
            var total =
                merged[row.campaignID]
                ?? DeliveryRow(campaignID: row.campaignID, day: "all", impressions: 0, clicks: 0, unbilled: 0, spend: .zero)
            total.impressions += row.impressions
            total.clicks += row.clicks
            total.unbilled += row.unbilled
            total.spend += row.spend
            total.grossImpressions += row.grossImpressions
            total.grossClicks += row.grossClicks
            total.measuredImpressions += row.measuredImpressions
            total.viewableImpressions += row.viewableImpressions
            total.completedViews += row.completedViews
            total.invalid.merge(row.invalid, uniquingKeysWith: +)
            merged[row.campaignID] = total
        }
        return merged.values.sorted { $0.campaignID < $1.campaignID }
    }

    /// The rows as a JSON array.
    public static func json(_ rows: [DeliveryRow]) -> String {
        var out = JSONWriter(capacity: 16 + 192 * rows.count)
        out.array { out in
            for row in rows {
                out.object { out in
                    out.field("campaign_id", row.campaignID.rawValue)
                    out.field("day", row.day)
                    out.field("impressions", row.impressions)
                    out.field("clicks", row.clicks)
                    out.field("unbilled", row.unbilled)
                    out.field("spend_nanos", row.spend.value)
                    out.field("ctr_ppm", row.ctrPPM)
                    out.field("ecpm_micros", row.ecpmMicros)
                    out.field("gross_impressions", row.grossImpressions)
                    out.field("gross_clicks", row.grossClicks)
                    out.key("invalid")
                    out.object { out in
                        for category in invalidCategories {
                            out.key(named: category)
                            out.integer(row.invalid[category] ?? 0)
                        }
                    }
                    out.field("measured_impressions", row.measuredImpressions)
                    out.field("viewable_impressions", row.viewableImpressions)
                    out.field("viewability_ppm", row.viewabilityPPM)
                    out.field("completed_views", row.completedViews)
                    out.field("completion_ppm", row.completionPPM)
                }
            }
        }
        return out.text
    }
}

extension DeliveryReport {
    /// The invalid-traffic categories a report discloses, each always present: the
    /// `ivt_` reasons of the ledger without their prefix.
    public static let invalidCategories = UnbilledReason.allCases.map(\.rawValue).filter { $0.hasPrefix("ivt_") }.map {
        String($0.dropFirst(4))
    }
}

extension DeliveryRow {
    /// Viewable impressions per million measured ones.
    public var viewabilityPPM: Int64 { measuredImpressions == 0 ? 0 : viewableImpressions * 1_000_000 / measuredImpressions }
    /// Completed video views per million measured impressions (the video completion rate,
    /// for a campaign whose impressions are videos).
    public var completionPPM: Int64 { measuredImpressions == 0 ? 0 : completedViews * 1_000_000 / measuredImpressions }
    /// Invalid events of every category.
    public var invalidTotal: Int64 { invalid.values.reduce(0, +) }

    /// Clicks per million impressions.
    public var ctrPPM: Int64 { impressions == 0 ? 0 : clicks * 1_000_000 / impressions }
    /// Spend per 1000 impressions in micros: nanos spent per impression.
    public var ecpmMicros: Int64 { impressions == 0 ? 0 : spend.value / impressions }
}
