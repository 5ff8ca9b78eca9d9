import Synchronization
import VickreyCore

/// The durable home of advertisers, campaigns, creatives and targeting, on either engine
/// (`SQLiteCampaignStore`, `PostgresCampaignStore`). Both speak core types outward, keep
/// every SQL statement inside this module and give the same answers and the same errors
/// for the same calls: the store tests run over both.
///
/// Every write transaction bumps a store-wide revision and stamps the campaigns it changed
/// with it, so a reader learns what changed since revision `r` with one indexed query
/// (`changes(since:)`), including changes made by another process or machine.
public protocol CampaignStore: Sendable {
    /// The store-wide revision: bumped by every write transaction.
    func revision() async throws(StoreError) -> Int64
    /// The migrations applied to this database, oldest first.
    func appliedMigrations() async throws(StoreError) -> [String]

    /// Creates an advertiser; fails with `.alreadyExists` if the id is taken.
    func createAdvertiser(_ advertiser: Advertiser) async throws(StoreError)
    /// Every advertiser, by id.
    func advertisers() async throws(StoreError) -> [Advertiser]
    func advertiser(_ id: AdvertiserID) async throws(StoreError) -> Advertiser?
    /// How many campaigns the advertiser has, by status.
    func campaignCounts(advertiser id: AdvertiserID) async throws(StoreError) -> [CampaignStatus: Int]

    /// Creates a campaign. Fails with `.alreadyExists` for a taken campaign id,
    /// `.unknownAdvertiser` when its advertiser does not exist, `.conflict` when one of
    /// its creative ids belongs to another campaign.
    func createCampaign(_ campaign: Campaign) async throws(StoreError)
    /// Reads, changes and saves one campaign in a single transaction; returns the result.
    /// An error thrown by `change` is rethrown as is when it is a `StoreError`.
    @discardableResult
    func modifyCampaign(_ id: CampaignID, _ change: (inout Campaign) throws -> Void) async throws(StoreError) -> Campaign
    /// Creates or replaces the campaigns `source` hands over, batch after batch, in one
    /// transaction, creating unknown advertisers (named after their id). All or nothing: if
    /// any campaign fails, or the source throws (from `next` or `finish`), none is saved;
    /// failures are reported with the positions the source gave. Memory: one batch, and the
    /// advertiser ids.
    func importCampaigns(from source: some CampaignImportSource) async throws(StoreError) -> ImportSummary
    /// Active campaigns that are line items of any kind (not plain auction campaigns).
    func activeLineItems() async throws(StoreError) -> [Campaign]

    /// Every campaign, whatever its status, with the revision they reflect.
    func loadAll() async throws(StoreError) -> LoadedCampaigns
    /// Campaigns created or changed after `revision` (paused and archived included).
    func changes(since revision: Int64) async throws(StoreError) -> LoadedCampaigns
    func campaign(_ id: CampaignID) async throws(StoreError) -> Campaign?
    /// Campaigns by id, optionally of one advertiser and/or status.
    func campaigns(advertiser: AdvertiserID?, status: CampaignStatus?) async throws(StoreError) -> [Campaign]
}

extension CampaignStore {
    /// Creates or replaces many campaigns in one transaction, creating unknown advertisers
    /// (named after their id). All or nothing: if any campaign fails, none is saved and
    /// every failure is reported with its position in `campaigns`.
    public func importCampaigns(_ campaigns: [Campaign]) async throws(StoreError) -> ImportSummary {
        try await importCampaigns(from: CampaignListSource(campaigns))
    }

    /// Every campaign by id.
    public func campaigns() async throws(StoreError) -> [Campaign] { try await campaigns(advertiser: nil, status: nil) }

    /// Sets a campaign's status with the transitions ad-ops expect: pause an active
    /// campaign, resume a paused one, archive anything not yet archived.
    @discardableResult
    public func setStatus(_ id: CampaignID, to status: CampaignStatus) async throws(StoreError) -> Campaign {
        try await modifyCampaign(id) { campaign in
            switch (campaign.status, status) {
            case (.archived, _):
                throw StoreError(.invalidState, "campaign '\(id)' is archived; archived campaigns cannot change status")
            case (let current, let wanted) where current == wanted:
                throw StoreError(.invalidState, "campaign '\(id)' is already \(wanted.rawValue)")
            default:
                campaign.status = status
            }
        }
    }
}

/// The result of loading campaigns: the store revision they are consistent with, the
/// campaigns (by id), and rows that could not be read (edited by hand, say).
public struct LoadedCampaigns: Sendable {
    public var revision: Int64
    public var campaigns: [Campaign]
    public var unreadable: [(CampaignID, String)]
}

extension LoadedCampaigns {
    /// How many id ranges a full load of `count` campaigns is read in, in parallel: one per
    /// core, each of at least `campaignsPerRange` campaigns (below that one read is as fast),
    /// at most 16.
    static func rangeCount(campaigns count: Int, campaignsPerRange: Int) -> Int {
        max(1, min(ParallelMap.cores, count / max(1, campaignsPerRange), 16))
    }

    /// The id ranges that `bounds` (ascending ids) cut the catalogue into: from the first id
    /// (inclusive) to the next bound (exclusive), the last without an end.
    static func idRanges(cutAt bounds: [String]) -> [(from: String, below: String?)] {
        zip([""] + bounds, bounds.map(Optional.some) + [nil]).map { (from: $0, below: $1) }
    }

    /// Id ranges read in their own transactions, joined in id order; nil unless all of them
    /// read the same store revision (a write came between them: read the whole in one).
    init?(joining parts: [LoadedCampaigns], expectedCampaigns: Int) {
        guard let revision = parts.first?.revision, parts.allSatisfy({ $0.revision == revision }) else { return nil }
        self.init(revision: revision, campaigns: [], unreadable: [])
        campaigns.reserveCapacity(expectedCampaigns)
        for part in parts {
            campaigns += part.campaigns  // a campaign's copy is one reference (its fields are shared)
            unreadable += part.unreadable
        }
    }
}

/// What an import did.
public struct ImportSummary: Equatable, Sendable {
    public var created = 0
    public var updated = 0
    public var advertisersCreated = 0
    public init() {}
}

/// Campaigns for an import, a batch at a time, each with the position failures report it
/// by (a line number, say).
public struct ImportBatch: Sendable {
    public var campaigns: [Campaign]
    public var positions: [Int]

    public init(campaigns: [Campaign], positions: [Int]) {
        self.campaigns = campaigns
        self.positions = positions
    }
}

/// Where a streaming import's campaigns come from. The store calls `next` inside its
/// transaction until it returns nil, then `finish` before it commits: an error thrown by
/// either rolls everything back and comes out of the import as a `.caller` store error
/// carrying it as `underlying` (a `StoreError` comes out as it is).
public protocol CampaignImportSource: Sendable {
    func next() throws -> ImportBatch?
    func finish() throws
}

/// A list of campaigns as one batch, positions being their indices.
final class CampaignListSource: CampaignImportSource {
    private let batch: Mutex<ImportBatch?>

    init(_ campaigns: [Campaign]) { batch = Mutex(ImportBatch(campaigns: campaigns, positions: Array(campaigns.indices))) }

    func next() throws -> ImportBatch? {
        batch.withLock { batch in
            defer { batch = nil }
            return batch
        }
    }
    func finish() throws {}
}

/// One campaign an import could not save.
public struct ImportFailure: Equatable, Sendable {
    /// Index in the imported list.
    public var position: Int
    public var field: String
    public var message: String
}
