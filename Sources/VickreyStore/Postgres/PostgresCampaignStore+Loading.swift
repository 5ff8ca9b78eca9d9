import Logging
import NIOCore
import PostgresNIO
import VickreyCore

extension PostgresCampaignStore {
    /// Campaigns read per page of a full load: a page's rows are all that is held at once
    /// (about twenty targeting rows a campaign), and each page is three indexed range scans.
    static let campaignsPerPage = 10_000

    /// Every campaign. A large catalogue is read in id ranges, one per core, each on its own
    /// connection in its own repeatable-read transaction, a page at a time; the ranges are
    /// kept only if all of them read the same store revision (no campaign was written
    /// between them), else the whole is read again in one transaction.
    public func loadAll() async throws(StoreError) -> LoadedCampaigns {
        try await loadAll(campaignsPerRange: 50_000, campaignsPerPage: Self.campaignsPerPage)
    }

    /// `loadAll()` with ranges of at least `campaignsPerRange` campaigns, read in pages of
    /// `campaignsPerPage`.
    func loadAll(campaignsPerRange: Int, campaignsPerPage: Int) async throws(StoreError) -> LoadedCampaigns {
        let (count, bounds) = try await database.transaction { connection in
            try await Self.rangeBounds(connection, campaignsPerRange: campaignsPerRange, logger: self.logger)
        }
        let ranges = LoadedCampaigns.idRanges(cutAt: bounds)
        func load(from: String, below: String?, expectedCampaigns: Int) async throws(StoreError) -> LoadedCampaigns {
            try await loadRange(from: from, below: below, campaignsPerPage: campaignsPerPage, expectedCampaigns: expectedCampaigns)
        }
        guard ranges.count > 1 else { return try await load(from: "", below: nil, expectedCampaigns: count) }
        let perRange = count / ranges.count + 1
        let results = await withTaskGroup(of: (Int, Result<LoadedCampaigns, StoreError>).self) { group in
            for (index, range) in ranges.enumerated() {
                group.addTask {
                    do throws(StoreError) {
                        return (index, .success(try await load(from: range.from, below: range.below, expectedCampaigns: perRange)))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            var results: [(Int, Result<LoadedCampaigns, StoreError>)] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.map(\.1)
        }
        let parts = try results.map { result throws(StoreError) in try result.get() }
        guard let loaded = LoadedCampaigns(joining: parts, expectedCampaigns: count) else {
            return try await load(from: "", below: nil, expectedCampaigns: count)
        }
        return loaded
    }

    /// The campaigns from id `from` (inclusive) to `below` (exclusive; nil: no end), a
    /// page at a time in one repeatable-read transaction.
    private func loadRange(
        from: String, below: String?, campaignsPerPage: Int, expectedCampaigns: Int
    ) async throws(StoreError) -> LoadedCampaigns {
        try await database.transaction(repeatableRead: true) { connection in
            let revision = try await Self.revision(connection, logger: self.logger)
            var assembler = CampaignAssembler(expectedCampaigns: expectedCampaigns)
            var page = Selection.page(after: from, inclusive: true, below: below, limit: campaignsPerPage)
            while let last = try await self.read(page, connection, into: &assembler) {
                page = .page(after: last, inclusive: false, below: below, limit: campaignsPerPage)
            }
            return assembler.loaded(revision: revision)
        }
    }

    /// How many campaigns there are, and the ids that cut them into equal ranges, one per
    /// core (none for a small catalogue).
    private static func rangeBounds(
        _ connection: PostgresConnection, campaignsPerRange: Int, logger: Logger
    ) async throws -> (count: Int, bounds: [String]) {
        let count = Int(try await connection.all("SELECT count(*) FROM campaign", as: Int64.self, logger: logger).first ?? 0)
        let ranges = LoadedCampaigns.rangeCount(campaigns: count, campaignsPerRange: campaignsPerRange)
        guard ranges > 1 else { return (count, []) }
        var bounds: [String] = []
        for part in 1..<ranges {
            let offset = count * part / ranges
            let query: PostgresQuery = "SELECT id FROM campaign ORDER BY id LIMIT 1 OFFSET \(offset)"
            bounds += try await connection.all(query, as: String.self, logger: logger)
        }
        return (count, bounds)
    }

    public func changes(since revision: Int64) async throws(StoreError) -> LoadedCampaigns {
        try await database.transaction(repeatableRead: true) { connection in try await self.load(.changed(revision), connection) }
    }

    public func campaign(_ id: CampaignID) async throws(StoreError) -> Campaign? {
        try await database.transaction(repeatableRead: true) { connection in try await self.load(.one(id), connection).campaigns.first }
    }

    public func campaigns(advertiser: AdvertiserID? = nil, status: CampaignStatus? = nil) async throws(StoreError) -> [Campaign] {
        try await database.transaction(repeatableRead: true) { connection in
            try await self.load(.filtered(advertiser: advertiser, status: status), connection).campaigns
        }
    }

    enum Selection {
        case one(CampaignID)
        case changed(Int64)
        case filtered(advertiser: AdvertiserID?, status: CampaignStatus?)
        case activeLineItems
        /// The first `limit` campaigns in id order after `after` (or from it, when
        /// `inclusive`) and below `below` (when there is one).
        case page(after: String, inclusive: Bool, below: String?, limit: Int)

        /// The WHERE clause over `campaign c` and its binds.
        var condition: PostgresQuery {
            switch self {
            case .one(let id): "c.id = \(id.rawValue)"
            case .changed(let revision): "c.revision > \(revision)"
            case .activeLineItems: "c.status = 'active' AND c.line_item IS NOT NULL"
            case .filtered(let advertiser, let status):
                "(\(advertiser?.rawValue)::text IS NULL OR c.advertiser_id = \(advertiser?.rawValue)) AND (\(status?.rawValue)::text IS NULL OR c.status = \(status?.rawValue))"
            case .page(let after, true, let below?, _): "c.id >= \(after) AND c.id < \(below)"
            case .page(let after, false, let below?, _): "c.id > \(after) AND c.id < \(below)"
            case .page(let after, true, nil, _): "c.id >= \(after)"
            case .page(let after, false, nil, _): "c.id > \(after)"
            }
        }
    }

    /// The campaigns of `selection`, with their revision, in the caller's transaction.
    func load(_ selection: Selection, _ connection: PostgresConnection) async throws -> LoadedCampaigns {
        let revision = try await Self.revision(connection, logger: logger)
        var assembler = CampaignAssembler()
        _ = try await read(selection, connection, into: &assembler)
        return assembler.loaded(revision: revision)
    }

    /// Reads the campaigns of `selection` into `assembler`: their rows in id order, then
    /// their creatives, then their targeting rows in campaign id order, each campaign added
    /// once the rows before the next campaign's have come. Both orders are the same column
    /// type's under the same collation, so a targeting row's campaign is always the one at
    /// hand or a later one. Returns the last campaign id read (nil when none were).
    private func read(
        _ selection: Selection, _ connection: PostgresConnection, into assembler: inout CampaignAssembler
    ) async throws -> String? {
        var order = "ORDER BY c.id"
        if case .page(_, _, _, let limit) = selection { order += " LIMIT \(limit)" }
        var campaigns: [CampaignRow] = []
        for try await row in try await connection.query(
            selection.condition.prefixed(CampaignSQL.select).followed(by: order), logger: logger)
        {
            campaigns.append(try CampaignRow(row))
        }
        guard let first = campaigns.first?.id, let last = campaigns.last?.id else { return nil }
        // A page's rows are those of its id range (every child row has its campaign); any
        // other selection's come through the join.
        func belonging(_ alias: String) -> PostgresQuery {
            if case .page = selection { return "WHERE \(unescaped: alias).campaign_id BETWEEN \(first) AND \(last)" }
            return selection.condition.prefixed("JOIN campaign c ON c.id = \(alias).campaign_id WHERE")
        }
        let creatives = try await connection.query(
            belonging("k").prefixed(
                "SELECT k.campaign_id, k.id, k.position, k.size, k.image_url, k.click_url, k.adomain, k.format, k.details FROM creative k"
            ), logger: logger)
        for try await row in creatives {
            var cells = PostgresCells(row)
            assembler.add(
                creative: CreativeRow(
                    campaignID: try cells.text(), id: try cells.text(), position: try cells.int64(), size: try cells.text(),
                    imageURL: try cells.text(), clickURL: try cells.text(), adomain: try cells.text(), format: try cells.text(),
                    details: try cells.optionalText()))
        }
        // One row per campaign, dimension and mode, its values in one array: a third of the
        // rows (and of the campaign ids) that a row per value would send.
        let targeting = try await connection.query(
            belonging("t").prefixed("SELECT t.campaign_id, t.dimension, t.mode, array_agg(t.value) FROM campaign_targeting t")
                .followed(by: "GROUP BY t.campaign_id, t.dimension, t.mode ORDER BY t.campaign_id"), logger: logger)
        var next = 0
        for try await row in targeting {
            var cells = PostgresCells(row)
            let campaignID = try cells.text()
            while next < campaigns.count, campaigns[next].id != campaignID {
                assembler.add(campaign: campaigns[next])
                next += 1
            }
            guard next < campaigns.count else {
                throw StoreError(.database, "campaign_targeting rows of \(campaignID) came out of campaign id order")
            }
            let (dimension, mode) = (try cells.text(), try cells.text())
            for value in try cells.textArray() { assembler.add(targeting: dimension, mode: mode, value: value) }
        }
        for campaign in campaigns[next...] { assembler.add(campaign: campaign) }
        return last
    }
}

extension PostgresQuery {
    /// This query followed by `sql` (an ORDER BY, say), which has no binds of its own.
    func followed(by sql: String) -> PostgresQuery {
        PostgresQuery(unsafeSQL: self.sql + " " + sql, binds: binds)
    }
}

extension CampaignRow {
    /// A row of `CampaignSQL.select` as PostgreSQL sent it.
    init(_ row: PostgresRow) throws {
        var r = PostgresCells(row)
        self.init(
            id: try r.text(), advertiserID: try r.text(), name: try r.text(), status: try r.text(), pricing: try r.text(),
            bidMicros: try r.int64(), predictedCTRPartsPerMillion: try r.optionalInt64(), dailyBudgetMicros: try r.optionalInt64(),
            totalBudgetMicros: try r.int64(), startAt: try r.optionalText(), endAt: try r.optionalText(), timeZone: try r.text(),
            pacing: try r.text(), frequencyCapImpressions: try r.optionalInt64(), frequencyCapWindowSeconds: try r.optionalInt64(),
            frequencyCapRefusesAnonymous: try r.bool(), hoursOfWeek: try r.text(), excludedHoursOfWeek: try r.text(),
            deals: try r.text(), predictedViewabilityPartsPerMillion: try r.optionalInt64(),
            predictedCompletionPartsPerMillion: try r.optionalInt64(), lineItem: try r.optionalText())
    }
}

/// A row's cells read in column order, straight from their bytes when PostgreSQL sent
/// them in the binary format of the expected type (text as UTF-8, `bigint` as eight
/// big-endian bytes, `boolean` as one byte), through postgres-nio's decoding otherwise.
/// A full load reads some twenty million cells: the generic decoding was most of its time.
struct PostgresCells {
    private var cells: PostgresRow.Iterator

    init(_ row: PostgresRow) { cells = row.makeIterator() }

    private mutating func next() throws -> PostgresCell {
        guard let cell = cells.next() else { throw StoreError(.database, "a row has fewer columns than its query names") }
        return cell
    }

    mutating func optionalText() throws -> String? {
        let cell = try next()
        guard cell.format == .binary, cell.dataType == .text || cell.dataType == .varchar else { return try cell.decode(String?.self) }
        return cell.bytes.map { String(buffer: $0) }
    }

    mutating func text() throws -> String {
        guard let text = try optionalText() else { throw StoreError(.database, "a NOT NULL text column held NULL") }
        return text
    }

    /// A one-dimensional `text[]` without NULLs (binary layout: dimensions, flags, element
    /// type, then per dimension its length and lower bound, then each element's length and
    /// bytes).
    mutating func textArray() throws -> [String] {
        let cell = try next()
        guard cell.format == .binary, cell.dataType == .textArray, var bytes = cell.bytes else { return try cell.decode([String].self) }
        guard let dimensions = bytes.readInteger(as: Int32.self), bytes.readInteger(as: Int32.self) != nil,
            bytes.readInteger(as: UInt32.self) != nil
        else { throw StoreError(.database, "a text array's header is cut short") }
        guard dimensions == 1 else {
            guard dimensions == 0 else { throw StoreError(.database, "a text array has \(dimensions) dimensions") }
            return []
        }
        guard let count = bytes.readInteger(as: Int32.self), count >= 0, bytes.readInteger(as: Int32.self) != nil else {
            throw StoreError(.database, "a text array's dimension is cut short")
        }
        var values: [String] = []
        values.reserveCapacity(Int(count))
        for _ in 0..<count {
            guard let length = bytes.readInteger(as: Int32.self), length >= 0, let value = bytes.readString(length: Int(length)) else {
                throw StoreError(.database, "a text array's element is NULL or cut short")
            }
            values.append(value)
        }
        return values
    }

    mutating func optionalInt64() throws -> Int64? {
        let cell = try next()
        guard cell.format == .binary, cell.dataType == .int8, let bytes = cell.bytes, bytes.readableBytes == 8 else {
            return try cell.decode(Int64?.self)
        }
        return bytes.getInteger(at: bytes.readerIndex, as: Int64.self)
    }

    mutating func int64() throws -> Int64 {
        guard let value = try optionalInt64() else { throw StoreError(.database, "a NOT NULL bigint column held NULL") }
        return value
    }

    mutating func bool() throws -> Bool {
        let cell = try next()
        guard cell.format == .binary, cell.dataType == .bool, let bytes = cell.bytes, bytes.readableBytes == 1 else {
            return try cell.decode(Bool.self)
        }
        return bytes.getInteger(at: bytes.readerIndex, as: UInt8.self) != 0
    }
}
