/// A string identifier of 1–64 characters from `[A-Za-z0-9._-]`, as the campaign JSON
/// format requires for advertiser, campaign, creative and placement ids.
///
/// Conforming types are distinct so that a campaign id can never be passed where an
/// advertiser id is expected. Construction validates; a value that exists is valid.
public protocol ValidatedIdentifier: Hashable, Comparable, Sendable, CustomStringConvertible {
    var rawValue: String { get }
    init(unchecked rawValue: String)
}

/// Why a string is not a valid identifier.
public struct IdentifierError: Error, Equatable, Sendable, CustomStringConvertible {
    public var value: String
    public var description: String {
        if value.isEmpty { return "an id must not be empty" }
        if value.utf8.count > IdentifierRules.maximumLength {
            return "an id is at most \(IdentifierRules.maximumLength) characters (got \(value.utf8.count))"
        }
        return "'\(value)' is not a valid id: use 1–64 characters from A-Z a-z 0-9 . _ -"
    }
}

/// The identifier syntax shared by every id type.
public enum IdentifierRules {
    public static let maximumLength = 64

    public static func isValid(_ value: String) -> Bool {
        let bytes = value.utf8
        guard !bytes.isEmpty, bytes.count <= maximumLength else { return false }
        return bytes.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
    }
}

extension ValidatedIdentifier {
    /// Validates `rawValue`; throws `IdentifierError` naming the problem.
    public init(validating rawValue: String) throws(IdentifierError) {
        guard IdentifierRules.isValid(rawValue) else { throw IdentifierError(value: rawValue) }
        self.init(unchecked: rawValue)
    }

    /// Validates `rawValue`, returning nil when it is not a valid id.
    public init?(_ rawValue: String) {
        guard IdentifierRules.isValid(rawValue) else { return nil }
        self.init(unchecked: rawValue)
    }

    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Identifies an advertiser; campaigns of one advertiser never set each other's price.
public struct AdvertiserID: ValidatedIdentifier {
    public let rawValue: String
    public init(unchecked rawValue: String) { self.rawValue = rawValue }
}

/// Identifies a campaign.
public struct CampaignID: ValidatedIdentifier {
    public let rawValue: String
    public init(unchecked rawValue: String) { self.rawValue = rawValue }
}

/// Identifies a creative within the whole system.
public struct CreativeID: ValidatedIdentifier {
    public let rawValue: String
    public init(unchecked rawValue: String) { self.rawValue = rawValue }
}

/// Identifies a placement (an ad slot in an app or page), e.g. `home_feed`.
public struct PlacementID: ValidatedIdentifier {
    public let rawValue: String
    public init(unchecked rawValue: String) { self.rawValue = rawValue }
}
