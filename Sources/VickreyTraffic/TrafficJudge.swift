import Foundation
import VickreyCore

/// The kinds of general invalid traffic (MRC "GIVT") Vickrey detects, each decided from
/// the beacon request alone (`docs/counting.md`).
public enum TrafficCategory: String, Hashable, Sendable, CaseIterable {
    /// The user agent matches the robot list.
    case knownRobot = "known_robot"
    /// A browser list is configured and the user agent matches none of it, or the user agent is empty.
    case nonBrowser = "non_browser"
    /// The client address is in the excluded (data-centre) ranges.
    case datacenter
    /// A prefetch, not a render.
    case prefetch
    /// A click sooner after the ad was served than `ivt.minimumClickDelayMilliseconds`.
    case clickTooFast = "click_too_fast"

    /// The ledger's reason for an event of this category: `ivt_<category>`.
    public var unbilledReason: UnbilledReason {
        switch self {
        case .knownRobot: .ivtKnownRobot
        case .nonBrowser: .ivtNonBrowser
        case .datacenter: .ivtDatacenter
        case .prefetch: .ivtPrefetch
        case .clickTooFast: .ivtClickTooFast
        }
    }
}

/// The lists invalid traffic is judged by. A running server swaps them whole when a
/// configured file changes; without files, the default robot list alone.
public struct TrafficLists: Sendable {
    public var robots: UserAgentList
    /// Nil: no browser list, so no user agent is `non_browser` for being unlisted.
    public var browsers: UserAgentList?
    public var excludedAddresses: AddressSet

    public init(robots: UserAgentList, browsers: UserAgentList? = nil, excludedAddresses: AddressSet = AddressSet([])) {
        self.robots = robots
        self.browsers = browsers
        self.excludedAddresses = excludedAddresses
    }

    /// The default robot list, no browser list, no excluded addresses.
    public static var defaults: TrafficLists { TrafficLists(robots: DefaultRobotList.list) }
}

/// What a beacon request says about who sent it.
public struct BeaconRequestFacts: Sendable {
    public var kind: BeaconKind
    /// The `User-Agent` header; nil or empty when absent.
    public var userAgent: String?
    /// The client (the TCP peer, or through trusted proxies the forwarded client).
    public var clientAddress: IPAddress?
    /// `Sec-Purpose`, `Purpose` or `X-Moz` said prefetch (`PrefetchHeaders`).
    public var isPrefetch: Bool
    /// When the ad was served, and when the beacon arrived.
    public var servedAt: Instant
    public var now: Instant

    public init(
        kind: BeaconKind, userAgent: String?, clientAddress: IPAddress?, isPrefetch: Bool, servedAt: Instant, now: Instant
    ) {
        self.kind = kind
        self.userAgent = userAgent
        self.clientAddress = clientAddress
        self.isPrefetch = isPrefetch
        self.servedAt = servedAt
        self.now = now
    }
}

/// Decides whether a beacon, or an ad request, is invalid traffic and why. Checks run in
/// a fixed order and the first that holds is the verdict: prefetch (nothing was
/// rendered), known robot, non-browser, data-centre address, click too fast.
public struct TrafficJudge: Sendable {
    public var lists: TrafficLists
    public var minimumClickDelayMilliseconds: Int64
    /// The default of `ivt.minimumClickDelayMilliseconds`.
    public static let defaultMinimumClickDelayMilliseconds: Int64 = 500

    public init(lists: TrafficLists = .defaults, minimumClickDelayMilliseconds: Int64 = defaultMinimumClickDelayMilliseconds) {
        self.lists = lists
        self.minimumClickDelayMilliseconds = minimumClickDelayMilliseconds
    }

    /// The category of invalid traffic the beacon is, or nil when it is valid.
    public func verdict(_ facts: BeaconRequestFacts) -> TrafficCategory? {
        if facts.isPrefetch { return .prefetch }
        if let category = userAgentCategory(facts.userAgent) { return category }
        if let address = facts.clientAddress, lists.excludedAddresses.contains(address) { return .datacenter }
        if facts.kind == .click,
            facts.now.millisecondsSinceEpoch - facts.servedAt.millisecondsSinceEpoch < minimumClickDelayMilliseconds
        {
            return .clickTooFast
        }
        return nil
    }

    /// Before the auction: an ad request whose device says it is a known robot or comes
    /// from an excluded address gets no ad (an absent user agent or address is not held
    /// against it: exchanges often leave them out).
    public func preBid(userAgent: String?, address: IPAddress?) -> TrafficCategory? {
        if let userAgent, !userAgent.isEmpty, lists.robots.match(userAgent) != nil { return .knownRobot }
        if let address, lists.excludedAddresses.contains(address) { return .datacenter }
        return nil
    }

    private func userAgentCategory(_ userAgent: String?) -> TrafficCategory? {
        guard let userAgent, !userAgent.isEmpty else { return .nonBrowser }
        if lists.robots.match(userAgent) != nil { return .knownRobot }
        if let browsers = lists.browsers, browsers.match(userAgent) == nil { return .nonBrowser }
        return nil
    }
}

/// The headers browsers send on a speculative fetch that is not a render: `Sec-Purpose:
/// prefetch` (also `prefetch;prerender`), `Purpose: prefetch`, `X-Moz: prefetch`.
public enum PrefetchHeaders {
    public static func isPrefetch(secPurpose: String?, purpose: String?, xMoz: String?) -> Bool {
        [secPurpose, purpose, xMoz].contains { value in
            guard let value else { return false }
            return value.split(separator: ";").contains { $0.trimmingCharacters(in: .whitespaces).lowercased() == "prefetch" }
        }
    }
}

/// The robot list used when none is configured (`DefaultRobotPatterns.swift`).
public enum DefaultRobotList {
    /// Compiled once, on first use.
    public static let list: UserAgentList = {
        let rules = patterns.enumerated().map { UserAgentRule(pattern: $1, kind: .expression, origin: "default robot list:\($0 + 1)") }
        do { return try UserAgentList(rules) } catch {
            // The patterns are fixed in the source and compiled by every test run.
            preconditionFailure("the default robot list does not compile: \(error)")
        }
    }()
}
