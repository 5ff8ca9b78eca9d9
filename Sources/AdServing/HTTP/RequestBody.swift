import Hummingbird
import NIOCore

/// Reads a request body of at most `limit` bytes. A declared Content-Length over the limit
/// is refused before any byte is read; a longer streamed body stops at the limit.
func readBody(_ request: Request, limit: Int) async throws -> [UInt8] {
    if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
        throw APIError(code: .bodyTooLarge, message: "the body is \(declared) bytes; the limit is \(limit)", field: nil)
    }
    let body = request.body
    do {
        let buffer = try await body.collect(upTo: limit)
        return Array(buffer.readableBytesView)
    } catch let error as HTTPError where error.status == .contentTooLarge {
        throw APIError(code: .bodyTooLarge, message: "the body is over the limit of \(limit) bytes", field: nil)
    }
}
