import NIOCore
import NIOHTTP1
import NIOPosix

/// What came back for one request.
public struct HTTPResult: Sendable {
    public var status: Int
    public var body: [UInt8]
    public var location: String?
}

/// Why a request got no HTTP answer.
public enum TransportError: Error, Hashable, Sendable {
    /// The connection could not be opened or broke mid-request.
    case connection
    /// No complete answer within the timeout; the connection is closed.
    case timeout
}

/// One HTTP/1.1 keep-alive connection with one request in flight at a time, on SwiftNIO.
/// Owned by one task (not `Sendable`): the answers are read through one iterator.
public final class HTTPConnection {
    typealias Channel = NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
    private let channel: Channel
    private var inbound: NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator
    private let host: String
    public let timeout: TimeAmount

    private init(channel: Channel, host: String, timeout: TimeAmount) {
        self.channel = channel
        inbound = channel.inbound.makeAsyncIterator()
        self.host = host
        self.timeout = timeout
    }

    /// What the harness's requests say they are: an ordinary desktop browser, so that the
    /// server's invalid-traffic filter bills its beacons as it would a person's.
    public static let userAgent =
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"

    /// Opens a connection.
    public static func connect(host: String, port: Int, group: any EventLoopGroup, timeout: TimeAmount = .seconds(10)) async throws
        -> HTTPConnection
    {
        do {
            let channel = try await ClientBootstrap(group: group)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connectTimeout(.seconds(5))
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(ResponseTimeoutHandler(timeout: timeout))
                        return try Channel(wrappingChannelSynchronously: channel)
                    }
                }
            return HTTPConnection(channel: channel, host: host, timeout: timeout)
        } catch {
            throw TransportError.connection
        }
    }

    /// Sends one request and reads its whole answer.
    public func send(_ request: PlannedRequest) async throws(TransportError) -> HTTPResult {
        var head = HTTPRequestHead(version: .http1_1, method: request.method == .POST ? .POST : .GET, uri: request.path)
        head.headers.add(name: "Host", value: host)
        head.headers.add(name: "User-Agent", value: Self.userAgent)
        if let authorization = request.authorization { head.headers.add(name: "Authorization", value: authorization) }
        if request.method == .POST {
            head.headers.add(name: "Content-Type", value: "application/json")
            head.headers.add(name: "Content-Length", value: String(request.body.count))
        }
        do {
            try await channel.outbound.write(contentsOf: [
                .head(head), .body(.byteBuffer(ByteBuffer(bytes: request.body))), .end(nil),
            ])
            var status = 0
            var location: String?
            var body: [UInt8] = []
            while let part = try await inbound.next() {
                switch part {
                case .head(let response):
                    status = Int(response.status.code)
                    location = response.headers.first(name: "Location")
                case .body(let buffer):
                    body.append(contentsOf: buffer.readableBytesView)
                case .end:
                    return HTTPResult(status: status, body: body, location: location)
                }
            }
            throw TransportError.timeout  // the timeout handler closed the connection
        } catch let error as TransportError {
            throw error
        } catch {
            throw error is ResponseTimeoutHandler.TimedOut ? .timeout : .connection
        }
    }

    /// Closes the connection (without waiting).
    public func close() {
        channel.outbound.finish()
        channel.channel.close(promise: nil)
    }

    deinit {
        close()  // the writer must be finished before it goes away; closing twice is harmless
    }
}

/// Closes the connection when an answer takes longer than `timeout` after its request
/// was written (an idle connection between requests is left alone).
final class ResponseTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias InboundOut = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    struct TimedOut: Error {}

    private let timeout: TimeAmount
    private var pending: Scheduled<Void>?

    init(timeout: TimeAmount) { self.timeout = timeout }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            pending?.cancel()
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            pending = context.eventLoop.scheduleTask(in: timeout) {
                loopBound.value.fireErrorCaught(TimedOut())
                loopBound.value.close(promise: nil)
            }
        }
        context.write(data, promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .end = unwrapInboundIn(data) {
            pending?.cancel()
            pending = nil
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        pending?.cancel()
        context.fireChannelInactive()
    }
}
