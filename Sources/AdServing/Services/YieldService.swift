import Logging
import ServiceLifecycle
import VickreyCore
import VickreyStore
import VickreyYield

/// The yield tools' background work, every 250 ms: picks up experiments created or
/// stopped (when the store's revision moved), makes experiment auction counts durable
/// every `experiments.flushMilliseconds`, feeds learned CTRs every `ctr.refreshSeconds`,
/// and appends queued auction-log lines. On graceful shutdown it flushes the counts and
/// the log one last time.
struct YieldService: Service {
    let reloader: CampaignIndexReloader
    let learnedCTR: ClickThroughRefresher
    let experimentPlan: ExperimentPlanSource
    let counter: ExperimentCounter
    let experiments: any ExperimentStore
    let auctionLog: AuctionLog?
    let requestSample: RequestSample?
    let settings: ServerSettings
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            let clock = ContinuousClock()
            var lastFlush = clock.now
            var lastRefresh = clock.now
            while !Task.isCancelled {
                do {
                    if try await experimentPlan.refresh(revision: reloader.revision) {
                        logger.info("experiments reloaded", metadata: ["experiments.running": "\(experimentPlan.plan.experiments.count)"])
                    }
                } catch {
                    logger.error("cannot reload experiments", metadata: ["error": "\(error)"])
                }
                if clock.now - lastFlush >= .milliseconds(settings.experimentFlushMilliseconds) {
                    await flushCounts()
                    lastFlush = clock.now
                }
                if clock.now - lastRefresh >= .seconds(settings.ctrRefreshSeconds) {
                    do { try await learnedCTR.refresh() } catch {
                        logger.error("cannot refresh learned CTRs", metadata: ["error": "\(error)"])
                    }
                    lastRefresh = clock.now
                }
                writeLog()
                try? await Task.sleep(for: .milliseconds(250))
            }
        }
        await flushCounts()
        writeLog()
        auctionLog?.close()
        requestSample?.close()
    }

    private func flushCounts() async {
        do { try await counter.flush(to: experiments) } catch {
            logger.error("cannot record experiment auction counts (kept for the next flush)", metadata: ["error": "\(error)"])
        }
    }

    private func writeLog() {
        if let auctionLog {
            do { try auctionLog.writePending() } catch {
                logger.error("cannot write the auction log", metadata: ["error": "\(error)", "path": "\(auctionLog.path)"])
            }
        }
        if let requestSample {
            do { try requestSample.writePending() } catch {
                logger.error("cannot write the request sample", metadata: ["error": "\(error)", "path": "\(requestSample.path)"])
            }
        }
    }
}
