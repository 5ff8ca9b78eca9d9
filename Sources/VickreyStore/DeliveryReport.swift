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
        /// One row per advertiser, adding up its campaigns (`day` is `all`).
        case advertiser
        /// One row per placement, adding up every campaign served there (`day` is `all`).
        case placement
        /// One row per campaign and creative (`day` is `all`).
        case creative

        /// What the ledger must be read by for this grouping.
        public var detail: DeliveryDetail {
            switch self {
            case .campaign, .day, .advertiser: .none
            case .placement: .placement
            case .creative: .creative
            }
        }

        /// The columns that name a row of this grouping, as the JSON's fields.
        public var keyFields: [String] {
            switch self {
            case .campaign: ["campaign_id"]
            case .day: ["campaign_id", "day"]
            case .advertiser: ["advertiser_id"]
            case .placement: ["placement_id"]
            case .creative: ["campaign_id", "creative_id"]
            }
        }
    }

    /// `rows` (by campaign and day, as the ledger store returns them, read with
    /// `grouping.detail`) grouped as asked; `advertiser` names each campaign's advertiser
    /// (for `.advertiser`; a campaign it does not know is counted under an empty id).
    public static func rows(
        _ rows: [DeliveryRow], by grouping: Grouping, advertiser: (CampaignID) -> AdvertiserID? = { _ in nil }
    ) -> [DeliveryRow] {
        guard grouping != .day else { return rows }
        var merged: [String: DeliveryRow] = [:]
        for row in rows {
            var key = DeliveryRow(campaignID: row.campaignID, day: "all", impressions: 0, clicks: 0, unbilled: 0, spend: .zero)
            switch grouping {
            case .campaign, .day: break
            case .advertiser:
                key.campaignID = CampaignID(unchecked: "")
                key.advertiserID = advertiser(row.campaignID) ?? AdvertiserID(unchecked: "")
            case .placement:
                key.campaignID = CampaignID(unchecked: "")
                key.placementID = row.placementID ?? ""
            case .creative: key.creativeID = row.creativeID ?? ""
            }
            let name = [key.campaignID.rawValue, key.advertiserID?.rawValue ?? "", key.placementID ?? "", key.creativeID ?? ""]
                .joined(separator: "\u{0}")
            merged[name] = (merged[name] ?? key).adding(row)
        }
        return merged.sorted { $0.key < $1.key }.map(\.value)
    }

    /// Every row added up: the report's totals (`day` is `all`, no campaign).
    public static func total(_ rows: [DeliveryRow]) -> DeliveryRow {
        rows.reduce(DeliveryRow(campaignID: CampaignID(unchecked: ""), day: "all", impressions: 0, clicks: 0, unbilled: 0, spend: .zero)) {
            $0.adding($1)
        }
    }

    /// The rows as a JSON array.
    public static func json(_ rows: [DeliveryRow]) -> String {
        var out = JSONWriter(capacity: 16 + 192 * rows.count)
        out.array { out in
            for row in rows {
                out.object { out in
                    if !row.campaignID.rawValue.isEmpty { out.field("campaign_id", row.campaignID.rawValue) }
                    if let advertiser = row.advertiserID { out.field("advertiser_id", advertiser.rawValue) }
                    if let placement = row.placementID { out.field("placement_id", placement) }
                    if let creative = row.creativeID { out.field("creative_id", creative) }
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
    /// The rows as CSV (RFC 4180: a header line, CRLF line ends, fields quoted where they
    /// hold a comma, quote or line end): the grouping's key columns, then every figure of
    /// the JSON, money in currency units with nine decimals (exact), invalid events by
    /// category; a last row `total` adds them all up.
    public static func csv(_ rows: [DeliveryRow], by grouping: Grouping) -> String {
        let keys = grouping == .day ? grouping.keyFields : grouping.keyFields + ["day"]
        var header = keys + ["impressions", "clicks", "ctr", "spend", "ecpm", "unbilled", "gross_impressions", "gross_clicks"]
        header += invalidCategories.map { "invalid_\($0)" }
        header += ["measured_impressions", "viewable_impressions", "viewability", "completed_views", "completion"]
        var lines = [header.joined(separator: ",")]
        func line(_ names: [String], _ row: DeliveryRow) -> String {
            var fields = names
            fields += [String(row.impressions), String(row.clicks), percent(row.ctrPPM)]
            fields += [DecimalMoney.format(row.spend.value, fractionDigits: 9), DecimalMoney.format(row.ecpmMicros, fractionDigits: 6)]
            fields += [String(row.unbilled), String(row.grossImpressions), String(row.grossClicks)]
            fields += invalidCategories.map { String(row.invalid[$0] ?? 0) }
            fields += [String(row.measuredImpressions), String(row.viewableImpressions), percent(row.viewabilityPPM)]
            fields += [String(row.completedViews), percent(row.completionPPM)]
            return fields.map(csvField).joined(separator: ",")
        }
        for row in rows { lines.append(line(row.names(keys), row)) }
        lines.append(line(["total"] + Array(repeating: "", count: keys.count - 1), total(rows)))
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// A rate in parts per million as a percentage with four decimals (`1.2345`).
    static func percent(_ ppm: Int64) -> String { DecimalMoney.format(ppm, fractionDigits: 4) }

    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        var quoted = "\""
        for character in text { quoted += character == "\"" ? "\"\"" : String(character) }
        return quoted + "\""
    }

    /// The invalid-traffic categories a report discloses, each always present: the
    /// `ivt_` reasons of the ledger without their prefix.
    public static let invalidCategories = UnbilledReason.allCases.map(\.rawValue).filter { $0.hasPrefix("ivt_") }.map {
        String($0.dropFirst(4))
    }
}

extension DeliveryRow {
    /// The row's values of `keys` (the JSON's key fields and `day`).
    public func names(_ keys: [String]) -> [String] {
        keys.map { key in
            switch key {
            case "campaign_id": campaignID.rawValue
            case "advertiser_id": advertiserID?.rawValue ?? ""
            case "placement_id": placementID ?? ""
            case "creative_id": creativeID ?? ""
            default: day
            }
        }
    }

    /// This row with `other`'s figures added (its names kept).
    func adding(_ other: DeliveryRow) -> DeliveryRow {
        var total = self
        total.impressions += other.impressions
        total.clicks += other.clicks
        total.unbilled += other.unbilled
        total.spend += other.spend
        total.grossImpressions += other.grossImpressions
        total.grossClicks += other.grossClicks
        total.measuredImpressions += other.measuredImpressions
        total.viewableImpressions += other.viewableImpressions
        total.completedViews += other.completedViews
        total.invalid.merge(other.invalid, uniquingKeysWith: +)
        return total
    }

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
