import AdServing
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// What a client that misbehaves at the HTTP level gets: a 4xx for a body the parser or
/// the limit refuses (never a 500), and a closed connection when it trickles a request,
/// holds a connection idle, or opens more connections than a client may.
@Suite("HTTP: bad bodies, slow clients and connection limits")
struct ConnectionLimitTests {
    static let head = "POST /v1/ads HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"

    @Test(arguments: [
        // A chunked body larger than http.maxBodyBytes: refused as too large.
        ("oversized", 413),
        // A chunk size that is not hex.
        ("bad size", 400),
        // Chunks whose lines end in LF alone.
        ("LF only", 400),
    ])
    func aBadChunkedBodyIsA4xxNotA500(name: String, status: Int) async throws {
        let harness = ServerHarness()
        try await harness.live { client in
            let connection = try RawConnection(port: try #require(client.port))
            switch name {
            case "oversized":
                let chunk = String(repeating: "x", count: 70_000)
                connection.send(
                    Self.head + "Transfer-Encoding: chunked\r\n\r\n" + String(chunk.utf8.count, radix: 16) + "\r\n" + chunk
                        + "\r\n0\r\n\r\n")
            case "bad size": connection.send(Self.head + "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n")
            default: connection.send("POST /v1/ads HTTP/1.1\nHost: x\nTransfer-Encoding: chunked\n\n5\n{\"a\":\n0\n\n")
            }
            #expect(await connection.status() == status, "\(name)")
        }
    }

    static func limited(_ configure: (inout ServerSettings) -> Void) -> ServerHarness {
        ServerHarness { settings in
            settings.connections.idleTimeoutSeconds = 1
            settings.connections.headerTimeoutSeconds = 1
            settings.connections.bodyTimeoutSeconds = 1
            configure(&settings)
        }
    }

    @Test func aHeaderTrickledByteByByteIsCutOffAtTheHeaderTimeout() async throws {
        try await Self.limited { _ in }.live { client in
            let connection = try RawConnection(port: try #require(client.port))
            let trickle = await Self.trickleHeader(on: connection)
            #expect(trickle.closed, "a trickled header was still open after \(trickle.seconds) s")
            #expect(trickle.seconds < 4)
        }
    }

    /// Sends a request header a byte every 0.2 s (for 12 s at most); whether the server
    /// closed the connection, and after how long.
    static func trickleHeader(on connection: RawConnection) async -> (closed: Bool, seconds: Double) {
        let started = Date()
        for byte in Array("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ".utf8) + Array(repeating: UInt8(ascii: "a"), count: 60) {
            let sent = connection.send([byte])
            let read = await connection.read(for: 0.2)
            if !sent || read.closed { return (true, Date().timeIntervalSince(started)) }
        }
        return (false, Date().timeIntervalSince(started))
    }

    @Test func aBodyTrickledByteByByteIsCutOffAtTheBodyTimeout() async throws {
        try await Self.limited { _ in }.live { client in
            let connection = try RawConnection(port: try #require(client.port))
            connection.send(Self.head + "Content-Length: 100\r\n\r\n")
            let started = Date()
            var closed = false
            for _ in 0..<60 {
                let sent = connection.send("{")
                let read = await connection.read(for: 0.2)
                if !sent || read.closed {
                    closed = true
                    break
                }
            }
            #expect(closed)
            #expect(Date().timeIntervalSince(started) < 4)
        }
    }

    /// A connection's timer is moved by its requests, not set per request: one that fires
    /// while a later request is within its own deadline must wait again, not close.
    @Test func aConnectionBusyForLongerThanItsTimeoutsKeepsServingAndALaterTrickleIsCutOff() async throws {
        try await Self.limited { $0.connections.idleTimeoutSeconds = 30 }.live { client in
            let connection = try RawConnection(port: try #require(client.port))
            let started = Date()
            var served = 0
            // Past the 1 s header timeout, twice, with a request's header in progress nearly
            // all the time (each takes 0.4 s of its 1 s), so the timers fire mid-request.
            while Date().timeIntervalSince(started) < 2.5 {
                connection.send("GET /healthz HTTP/1.1\r\n")
                try await Task.sleep(for: .milliseconds(400))
                connection.send("Host: x\r\n\r\n")
                let answer = await connection.read(for: 2, until: { $0.hasSuffix(#"{"status":"ok"}"#) })
                #expect(answer.text.hasPrefix("HTTP/1.1 200") && !answer.closed, "request \(served + 1)")
                if answer.closed { return }
                served += 1
            }
            #expect(served >= 5)
            // Then a header trickled on the same connection, after the timers above lapsed:
            // cut off by its own deadline.
            let trickle = await Self.trickleHeader(on: connection)
            #expect(trickle.closed, "a trickled header was still open after \(trickle.seconds) s")
            #expect(trickle.seconds < 4)
        }
    }

    @Test func anIdleConnectionIsClosedAndABriskOneServed() async throws {
        try await Self.limited { _ in }.live { client in
            let idle = try RawConnection(port: try #require(client.port))
            #expect(await idle.read(for: 3).closed, "an idle connection was kept open")
            let brisk = try RawConnection(port: try #require(client.port))
            brisk.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await brisk.status() == 200)
        }
    }

    @Test func aClientPastItsConnectionsIsRefusedUntilOneCloses() async throws {
        try await Self.limited {
            $0.connections.maximumPerClient = 3
            $0.connections.idleTimeoutSeconds = 30
        }.live { client in
            let port = try #require(client.port)
            // The test client holds one connection of its own from this address.
            #expect(try await client.get("/healthz").status == .ok)
            var held = try (0..<2).map { _ in try RawConnection(port: port) }
            for connection in held {
                connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(await connection.status() == 200)
            }
            let extra = try RawConnection(port: port)
            #expect(await extra.read(for: 2).closed, "a fourth connection from one address was kept")
            held.removeLast()  // closes it
            try await Task.sleep(for: .milliseconds(300))
            let again = try RawConnection(port: port)
            again.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await again.status() == 200)
            #expect(held.count == 1)
        }
    }
}
