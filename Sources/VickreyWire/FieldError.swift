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

extension FieldError {
    /// Translates a `DecodingError` into the field it is about.
    public init(_ error: DecodingError) {
        func path(_ codingPath: [any CodingKey]) -> String? {
            var text = ""
            for key in codingPath {
                if let index = key.intValue { text += "[\(index)]" } else { text += text.isEmpty ? key.stringValue : ".\(key.stringValue)" }
            }
            return text.isEmpty ? nil : text
        }
        switch error {
        case .typeMismatch(let type, let context):
            self.init(field: path(context.codingPath), message: "expected \(Self.describe(type))")
        case .valueNotFound(let type, let context):
            self.init(field: path(context.codingPath), message: "must not be null (expected \(Self.describe(type)))")
        case .keyNotFound(let key, let context):
            self.init(field: path(context.codingPath + [key]), message: "is required")
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            self.init(field: field, message: field == nil ? "not valid JSON" : "invalid value")
        @unknown default:
            self.init(field: nil, message: "not valid JSON")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int64.Type, is Int.Type: "an integer"
        case is Decimal.Type, is Double.Type: "a number"
        case is Bool.Type: "true or false"
        default: "\(type)".hasPrefix("Array") ? "an array" : "an object"
        }
    }
}
