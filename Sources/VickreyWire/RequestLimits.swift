import VickreyCore

/// Bounds on everything a request body controls. Bodies over `maximumBodyBytes` are
/// answered 413 by the HTTP layer before they are read.
public struct RequestLimits: Sendable, Hashable {
    /// Largest request body accepted (default 64 KiB).
    public var maximumBodyBytes: Int = 64 * 1024
    /// Most placements (native) or imps (OpenRTB) in one request.
    public var maximumPlacements: Int = 16
    /// Longest id (request, imp), in characters (Unicode scalars, as JSON Schema counts).
    public var maximumIDCharacters: Int = RequestIDRule.maximumCharacters
    /// Longest user id read, in characters (a longer one is refused); past 128 bytes it
    /// is kept only as a fixed-length hash.
    public var maximumUserIDCharacters: Int = 4_096
    /// Most keywords per request.
    public var maximumKeywords: Int = 32
    /// Most sizes per placement (native) or formats per banner (OpenRTB).
    public var maximumSizes: Int = 20
    /// Longest free-text string read from OpenRTB objects (keywords lists, os names…), in characters.
    public var maximumTextCharacters: Int = 1024

    public init() {}
}
