import VickreyCore
import VickreyLedger

/// The signed ledger's records on either engine (`SQLiteLedgerStore`,
/// `PostgresLedgerStore`): append-only, one record per (kind, impression id) across the
/// whole database, read by cursor for billing, exports and start-up recovery.
///
/// A store appends to one chain (its server's, `chainID`); records are read by chain
/// (nil: the single chain of a SQLite file), while the sums used for budgets and reports
/// (`billedSpendByCampaign`, `billedCharges`, `recentEvents`, `delivery`) cover every
/// chain in the database.
public protocol LedgerStore: Sendable {
    /// The chain `append` writes: the server id on PostgreSQL (nil for a store opened
    /// without one, which cannot append), nil on SQLite.
    var chainID: String? { get }
    /// Makes every commit wait for the disk: a record is durable before its beacon is
    /// answered, even on power loss.
    func requireDurableCommits() async throws(StoreError)
    /// Every chain with records, by server id.
    func chains() async throws(StoreError) -> [LedgerChain]
    /// A chain's last record's sequence number and hash (0 and 64 zeros when empty).
    func tail(chain: String?) async throws(StoreError) -> (seq: Int64, hash: String)
    /// Appends `events` in one transaction, chained after the current tail and sealed
    /// with `signingKey`; events already recorded (same kind and impression id, in any
    /// chain or earlier in the batch) are skipped.
    ///
    /// A billed event with a settlement (`settlements[i]`, fleet servers only) is billed
    /// only if this server's leases and the campaign's budgets cover it, its charge moved
    /// from the leases to the fleet's spend in the same transaction; otherwise it is
    /// recorded unbilled (`.recordedUnbilled`). A settlement's foreign reservation is
    /// published, in the same transaction, for the server that holds it to release. A
    /// SQLite file has no leases and ignores settlements.
    func append(_ events: [LedgerEvent], settlements: [FleetSettlement?], signingKey: LedgerSigningKey) async throws(StoreError)
        -> [LedgerAppendOutcome]
    /// Up to `limit` records of `chain` with `seq > after`, in order.
    func records(chain: String?, after: Int64, limit: Int) async throws(StoreError) -> [LedgerRecord]
    /// Calls `body` with every record of `chain` in `window`, in order, from one
    /// consistent snapshot, without holding them all in memory.
    func forEachRecord(chain: String?, in window: ExportWindow, _ body: (LedgerRecord) throws -> Void) async throws(StoreError)
    /// Lifetime billed spend per campaign: the sum of billed records' charges.
    func billedSpendByCampaign() async throws(StoreError) -> [CampaignID: Nanos]
    /// Every billed charge with its campaign and time, for events at or after `since`.
    func billedCharges(since: Instant) async throws(StoreError) -> [(campaign: CampaignID, time: Instant, charge: Nanos)]
    /// The kind and impression id of every event recorded at or after `since`, with its time.
    func recentEvents(since: Instant) async throws(StoreError) -> [RecordedEvent]
    /// How many records `chain` holds.
    func count(chain: String?) async throws(StoreError) -> Int
    /// Delivery by campaign and UTC day (and by placement or creative, as `detail` asks),
    /// from every record with an event at or after `since` and before `until`.
    func delivery(since: Instant?, until: Instant?, detail: DeliveryDetail) async throws(StoreError) -> [DeliveryRow]
    /// Each of `campaigns`' delivery over all time (`day` is `all`), read through the
    /// ledger's index by campaign: what a page of a campaign list shows, without reading
    /// every other campaign's records.
    func delivery(of campaigns: [CampaignID]) async throws(StoreError) -> [DeliveryRow]
    /// Impressions and clicks recorded per campaign (billed or not) in every chain past
    /// `positions`, and the positions this read reached: what learned CTRs add up.
    /// Each chain is appended in sequence order, so reading up to its tail misses nothing.
    func clickEvidence(after positions: ChainPositions) async throws(StoreError) -> (
        evidence: [CampaignID: ClickEvidence], positions: ChainPositions
    )
    /// One campaign's recorded impressions and clicks.
    func clickEvidence(campaign: CampaignID) async throws(StoreError) -> ClickEvidence
    /// One campaign's delivery by UTC hour, from events at or after `since`, oldest first.
    func hourlyDelivery(campaign: CampaignID, since: Instant) async throws(StoreError) -> [HourlyDelivery]
}

