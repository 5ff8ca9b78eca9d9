import Foundation

/// The methods each documented path answers, read from the OpenAPI document itself, so
/// that a request with another method on a known path gets 405 with an `Allow` header
/// (not 404), and the answer can never drift from what the document declares.
struct AllowedMethods: Sendable {
    private struct Route: Sendable {
        /// Path segments; nil where the document has a `{parameter}`.
        var segments: [String?]
        var methods: [String]
    }

    private let routes: [Route]

    /// Every path of `OpenAPIDocument.json` with its declared methods.
    static let documented = AllowedMethods(openAPIJSON: OpenAPIDocument.json)

    init(openAPIJSON: String) {
        let document = (try? JSONSerialization.jsonObject(with: Data(openAPIJSON.utf8))) as? [String: Any]
        let paths = document?["paths"] as? [String: [String: Any]] ?? [:]
        let verbs = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]
        routes = paths.map { path, operations in
            Route(
                segments: path.split(separator: "/", omittingEmptySubsequences: false).map { $0.hasPrefix("{") ? nil : String($0) },
                methods: verbs.filter { operations[$0] != nil }.map { $0.uppercased() }
            )
        }
    }

    /// The methods declared for `path` (empty when no documented path matches it).
    func methods(for path: String) -> [String] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        for route in routes where route.segments.count == segments.count {
            let matches = zip(route.segments, segments).allSatisfy { expected, actual in
                expected.map { $0 == actual } ?? !actual.isEmpty
            }
            if matches { return route.methods }
        }
        return []
    }
}
