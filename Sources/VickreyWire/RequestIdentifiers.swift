import Crypto
import VickreyCore

extension JSONReader {
    /// An id that is signed into the ledger (`request_id`, the OpenRTB `id`), by
    /// `RequestIDRule.newRequestProblem`, so that the record it leads to reads back exactly
    /// as it was signed, whatever stores it, verifies, and shows as what it is.
    public mutating func readSignedID() throws(FieldError) -> String {
        let id = try readString(maximumCharacters: RequestIDRule.maximumCharacters)
        if let problem = RequestIDRule.newRequestProblem(id) { throw fieldError(problem) }
        return id
    }

    /// A user id: any string up to `RequestLimits.maximumUserIDCharacters`. Exchanges
    /// send ids of several hundred bytes (cookie maps), so a long one is not refused:
    /// past 128 bytes it is replaced by `UserKey.hashed` of it.
    public mutating func readUserID(limits: RequestLimits) throws(FieldError) -> String {
        let id = try readString(maximumCharacters: limits.maximumUserIDCharacters)
        return id.utf8.count > 128 ? UserKey.hashed(id) : id
    }
}

/// Fixed-length keys for long user ids.
public enum UserKey {
    /// `sha256:` and the lowercase hex SHA-256 of the id's UTF-8 bytes (71 characters):
    /// the same id always gives the same key, so frequency caps stay exact.
    public static func hashed(_ id: String) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = Array("sha256:".utf8)
        for byte in SHA256.hash(data: Array(id.utf8)) {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
