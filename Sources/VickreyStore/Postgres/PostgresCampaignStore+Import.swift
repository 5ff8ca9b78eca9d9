import Logging
import PostgresNIO
import VickreyCore

/// An import's batch written in a fixed number of statements whatever its size: the
/// advertisers it names, its campaign rows, and their targeting and creatives, each as
/// one `INSERT … SELECT FROM unnest(arrays)`. Writing a campaign at a time cost five round
/// trips each (about 650 campaigns a second); the outcome is the same, failures included.
extension PostgresCampaignStore {
    /// For each campaign of `batch` (by index), the creative id that another campaign
    /// holds when its turn comes, exactly as saving the batch one campaign at a time in
    /// order would find: an id is free to a campaign when nobody holds it, when it holds
    /// it already, or when the campaign holding it was saved earlier in the batch without it.
    static func creativeConflicts(in batch: [Campaign], _ connection: PostgresConnection, logger: Logger) async throws -> [Int: String] {
        let ids = batch.flatMap { $0.creatives.map(\.id.rawValue) }
        guard !ids.isEmpty else { return [:] }
        var owner: [String: String] = [:]
        var ownedBy: [String: [String]] = [:]
        for (id, campaign) in try await connection.all(
            "SELECT id, campaign_id FROM creative WHERE id = ANY(\(ids))", as: (String, String).self, logger: logger)
        {
            owner[id] = campaign
            ownedBy[campaign, default: []].append(id)
        }
        var conflicts: [Int: String] = [:]
        for (index, campaign) in batch.enumerated() {
            let campaignID = campaign.id.rawValue
            let own = Set(campaign.creatives.map(\.id.rawValue))
            if let conflict = campaign.creatives.map(\.id.rawValue).filter({ owner[$0].map { $0 != campaignID } ?? false }).sorted().first {
                conflicts[index] = conflict
                continue
            }
            // Saved: what it held and no longer lists is free, what it lists is its own.
            for id in ownedBy[campaignID] ?? [] where !own.contains(id) && owner[id] == campaignID { owner[id] = nil }
            for id in own { owner[id] = campaignID }
            ownedBy[campaignID] = Array(own)
        }
        return conflicts
    }

    /// Creates the advertisers named `ids`, each named by its id.
    static func insertAdvertisers(_ ids: [String], _ connection: PostgresConnection, logger: Logger) async throws {
        guard !ids.isEmpty else { return }
        try await connection.query(
            "INSERT INTO advertiser (id, name, created_at) SELECT id, id, \(nowText()) FROM unnest(\(ids)::text[]) AS a(id)",
            logger: logger)
    }

