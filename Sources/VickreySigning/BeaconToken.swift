import VickreyCore

/// What an ad's impression and click URLs carry: the sold ad, its per-unit price, the
/// budget reservation its win took, when it was issued and until when each beacon is valid.
///
/// `BeaconTokenCodec` encodes it compactly in binary (version, flags, varints,
/// length-prefixed strings), authenticated with HMAC-SHA256 truncated to 128 bits, then
/// base64url: about 140 characters. Only servers holding the MAC secret verify tokens
/// (one server's own keys, or a fleet's shared secrets), so a symmetric MAC suffices and
/// costs about 1.3 µs, where an Ed25519 signature per ad would cost 10 µs to make and
/// 50 µs to check (see `docs/beacons.md`). Any change to any byte is detected.
public struct BeaconToken: Hashable, Sendable {
    /// Version 3 writes string lengths as varints (a request id may take up to 512
    /// bytes); version 4 may carry an experiment (flag 4: experiment id, arm and bucket
    /// after the key id); version 5 writes the issue time in milliseconds (a click too
    /// fast is judged to the millisecond) and may price in vCPM (flag 8); version 6 may
    /// price per completed view (flag 16), so a server that predates CPCV refuses the token
    /// rather than bill it as CPM. Versions 2 to 5 still decode.
    public static let version: UInt8 = 6

    public var ad: SoldAd
    /// Per unit of the ad's pricing (CPM or per click): what its charged event costs.
    public var price: Micros
    public var issuedAt: Instant
    /// Until when the impression URL (and the viewable URL) is valid.
    public var expiresAt: Instant
    /// Until when the click URL is valid.
    public var clickExpiresAt: Instant
    /// The budget reservation the win took; the beacon settles it.
    public var reservationID: UInt64
    /// From an OpenRTB `test = 1` request: never billed.
    public var isTest: Bool

    public init(
        ad: SoldAd, price: Micros, issuedAt: Instant, expiresAt: Instant, clickExpiresAt: Instant? = nil, reservationID: UInt64 = 0,
        isTest: Bool
    ) {
        self.ad = ad
        self.price = price
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.clickExpiresAt = clickExpiresAt ?? expiresAt
        self.reservationID = reservationID
        self.isTest = isTest
    }

    /// When a beacon of `kind` on this token stops being accepted (the click has its own TTL).
    public func expiry(of kind: BeaconKind) -> Instant { kind.expiresWithImpression ? expiresAt : clickExpiresAt }

    /// What a beacon of `kind` for this ad costs (`Pricing.cost(of:atPrice:)`).
    public func cost(of kind: BeaconKind) -> Nanos { ad.pricing.cost(of: kind, atPrice: price) }
}
