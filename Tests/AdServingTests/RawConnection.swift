import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A plain TCP connection to a live test server, for what no HTTP client will send:
/// malformed chunked bodies, a header trickled a byte at a time, a connection held idle.
final class RawConnection {
    private let descriptor: Int32

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(descriptor)
            throw POSIXError(.ECONNREFUSED)
        }
        // Non-blocking: reads poll and sleep, so no thread of the shared pool (which the
        // server in the same process needs) ever waits in the kernel.
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
    }

    deinit { close(descriptor) }

    /// Sends `text`; false when the server has closed the connection.
    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// What the server sent within `seconds` (or until `enough` says so), and whether it
    /// closed the connection.
    func read(for seconds: Double, until enough: (String) -> Bool = { _ in false }) async -> (text: String, closed: Bool) {
        var received: [UInt8] = []
        let end = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while Date() < end, !enough(String(decoding: received, as: UTF8.self)) {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count == 0 { return (String(decoding: received, as: UTF8.self), true) }
            if count > 0 { received += buffer[..<count] }
            if count < 0, errno != EAGAIN, errno != EWOULDBLOCK { return (String(decoding: received, as: UTF8.self), true) }
            if count < 0 { try? await Task.sleep(for: .milliseconds(10)) }
        }
        return (String(decoding: received, as: UTF8.self), false)
    }

    /// The status line's code of the first response read within `seconds`.
    func status(within seconds: Double = 5) async -> Int? {
        let text = await read(for: seconds, until: { $0.contains("\r\n\r\n") }).text
        guard text.hasPrefix("HTTP/1.1 ") else { return nil }
        return Int(text.dropFirst(9).prefix(3))
    }
}
