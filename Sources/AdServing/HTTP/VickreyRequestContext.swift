import Hummingbird
import Logging
import NIOCore

/// The request context every route gets: Hummingbird's core storage and the TCP peer's
/// address (from which, through the trusted proxies, the client's is resolved:
/// `ClientAddressResolver`).
struct VickreyRequestContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    /// Asked for the address only when a route needs it (the admin API and the console):
    /// reading it takes the channel's lock, which ads and beacons need not pay.
    private let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        channel = source.channel
    }

    var remoteAddress: SocketAddress? { channel.remoteAddress }

    /// The peer's address without its port ("unknown" when the transport has none).
    var peerAddress: String { remoteAddress?.ipAddress ?? "unknown" }
}
