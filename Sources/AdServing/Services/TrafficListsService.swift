import Logging
import ServiceLifecycle

/// Every 250 ms: re-reads an invalid-traffic list file that changed, so an edit reaches a
/// running server within a second; a file that does not read is logged and the lists in
/// force stay.
struct TrafficListsService: Service {
    let lists: LiveTrafficLists
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                if let problem = lists.reloadIfChanged() { logger.error("invalid-traffic lists", metadata: ["problem": "\(problem)"]) }
                try? await Task.sleep(for: .milliseconds(250))
            }
        }
    }
}
