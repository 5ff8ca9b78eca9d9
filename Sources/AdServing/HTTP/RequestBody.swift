import Hummingbird
import NIOCore
import NIOHTTP1

/// Reads a request body of at most `limit` bytes. A declared Content-Length over the limit
/// is refused before any byte is read; a longer streamed body (chunked) stops at the
/// limit with 413; a body the HTTP parser cannot read (a bad chunk size, say) is a 400.
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
    } catch is NIOTooManyBytesError {
        throw APIError(code: .bodyTooLarge, message: "the body is over the limit of \(limit) bytes", field: nil)
    } catch let error as HTTPParserError {
        throw APIError(code: .invalidRequest, message: "the body is not valid HTTP: \(error)", field: nil)
    }
}
