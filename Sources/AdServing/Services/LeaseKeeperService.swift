import Logging
import ServiceLifecycle
import VickreyBilling
import VickreyBudget
import VickreyCore
import VickreyStore

/// Runs a fleet server's `BudgetLeaseKeeper`: a settle every `lease.renewIntervalMilliseconds`
/// (sooner when a campaign is refused for want of a lease),
/// other servers' expired leases reaped every few seconds, and on graceful shutdown (after
/// the HTTP server and the ledger writer have finished, so no charge is pending) every
/// lease handed back.
struct LeaseKeeperService: Service {
    let keeper: BudgetLeaseKeeper
    let metrics: ServerMetrics
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var rounds = 0
            let reapEvery = max(1, Int(keeper.settings.ttlSeconds * 1000 / keeper.settings.renewIntervalMilliseconds) / 4)
            while !Task.isCancelled {
                do {
                    try await keeper.settle()
                    metrics.leaseSettle(succeeded: true)
                    if rounds % reapEvery == 0 {
                        let reaped = try await keeper.reapExpired()
                        if reaped > 0 { logger.info("expired leases returned to their pools", metadata: ["pools": "\(reaped)"]) }
                    }
                } catch {
                    metrics.leaseSettle(succeeded: false)
                    logger.error("cannot settle budget leases", metadata: ["error": "\(error)"])
                }
                rounds += 1
                // The next settle at the interval, or sooner (50 ms on) when a campaign was
                // refused for want of a lease: a new campaign, or one whose lease ran dry.
                let settled = ContinuousClock.now
                let next = settled + .milliseconds(keeper.settings.renewIntervalMilliseconds)
                while ContinuousClock.now < next, !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(25))
                    if ContinuousClock.now - settled >= .milliseconds(50), keeper.leaseWanted() { break }
                }
            }
        }
        do {
            let returned = try await keeper.finish()
            logger.info("budget leases handed back", metadata: ["nanos": "\(returned.value)"])
        } catch {
            logger.error("cannot hand budget leases back; they return when they expire", metadata: ["error": "\(error)"])
        }
    }
}
