import Foundation

/// A problem with one field of a JSON document, named by its path in the contract's
/// spelling (`targeting.countries[1]`, `bid_micros`). Every error a client can cause
/// with a body or a JSON line is reported as one of these.
public struct FieldError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Dotted path of the offending field; nil only when the input is not JSON at all
    /// or not an object.
    public var field: String?
    public var message: String

    public init(field: String?, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { field.map { "\($0): \(message)" } ?? message }
}
