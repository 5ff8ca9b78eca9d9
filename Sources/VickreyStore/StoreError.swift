import VickreyCore

/// Why a store operation failed. Each case a user can cause carries a message that
/// says what to do; database failures carry their underlying error.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
        case notFound = "not_found"
        case alreadyExists = "already_exists"
        case unknownAdvertiser = "unknown_advertiser"
        case conflict
        case invalidState = "invalid_state"
        /// An import saved nothing; `failures` lists every campaign at fault.
        case rejected
        case database
        /// A closure passed in by the caller threw; `underlying` is its error.
        case caller
    }

    public var code: Code
    public var message: String
    public var underlying: (any Error)?
    public var failures: [ImportFailure]

    public init(_ code: Code, _ message: String, underlying: (any Error)? = nil, failures: [ImportFailure] = []) {
        self.code = code
        self.message = message
        self.underlying = underlying
        self.failures = failures
    }

    public var description: String { message }
}

/// The errors both engines raise for the same mistakes, worded once.
extension StoreError {
    static func advertiserExists(_ id: AdvertiserID) -> StoreError {
        StoreError(.alreadyExists, "advertiser '\(id)' already exists")
    }

    /// Checks an advertiser's name before either engine stores it.
    static func check(_ advertiser: Advertiser) throws(StoreError) {
        if let problem = TextRules.nameProblem(advertiser.name, maximumBytes: Advertiser.maximumNameLength) {
            throw StoreError(.conflict, "advertiser name \(problem)")
        }
    }

    static func unknownAdvertiser(_ id: AdvertiserID) -> StoreError {
        StoreError(.unknownAdvertiser, "no advertiser '\(id)' (create it with 'adctl advertiser create \(id)')")
    }

    static func campaignExists(_ id: CampaignID) -> StoreError {
        StoreError(.alreadyExists, "campaign '\(id)' already exists (use 'adctl campaign update')")
    }

    static func noCampaign(_ id: CampaignID) -> StoreError { StoreError(.notFound, "no campaign '\(id)'") }

    static let campaignIDChanged = StoreError(.conflict, "a campaign's id cannot change")

    static func creativeTaken(_ id: String) -> StoreError {
        StoreError(.conflict, "creative id '\(id)' already belongs to another campaign")
    }

    static func importRejected(_ failures: [ImportFailure]) -> StoreError {
        StoreError(.rejected, "import rejected: \(failures.count) campaign(s) could not be saved", failures: failures)
    }

    static func unknownAdvertiserForKey(_ id: AdvertiserID) -> StoreError {
        StoreError(.unknownAdvertiser, "no advertiser '\(id)': an advertiser key must name an existing advertiser")
    }

    static func apiKeyNotFound(_ id: String) -> StoreError { StoreError(.notFound, "no API key \(id)") }
}
