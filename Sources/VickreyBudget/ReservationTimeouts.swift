import VickreyCore

/// How long a reservation waits for its beacon before it gives its budget back.
public struct ReservationTimeouts: Hashable, Sendable {
    public var impressionSeconds: Int64
    public var clickSeconds: Int64

    /// 15 minutes for an impression (an app shows an ad within seconds of fetching it; a
    /// page may be left open longer), an hour for a click.
    public init(impressionSeconds: Int64 = 900, clickSeconds: Int64 = 3_600) {
        self.impressionSeconds = impressionSeconds
        self.clickSeconds = clickSeconds
    }

    /// The longer of the two: how long any beacon of an ad may still arrive.
    public var longestSeconds: Int64 { max(impressionSeconds, clickSeconds) }

    /// How long a reservation waiting for a beacon of `kind` stays open.
    public func seconds(for kind: BeaconKind) -> Int64 {
        switch kind {
        case .impression: impressionSeconds
        case .click: clickSeconds
        }
    }
}
