import Foundation

/// The subset of JSON Schema the OpenAPI document and the IAB OpenRTB schemas use:
/// `type` (one or a list), `required`, `properties`, `items`, `enum`, `minimum`,
/// `minItems` and `$ref` (to `#/components/schemas/…`, or to another file by name).
///
/// `@unchecked Sendable` is safe: both properties are `let`, set once in `init`, and the
/// Foundation JSON containers they hold are never mutated after parsing.
struct SchemaChecker: @unchecked Sendable {
    /// Schemas loaded by file name (`Bid.json`), for cross-file `$ref`s.
    let files: [String: Any]
    /// The document `#/…` references point into.
    let root: Any

    init(files: [String: Any] = [:], root: Any = [String: Any]()) {
        self.files = files
        self.root = root
    }

    func problems(_ value: Any, against schema: Any, at path: String = "$") -> [String] {
        guard let schema = schema as? [String: Any] else { return [] }
        if let reference = schema["$ref"] as? String { return problems(value, against: resolve(reference), at: path) }
        var found: [String] = []
        if let type = schema["type"] {
            let types = (type as? [String]) ?? [type as? String ?? ""]
            if !types.contains(where: { matches(value, $0) }) { return ["\(path): expected \(types.joined(separator: "|")), got \(value)"] }
        }
        if let allowed = schema["enum"] as? [Any], !allowed.contains(where: { "\($0)" == "\(value)" }) {
            found.append("\(path): \(value) not in \(allowed)")
        }
        if let minimum = schema["minimum"] as? Double, let number = value as? NSNumber, number.doubleValue < minimum {
            found.append("\(path): \(number) below \(minimum)")
        }
        if let object = value as? [String: Any] {
            for key in schema["required"] as? [String] ?? [] where object[key] == nil { found.append("\(path).\(key): required") }
            for (key, property) in schema["properties"] as? [String: Any] ?? [:] {
                if let child = object[key] { found += problems(child, against: property, at: "\(path).\(key)") }
            }
        }
        if let array = value as? [Any] {
            if let minimum = schema["minItems"] as? Int, array.count < minimum { found.append("\(path): fewer than \(minimum) items") }
            if let items = schema["items"] {
                for (index, element) in array.enumerated() { found += problems(element, against: items, at: "\(path)[\(index)]") }
            }
        }
        return found
    }

    private func resolve(_ reference: String) -> Any {
        if reference.hasPrefix("#/") {
            var node: Any? = root
            for part in reference.dropFirst(2).split(separator: "/") { node = (node as? [String: Any])?[String(part)] }
            return node ?? [:]
        }
        return files[reference] ?? [:]
    }

    private func matches(_ value: Any, _ type: String) -> Bool {
        let isBool = String(describing: Swift.type(of: value)).contains("Bool")
        switch type {
        case "object": return value is [String: Any]
        case "array": return value is [Any]
        case "string": return value is String
        case "null": return value is NSNull
        case "boolean": return isBool
        case "integer":
            guard let number = value as? NSNumber, !isBool else { return false }
            return number.doubleValue == number.doubleValue.rounded()
        case "number": return value is NSNumber && !isBool
        default: return true
        }
    }
}
