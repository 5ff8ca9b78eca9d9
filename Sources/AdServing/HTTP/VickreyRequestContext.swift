import Hummingbird
import Logging
import NIOCore

/// The request context every route gets: Hummingbird's core storage and the client's
/// address (what failed sign-ins are rate-limited by).
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

    /// The client's address without its port ("unknown" when the transport has none).
    var clientAddress: String { remoteAddress?.ipAddress ?? "unknown" }
}
