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
/// Per user, at most `maximumCampaignsPerUser` campaigns are tracked (the one served
/// longest ago is dropped first), each with at most its cap's number of timestamps, and a
/// campaign only until its last serve has left its cap's window (forgotten the next time
/// the user is served anything): a user's history holds what can still count, not every
/// campaign it was ever shown.
///
/// Counting happens when an ad is served (the auction's claim), under the user's shard
/// lock, so concurrent requests for one user can never together exceed a cap.
public final class FrequencyCapper: Sendable {
    public let maximumUsers: Int
    public static let maximumCampaignsPerUser = 256
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

/// One user's recent ads, per campaign, most recent last, each with when its last serve
/// leaves its cap's window.
struct UserHistory {
    var campaigns: [(campaign: CampaignID, servedAt: [Instant], keepUntil: Instant)] = []

    var serves: Int { campaigns.reduce(0) { $0 + $1.servedAt.count } }
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
        guard let history = current[user] ?? previous[user],
            let entry = history.campaigns.first(where: { $0.campaign == campaign })
        else { return 0 }
        return entry.servedAt.reduce(0) { $0 + ($1 > since ? 1 : 0) }
    }

    mutating func record(user: String, campaign: CampaignID, cap: FrequencyCap, at now: Instant) -> Bool {
        var history = take(user)
        defer { put(user, history) }
        // Campaigns whose serves have all left their windows count for nothing any more.
        history.campaigns.removeAll { $0.keepUntil <= now }
        let since = now.adding(seconds: -cap.windowSeconds)
        let keepUntil = now.adding(seconds: cap.windowSeconds)
        let index = history.campaigns.firstIndex { $0.campaign == campaign }
        if let index {
            history.campaigns[index].servedAt.removeAll { $0 <= since }
            guard history.campaigns[index].servedAt.count < cap.impressions else { return false }
            history.campaigns[index].servedAt.append(now)
            history.campaigns[index].keepUntil = keepUntil
            let entry = history.campaigns.remove(at: index)
            history.campaigns.append(entry)
        } else {
            if history.campaigns.count >= FrequencyCapper.maximumCampaignsPerUser { history.campaigns.removeFirst() }
            history.campaigns.append((campaign, [now], keepUntil))
        }
        return true
    }

    mutating func forget(user: String, campaign: CampaignID, at: Instant) {
        var history = take(user)
        if let index = history.campaigns.firstIndex(where: { $0.campaign == campaign }),
            let position = history.campaigns[index].servedAt.lastIndex(of: at)
        {
            history.campaigns[index].servedAt.remove(at: position)
        }
        put(user, history)
    }

    /// Removes the user's history from whichever generation holds it.
    private mutating func take(_ user: String) -> UserHistory {
        if let history = current.removeValue(forKey: user) {
            currentServes -= history.serves
            return history
        }
        if let history = previous.removeValue(forKey: user) {
            previousServes -= history.serves
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
        currentServes += history.serves
    }
}
