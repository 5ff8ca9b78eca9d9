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
