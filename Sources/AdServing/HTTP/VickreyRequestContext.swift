import Hummingbird
import Logging
import NIOCore

/// The request context every route gets: Hummingbird's core storage and the client's
/// address (what failed sign-ins are rate-limited by).
struct VickreyRequestContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The client's address without its port ("unknown" when the transport has none).
    var clientAddress: String { remoteAddress?.ipAddress ?? "unknown" }
}
