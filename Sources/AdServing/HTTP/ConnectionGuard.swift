import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes
import Synchronization
import VickreyCore

/// How long a connection may take over a request, and how many one client may hold
/// (`http.*` settings): a client that trickles its header or body, or holds connections
/// open without using them, is cut off instead of holding server resources.
public struct ConnectionLimits: Hashable, Sendable {
    /// `http.idleTimeoutSeconds`: a connection with no request in progress for this long is closed.
    public var idleTimeoutSeconds: Int64 = 60
    /// `http.headerTimeoutSeconds`: from a request's first byte to the end of its header.
    public var headerTimeoutSeconds: Int64 = 10
    /// `http.bodyTimeoutSeconds`: from the end of a request's header to the end of its body.
    public var bodyTimeoutSeconds: Int64 = 30
    /// `http.maxConnectionsPerClient`: open connections one client address may hold (0: no
    /// limit). Trusted proxies are not limited: their connections carry many clients.
    public var maximumPerClient = 256

    public init() {}
}

/// The open connections per client address, shared by every connection's guard.
final class ConnectionCounts: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    /// Counts a new connection of `client`; false (and not counted) when it already holds `maximum`.
    func open(_ client: String, maximum: Int) -> Bool {
        counts.withLock { counts in
            let current = counts[client, default: 0]
            guard maximum == 0 || current < maximum else { return false }
            counts[client] = current + 1
            return true
        }
    }

    func close(_ client: String) {
        counts.withLock { counts in
            let remaining = counts[client, default: 1] - 1
            counts[client] = remaining > 0 ? remaining : nil
        }
    }
}

/// The first handler of every connection, on its raw bytes: refuses a connection past
/// the client's limit, and closes one whose request header (timed from its first byte)
/// or body (timed from the end of its header) takes too long. `RequestProgress`, after
/// the HTTP codec, tells it where each request stands. Runs on the connection's event
/// loop only.
///
/// A request moves its deadline; it does not schedule a timer. The connection has at most
/// one timer pending, moved only when a deadline comes before it; when it fires it closes
/// the connection if the request in progress is past its deadline, waits again for the
/// deadline as it stands if not, and lapses between requests. So a busy connection sets a
/// timer about once per timeout rather than twice per request (scheduling and cancelling
/// them was about 2.5 µs of every request's server CPU, and a cancellation searches every
/// timer of the event loop).
final class ConnectionGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let limits: ConnectionLimits
    private let counts: ConnectionCounts
    private let trustedProxy: Bool
    private var client: String?
    /// When the request in progress must reach its next stage (the end of its header, or of
    /// its body); nil between requests, when the next byte starts a request and its clock.
    private var deadline: NIODeadline?
    /// The connection's one pending timer and when it fires (never after `deadline`).
    private var timer: (task: Scheduled<Void>, firesAt: NIODeadline)?

    init(limits: ConnectionLimits, counts: ConnectionCounts, trustedProxy: Bool) {
        self.limits = limits
        self.counts = counts
        self.trustedProxy = trustedProxy
    }

    func channelActive(context: ChannelHandlerContext) {
        let peer = context.channel.remoteAddress?.ipAddress ?? "unknown"
        if !trustedProxy {
            guard counts.open(peer, maximum: limits.maximumPerClient) else {
                context.close(promise: nil)
                return
            }
            client = peer
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let client { counts.close(client) }
        client = nil
        timer?.task.cancel()
        (timer, deadline) = (nil, nil)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if deadline == nil { setDeadline(context, in: limits.headerTimeoutSeconds) }
        context.fireChannelRead(data)
    }

    /// The header of the current request has been read: the body's clock starts.
    func headerRead(context: ChannelHandlerContext) { setDeadline(context, in: limits.bodyTimeoutSeconds) }

    /// The current request has been read whole.
    func requestRead() { deadline = nil }

    private func setDeadline(_ context: ChannelHandlerContext, in seconds: Int64) {
        let due = NIODeadline.now() + .seconds(seconds)
        deadline = due
        if let timer {
            if timer.firesAt <= due { return }  // it fires first, and waits again for `due`
            timer.task.cancel()
        }
        schedule(on: context.eventLoop, channel: context.channel, at: due)
    }

    private func schedule(on eventLoop: any EventLoop, channel: any Channel, at time: NIODeadline) {
        let task = eventLoop.assumeIsolated().scheduleTask(deadline: time) { [self] in
            timer = nil
            guard let deadline else { return }  // between requests: nothing to time
            if deadline <= .now() {
                channel.close(promise: nil)
            } else {
                schedule(on: eventLoop, channel: channel, at: deadline)
            }
        }
        timer = (task, time)
    }
}

/// After the HTTP codec: tells the connection's `ConnectionGuard` when a request's header
/// and its end have been read.
final class RequestProgress: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private var guardHandler: ConnectionGuard?

    func handlerAdded(context: ChannelHandlerContext) {
        guardHandler = try? context.pipeline.syncOperations.handler(type: ConnectionGuard.self)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: guardHandler?.headerRead(context: context)
        case .end: guardHandler?.requestRead()
        case .body: break
        }
        context.fireChannelRead(data)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 with `limits` enforced on every connection: Hummingbird's idle timeout,
    /// and `ConnectionGuard` ahead of the HTTP codec.
    static func guardedHTTP1(limits: ConnectionLimits, addresses: ClientAddressResolver) -> HTTPServerBuilder {
        let counts = ConnectionCounts()
        return HTTPServerBuilder { responder in
            GuardedHTTP1Channel(
                inner: HTTP1Channel(
                    responder: responder,
                    configuration: .init(
                        additionalChannelHandlers: [RequestProgress()], idleTimeout: .seconds(limits.idleTimeoutSeconds))),
                limits: limits, counts: counts, addresses: addresses)
        }
    }
}

/// Hummingbird's HTTP/1.1 channel with a `ConnectionGuard` added first.
struct GuardedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value
    let inner: HTTP1Channel
    let limits: ConnectionLimits
    let counts: ConnectionCounts
    let addresses: ClientAddressResolver

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let trusted = channel.remoteAddress?.ipAddress.flatMap(IPAddress.init).map(addresses.isTrusted) ?? false
        do {
            try channel.pipeline.syncOperations.addHandler(
                ConnectionGuard(limits: limits, counts: counts, trustedProxy: trusted), position: .first)
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return inner.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}
