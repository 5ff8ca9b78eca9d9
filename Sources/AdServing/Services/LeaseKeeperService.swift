import Logging
import ServiceLifecycle
import VickreyBilling
import VickreyBudget
import VickreyCore
import VickreyStore

/// Runs a fleet server's `BudgetLeaseKeeper` on `LeasePolicy`'s clock: a settle every
/// settle interval, or sooner when a campaign is refused for want of a lease (woken by
/// the book's signal, not by polling); other servers' expired leases reaped every few
/// settles; and on graceful shutdown (after the HTTP server and the ledger writer have
/// finished, so no charge is pending) every lease handed back.
struct LeaseKeeperService: Service {
    let keeper: BudgetLeaseKeeper
    let metrics: ServerMetrics
    let logger: Logger

    func run() async throws {
        let policy = keeper.policy
        await cancelWhenGracefulShutdown {
            var rounds = 0
            while !Task.isCancelled {
                do {
                    try await keeper.settle()
                    metrics.leaseSettle(succeeded: true)
                    if rounds % policy.reapEverySettles == 0 {
                        let reaped = try await keeper.reapExpired()
                        if reaped > 0 { logger.info("expired leases returned to their pools", metadata: ["pools": "\(reaped)"]) }
                    }
                } catch {
                    metrics.leaseSettle(succeeded: false)
                    logger.error("cannot settle budget leases", metadata: ["error": "\(error)"])
                }
                rounds += 1
                let settled = ContinuousClock.now
                if await keeper.leaseWanted.wait(timeout: .milliseconds(policy.settleIntervalMilliseconds)) {
                    // Woken early: still not within the early-settle gap of the last settle.
                    try? await Task.sleep(until: settled + .milliseconds(LeasePolicy.earliestEarlySettleMilliseconds))
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
