import VickreyCore

/// The signed beacon URLs of one sold ad: every kind shares the ad's one token, and the
/// path names the kind (`{base}/v1/beacons/{kind}/{token}`).
public struct BeaconURLs: Hashable, Sendable {
    /// The configured public base URL, without a trailing slash.
    public var base: String
    public var token: String

    public init(base: String, token: String) {
        self.base = base
        self.token = token
    }

    public func url(_ kind: BeaconKind) -> String { "\(base)/v1/beacons/\(kind.rawValue)/\(token)" }

    public var impressionURL: String { url(.impression) }
    public var clickURL: String { url(.click) }
    /// Fired by the page, app or player once the ad meets the MRC viewability rule.
    public var viewableURL: String { url(.viewable) }
    /// VAST `Error`. Without VAST's `[ERRORCODE]` macro: brackets are not allowed in the
    /// schema's `xs:anyURI`, and the event is what billing needs.
    public var errorURL: String { url(.error) }
}