/// A campaign's delivery in one UTC hour.
public struct HourlyDelivery: Hashable, Sendable {
    /// The hour's start.
    public var hour: Instant
    /// Billed impression and click records.
    public var impressions: Int64
    public var clicks: Int64
    public var spend: Nanos

    public init(hour: Instant, impressions: Int64, clicks: Int64, spend: Nanos) {
        self.hour = hour
        self.impressions = impressions
        self.clicks = clicks
        self.spend = spend
    }
}

extension LedgerStore {
    /// Appends events that draw on no lease.
    public func append(_ events: [LedgerEvent], signingKey: LedgerSigningKey) async throws(StoreError) -> [LedgerAppendOutcome] {
        try await append(events, settlements: Array(repeating: nil, count: events.count), signingKey: signingKey)
    }

    /// This store's own chain's tail.
    public func tail() async throws(StoreError) -> (seq: Int64, hash: String) { try await tail(chain: chainID) }

    /// Records of this store's own chain.
    public func records(after: Int64, limit: Int) async throws(StoreError) -> [LedgerRecord] {
        try await records(chain: chainID, after: after, limit: limit)
    }

    public func forEachRecord(in window: ExportWindow = .all, _ body: (LedgerRecord) throws -> Void) async throws(StoreError) {
        try await forEachRecord(chain: chainID, in: window, body)
    }

    public func count() async throws(StoreError) -> Int { try await count(chain: chainID) }

    public func delivery() async throws(StoreError) -> [DeliveryRow] { try await delivery(since: nil) }

    /// Delivery by campaign and UTC day, from every record with an event at or after `since`.
    public func delivery(since: Instant?) async throws(StoreError) -> [DeliveryRow] {
        try await delivery(since: since, until: nil, detail: .none)
    }
}

/// One chain of the ledger: whose it is, how long, and its head.
public struct LedgerChain: Hashable, Sendable {
    /// The server that writes it (nil: a SQLite file's single chain).
    public var serverID: String?
    public var lastSeq: Int64
    public var headHash: String

    public init(serverID: String?, lastSeq: Int64, headHash: String) {
        self.serverID = serverID
        self.lastSeq = lastSeq
        self.headHash = headHash
    }
}

/// What happened to one event handed to `LedgerStore.append`.
public enum LedgerAppendOutcome: Hashable, Sendable {
    case appended(seq: Int64)
    /// Recorded, but unbilled with `reason`: the server's lease or the campaign's budget
    /// in the database could not cover the charge (its local view was out of date).
    case recordedUnbilled(seq: Int64, reason: UnbilledReason)
    /// A record of the same kind for the same impression exists: nothing written.
    case duplicate
}

/// Which records an export takes, cut by sequence number at two times: from the first
/// record whose event time is at or after `since` (the start of the chain without it) up
/// to, not including, the first at or after `until` (the end without it). Exports of
/// consecutive windows (`until` of one = `since` of the next) join exactly.
public struct ExportWindow: Hashable, Sendable {
    public var since: Instant?
    public var until: Instant?

    public init(since: Instant? = nil, until: Instant? = nil) {
        self.since = since
        self.until = until
    }

    public static let all = ExportWindow()
}

/// One campaign's delivery on one UTC day, summed from the ledger.
public struct DeliveryRow: Hashable, Sendable {
    /// The campaign; empty in a row that adds up several campaigns (by advertiser or by
    /// placement).
    public var campaignID: CampaignID
    /// Set in a report by advertiser.
    public var advertiserID: AdvertiserID?
    /// Set when the ledger was read by placement.
    public var placementID: String?
    /// Set when the ledger was read by creative.
    public var creativeID: String?
    /// `YYYY-MM-DD` (UTC).
    public var day: String
    /// Net: billed impression and click records.
    public var impressions: Int64
    public var clicks: Int64
    /// Events recorded but not billed (budget exhausted, test, invalid traffic).
    public var unbilled: Int64
    public var spend: Nanos
    /// Gross: every impression and click recorded, invalid traffic included.
    public var grossImpressions: Int64 = 0
    public var grossClicks: Int64 = 0
    /// Invalid events of every kind, by category (`known_robot`, …).
    public var invalid: [String: Int64] = [:]
    /// Impressions of valid traffic: the ones viewability is measured against.
    public var measuredImpressions: Int64 = 0
    /// Viewable events of valid traffic.
    public var viewableImpressions: Int64 = 0
    /// Video `complete` events of valid traffic (what CPCV is charged for).
    public var completedViews: Int64 = 0

