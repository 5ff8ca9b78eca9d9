import Foundation
import VickreyCore

/// RFC 3339 timestamps as the wire formats use them: `2026-11-01T00:00:00Z`.
public enum RFC3339 {
    /// Parses an RFC 3339 date-time with a `Z` or numeric offset, optionally with
    /// fractional seconds; nil otherwise.
    public static func parse(_ text: String) -> Instant? {
        if let canonical = Instant(canonicalRFC3339: text) { return canonical }
        guard text.utf8.count <= 40 else { return nil }
        let plain = Date.ISO8601FormatStyle()
        let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        guard let date = (try? plain.parse(text)) ?? (try? fractional.parse(text)) else { return nil }
        return Instant(millisecondsSinceEpoch: Int64((date.timeIntervalSince1970 * 1000).rounded()))
    }

    /// Formats in UTC to whole seconds: `2026-11-01T00:00:00Z`.
    public static func format(_ instant: Instant) -> String { instant.rfc3339 }
}
