import Logging
import VickreyCore
import ServiceLifecycle
import VickreyStore

/// Polls the store for campaign changes and applies them to the live index; stops on
/// graceful shutdown.
struct IndexReloaderService: Service {
    let reloader: CampaignIndexReloader
    let interval: Duration
    let metrics: ServerMetrics
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var lastChange = ContinuousClock.now
            await reloader.run(every: interval) { result in
                switch result {
                case .success(let refresh):
                    if refresh.changed > 0 {
                        logger.info(
                            "index updated", metadata: ["index.revision": "\(refresh.revision)", "index.changed": "\(refresh.changed)"])
                    }
                    for (id, problem) in refresh.unreadable {
                        logger.warning("campaign left out of the index", metadata: ["campaign.id": "\(id)", "problem": "\(problem)"])
                    }
                    lastChange = ContinuousClock.now
                case .failure(let error):
                    logger.error("index refresh failed", metadata: ["error": "\(error)"])
                }
                metrics.database(reachable: reloader.storeFailure == nil)
                let lag = ContinuousClock.now - lastChange
                metrics.index(
                    campaigns: reloader.index.snapshot.count,
                    lagSeconds: Double(lag.components.seconds) + Double(lag.components.attoseconds) / 1e18)
            }
        }
    }
}