    public init(campaignID: CampaignID, day: String, impressions: Int64, clicks: Int64, unbilled: Int64, spend: Nanos) {
        self.campaignID = campaignID
        self.day = day
        self.impressions = impressions
        self.clicks = clicks
        self.unbilled = unbilled
        self.spend = spend
    }

    /// Adds `count` records of `kind` with `reason`, charged `charge` in all.
    mutating func add(kind: String, reason: String?, billed: Bool, count: Int64, charge: Nanos) {
        let category = reason.flatMap { $0.hasPrefix("ivt_") ? String($0.dropFirst(4)) : nil }
        if let category { invalid[category, default: 0] += count }
        if !billed { unbilled += count }
        spend += charge
        switch kind {
        case BeaconKind.impression.rawValue:
            grossImpressions += count
            if billed { impressions += count }
            if category == nil { measuredImpressions += count }
        case BeaconKind.click.rawValue:
            grossClicks += count
            if billed { clicks += count }
        case BeaconKind.viewable.rawValue:
            if category == nil { viewableImpressions += count }
        case BeaconKind.complete.rawValue:
            if category == nil { completedViews += count }
        default: break
        }
    }

    /// Rows from the stores' counts of records by campaign, day, kind, reason and billing.
    /// `detail` is each count's placement or creative id when the ledger was read by one.
    static func rows(
        _ counts: [(
            campaign: String, day: String, detail: String?, kind: String, reason: String?, billed: Bool, count: Int64, charge: Int64
        )], detail: DeliveryDetail
    ) -> [DeliveryRow] {
        var rows: [String: DeliveryRow] = [:]
        var order: [String] = []
        for count in counts {
            let key = count.campaign + "\u{0}" + count.day + "\u{0}" + (count.detail ?? "")
            if rows[key] == nil {
                var row = DeliveryRow(
                    campaignID: CampaignID(unchecked: count.campaign), day: count.day, impressions: 0, clicks: 0, unbilled: 0, spend: .zero)
                switch detail {
                case .none: break
                case .placement: row.placementID = count.detail ?? ""
                case .creative: row.creativeID = count.detail ?? ""
                }
                rows[key] = row
                order.append(key)
            }
            rows[key]?.add(kind: count.kind, reason: count.reason, billed: count.billed, count: count.count, charge: Nanos(count.charge))
        }
        return order.compactMap { rows[$0] }
    }
}

/// An event's identity as the ledger keeps it unique, with when it was recorded: what a
/// restarted server's replay guard is seeded with.
public struct RecordedEvent: Hashable, Sendable {
    public var kind: BeaconKind
    public var impressionID: String
    /// An `ivt_prefetch` record, kept apart from the render of the same ad.
    public var prefetch: Bool
    public var time: Instant

    public init(kind: BeaconKind, impressionID: String, prefetch: Bool, time: Instant) {
        self.kind = kind
        self.impressionID = impressionID
        self.prefetch = prefetch
        self.time = time
    }
}

/// What a delivery read splits each campaign's days by, besides campaign and day.
public enum DeliveryDetail: Sendable, Hashable {
    case none
    /// The placement each event was served in.
    case placement
    /// The creative each event showed.
    case creative

    /// The ledger column this detail reads.
    var column: String? {
        switch self {
        case .none: nil
        case .placement: "placement_id"
        case .creative: "creative_id"
        }
    }
}

/// SQL about ledger rows that both engines share.
enum LedgerSQL {
    /// True for a record that is not invalid traffic (its reason is not `ivt_…`).
    static let isValidTraffic = "(reason IS NULL OR substr(reason, 1, 4) <> 'ivt_')"

    /// The detail's column, or NULL, named `detail`.
    static func detailColumn(_ detail: DeliveryDetail) -> String { "\(detail.column ?? "NULL") AS detail" }
}