    /// Writes `campaigns` (none of whose creatives is taken), replacing the rows of those in
    /// `existing`, in four statements (six when some existed).
    static func saveBatch(
        _ campaigns: [Campaign], existing: Set<String>, revision: Int64, _ connection: PostgresConnection, logger: Logger
    ) async throws {
        guard !campaigns.isEmpty else { return }
        let rows = campaigns.map { CampaignRow($0) }
        func text(_ value: Int64?) -> String { value.map(String.init) ?? "" }
        var binds = PostgresBindings(capacity: CampaignSQL.rowColumns.count + 2)
        binds.append(rows.map(\.id))
        binds.append(rows.map(\.advertiserID))
        binds.append(rows.map(\.name))
        binds.append(rows.map(\.status))
        binds.append(rows.map(\.pricing))
        binds.append(rows.map(\.bidMicros))
        binds.append(rows.map { text($0.predictedCTRPartsPerMillion) })
        binds.append(rows.map { text($0.dailyBudgetMicros) })
        binds.append(rows.map(\.totalBudgetMicros))
        binds.append(rows.map { $0.startAt ?? "" })
        binds.append(rows.map { $0.endAt ?? "" })
        binds.append(rows.map(\.timeZone))
        binds.append(rows.map(\.pacing))
        binds.append(rows.map { text($0.frequencyCapImpressions) })
        binds.append(rows.map { text($0.frequencyCapWindowSeconds) })
        binds.append(rows.map(\.frequencyCapRefusesAnonymous))
        binds.append(rows.map(\.hoursOfWeek))
        binds.append(rows.map(\.excludedHoursOfWeek))
        binds.append(rows.map(\.deals))
        binds.append(rows.map { text($0.predictedViewabilityPartsPerMillion) })
        binds.append(rows.map { text($0.predictedCompletionPartsPerMillion) })
        binds.append(rows.map { $0.lineItem ?? "" })
        binds.append(rows.map { text($0.spendCapNanos) })
        binds.append(revision)
        binds.append(nowText())
        try await connection.query(PostgresQuery(unsafeSQL: CampaignSQL.upsertFromArrays, binds: binds), logger: logger)

        let replaced = campaigns.map(\.id.rawValue).filter(existing.contains)
        if !replaced.isEmpty {
            try await connection.query("DELETE FROM campaign_targeting WHERE campaign_id = ANY(\(replaced))", logger: logger)
            try await connection.query("DELETE FROM creative WHERE campaign_id = ANY(\(replaced))", logger: logger)
        }
        let targeting = campaigns.flatMap(TargetingRows.rows(of:))
        if !targeting.isEmpty {
            try await connection.query(
                """
                INSERT INTO campaign_targeting (campaign_id, dimension, mode, value)
                SELECT * FROM unnest(\(targeting.map(\.campaignID))::text[], \(targeting.map(\.dimension))::text[],
                                     \(targeting.map(\.mode))::text[], \(targeting.map(\.value))::text[])
                """, logger: logger)
        }
        let creatives = campaigns.flatMap(CreativeRow.rows(of:))
        if !creatives.isEmpty {
            try await connection.query(
                """
                INSERT INTO creative (id, campaign_id, position, size, image_url, click_url, adomain, format, details)
                SELECT id, campaign_id, position, size, image_url, click_url, adomain, format, NULLIF(details, '') FROM unnest(
                    \(creatives.map(\.id))::text[], \(creatives.map(\.campaignID))::text[], \(creatives.map(\.position))::bigint[],
                    \(creatives.map(\.size))::text[], \(creatives.map(\.imageURL))::text[], \(creatives.map(\.clickURL))::text[],
                    \(creatives.map(\.adomain))::text[], \(creatives.map(\.format))::text[], \(creatives.map { $0.details ?? "" })::text[]
                ) AS k(id, campaign_id, position, size, image_url, click_url, adomain, format, details)
                """, logger: logger)
        }
    }
}

extension CampaignSQL {
    /// Creates or replaces many campaigns from one array per row column (nullable numbers
    /// and texts as text, '' for NULL), then `revision` and `updated_at`.
    static let upsertFromArrays: String = {
        let columns = upsertColumns
        let integers: Set = ["bid_micros", "total_budget_micros"]
        let nullableIntegers: Set = [
            "predicted_ctr_ppm", "daily_budget_micros", "frequency_cap_impressions", "frequency_cap_window_seconds",
            "predicted_viewability_ppm", "predicted_completion_ppm", "spend_cap_nanos",
        ]
        let nullableTexts: Set = ["start_at", "end_at", "line_item"]
        let arrays = rowColumns.enumerated().map { index, column in
            let type = integers.contains(column) ? "bigint" : column == "frequency_cap_refuse_anonymous" ? "boolean" : "text"
            return "$\(index + 1)::\(type)[]"
        }
        let values = rowColumns.map { column in
            nullableIntegers.contains(column)
                ? "NULLIF(u.\(column), '')::bigint" : nullableTexts.contains(column) ? "NULLIF(u.\(column), '')" : "u.\(column)"
        }
        return """
            INSERT INTO campaign (\(columns.joined(separator: ", ")))
            SELECT \(values.joined(separator: ", ")), $\(rowColumns.count + 1), $\(rowColumns.count + 2)
            FROM unnest(\(arrays.joined(separator: ", "))) AS u(\(rowColumns.joined(separator: ", ")))
            ON CONFLICT (id) DO UPDATE SET \(columns.dropFirst().map { "\($0) = excluded.\($0)" }.joined(separator: ", "))
            """
    }()
}
