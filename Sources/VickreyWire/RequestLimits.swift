/// Bounds on everything a request body controls. Bodies over `maximumBodyBytes` are
/// answered 413 by the HTTP layer before they are read.
public struct RequestLimits: Sendable, Hashable {
    /// Largest request body accepted (default 64 KiB).
    public var maximumBodyBytes: Int = 64 * 1024
    /// Most placements (native) or imps (OpenRTB) in one request.
    public var maximumPlacements: Int = 16
    /// Longest id string (request, user, imp).
    public var maximumIDBytes: Int = 128
    /// Most keywords per request.
    public var maximumKeywords: Int = 32
    /// Most sizes per placement (native) or formats per banner (OpenRTB).
    public var maximumSizes: Int = 20
    /// Longest free-text string read from OpenRTB objects (keywords lists, os names…).
    public var maximumTextBytes: Int = 1024

    public init() {}
}
