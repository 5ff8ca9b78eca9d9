import Synchronization
import VickreyCore

/// Counts, per user and campaign, the ads served within each campaign's frequency-cap
/// window, in memory and within a fixed bound.
///
/// Bound: at most `maximumUsers` users are remembered. Users are spread over shards; a
/// shard keeps a current and a previous generation of at most `maximumUsers / shards / 2`
/// users each. When the current generation fills up, the previous one is forgotten and
/// the current one takes its place; a user seen again is moved to the current one. So the
/// users forgotten first are those not seen for longest, and a user is never forgotten
/// before at least `maximumUsers / shards / 2` other users of its shard were seen since.
/// Per user, at most `maximumServesPerUser` serves are remembered (the oldest dropped
/// first), each 32 bytes in one array, and a serve only until it has left the window of
/// the cap it was counted under (forgotten the next time the user is served anything): a
/// user's history holds what can still count, not every campaign it was ever shown. So
/// the capper holds at most `maximumUsers × maximumServesPerUser` serves, and in a steady
/// state the serves taken within the longest cap window in use (`rememberedServes`).
///
/// Counting happens when an ad is served (the auction's claim), under the user's shard
/// lock, so concurrent requests for one user can never together exceed a cap.
public final class FrequencyCapper: Sendable {
    public let maximumUsers: Int
    /// A user's history never holds more serves than this (32 KiB); a user shown more ads
    /// that are capped within their windows has its oldest serves forgotten first.
    public static let maximumServesPerUser = 1_024
    private let shards: [LockedBox<CapShard>]

    /// How many users are remembered when nothing configures otherwise (`frequencyCap.maximumUsers`).
    public static let defaultMaximumUsers = 1_000_000

    public init(maximumUsers: Int = defaultMaximumUsers, shardCount: Int = 64) {
        let shardCount = max(1, min(shardCount, maximumUsers / 2))
        self.maximumUsers = maximumUsers
        let generation = max(1, maximumUsers / shardCount / 2)
        shards = (0..<shardCount).map { _ in LockedBox(CapShard(generationSize: generation)) }
    }

    /// How many ads of `campaign` `user` was served in the `windowSeconds` before `now`.
    public func count(user: String, campaign: CampaignID, windowSeconds: Int64, at now: Instant) -> Int {
        shard(user).withLock { $0.count(user: user, campaign: campaign, since: now.adding(seconds: -windowSeconds)) }
    }

    /// Counts one more ad if the cap allows it; false (and nothing counted) otherwise.
    public func record(user: String, campaign: CampaignID, cap: FrequencyCap, at now: Instant) -> Bool {
        shard(user).withLock { $0.record(user: user, campaign: campaign, cap: cap, at: now) }
    }

    /// Takes back an ad counted at `at` (its win could not be completed).
    public func forget(user: String, campaign: CampaignID, at: Instant) {
        shard(user).withLock { $0.forget(user: user, campaign: campaign, at: at) }
    }

    /// How many users are remembered now.
    public var rememberedUsers: Int {
        shards.reduce(0) { total, shard in total + shard.withLock { $0.current.count + $0.previous.count } }
    }

    /// How many serves (one timestamp each) the remembered users' histories hold: what
    /// the capper's memory grows with besides its users. Kept by each shard as histories
    /// come and go, so reading it walks no user.
    public var rememberedServes: Int { shards.reduce(0) { total, shard in total + shard.withLock { $0.serves } } }

    private func shard(_ user: String) -> LockedBox<CapShard> {
        shards[Int(UInt(bitPattern: user.hashValue) % UInt(shards.count))]
    }
}

/// One serve a user's history remembers: 32 bytes, kept in one flat array per user (no
/// array per campaign), so a serve costs its 32 bytes and the array's growth slack.
struct RememberedServe {
    let campaign: CampaignID
    let servedAt: Int64
    /// When this serve leaves the window of the cap it was counted under.
    let expiresAt: Int64
}

/// One user's remembered serves, oldest first, and when the first of them expires (so a
/// serve that finds nothing expired does not walk the list to prune it).
struct UserHistory {
    var serves: [RememberedServe] = []
    var nextExpiry = Int64.max

    /// Drops the serves whose windows have passed.
    mutating func prune(now: Int64) {
        guard now >= nextExpiry else { return }
        serves.removeAll { $0.expiresAt <= now }
        nextExpiry = serves.reduce(Int64.max) { min($0, $1.expiresAt) }
    }

    func count(of campaign: CampaignID, since: Int64) -> Int {
        serves.reduce(0) { $0 + ($1.campaign == campaign && $1.servedAt > since ? 1 : 0) }
    }
}

struct CapShard {
    let generationSize: Int
    private(set) var current: [String: UserHistory] = [:]
    private(set) var previous: [String: UserHistory] = [:]
    /// The serves the histories of each generation hold, kept as they are taken and put.
    private var currentServes = 0
    private var previousServes = 0

    var serves: Int { currentServes + previousServes }

    init(generationSize: Int) { self.generationSize = generationSize }

    func count(user: String, campaign: CampaignID, since: Instant) -> Int {
        guard let history = current[user] ?? previous[user] else { return 0 }
        return history.count(of: campaign, since: since.millisecondsSinceEpoch)
    }

    mutating func record(user: String, campaign: CampaignID, cap: FrequencyCap, at now: Instant) -> Bool {
        var history = take(user)
        defer { put(user, history) }
        let milliseconds = now.millisecondsSinceEpoch
        // Serves whose windows have passed count for nothing any more.
        history.prune(now: milliseconds)
        let since = now.adding(seconds: -cap.windowSeconds).millisecondsSinceEpoch
        guard history.count(of: campaign, since: since) < cap.impressions else { return false }
        if history.serves.count >= FrequencyCapper.maximumServesPerUser { history.serves.removeFirst() }
        let expiresAt = now.adding(seconds: cap.windowSeconds).millisecondsSinceEpoch
        history.serves.append(RememberedServe(campaign: campaign, servedAt: milliseconds, expiresAt: expiresAt))
        history.nextExpiry = min(history.nextExpiry, expiresAt)
        return true
    }

    mutating func forget(user: String, campaign: CampaignID, at: Instant) {
        var history = take(user)
        let milliseconds = at.millisecondsSinceEpoch
        if let position = history.serves.lastIndex(where: { $0.campaign == campaign && $0.servedAt == milliseconds }) {
            history.serves.remove(at: position)
        }
        put(user, history)
    }

    /// Removes the user's history from whichever generation holds it.
    private mutating func take(_ user: String) -> UserHistory {
        if let history = current.removeValue(forKey: user) {
            currentServes -= history.serves.count
            return history
        }
        if let history = previous.removeValue(forKey: user) {
            previousServes -= history.serves.count
            return history
        }
        return UserHistory()
    }

    /// Stores the history in the current generation, turning generations over when full.
    private mutating func put(_ user: String, _ history: UserHistory) {
        if current.count >= generationSize {
            previous = current
            previousServes = currentServes
            current = [:]
            currentServes = 0
        }
        current[user] = history
        currentServes += history.serves.count
    }
}
