import Logging
import ServiceLifecycle
import VickreyBilling
import VickreyBudget
import VickreyLedger
import VickreyStore

/// Once a second: expires reservations and rolls budget days, forgets beacon keys past
/// their tokens' lifetime, re-reads a changed exchange-rates file; every five seconds picks up signing keys rotated by `adctl keys
/// rotate` and, in a fleet, the public keys the other servers registered.
struct MaintenanceService: Service {
    let budgets: BudgetBook
    let replays: BeaconReplayGuard
    let keys: LiveKeyring
    /// In a fleet, where a rotated key is registered before it signs (nil: a single server).
    let fleet: (any FleetKeys)?
    let serverID: String
    /// Exchange rates, re-read when their file changes.
    let rates: LiveRates
    let clock: any VickreyClock
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var ticks = 0
            while !Task.isCancelled {
                let now = clock.now()
                budgets.sweep(at: now)
                replays.prune(at: now)
                if let problem = rates.reloadIfChanged() { logger.warning("exchange rates", metadata: ["problem": "\(problem)"]) }
                if ticks % 5 == 0 {
                    do {
                        if let current = try keys.reload() {
                            try await fleet?.register(publicKeys: keys.ownPublicKeys.keys, serverID: serverID)
                            logger.info("signing key changed", metadata: ["key.id": "\(current)"])
                        }
                        // Keys other servers registered since (a server joined, a key rotated).
                        if let fleet { keys.adopt(registered: try await fleet.publicKeys()) }
                    } catch {
                        logger.error("cannot reload signing keys", metadata: ["error": "\(error)"])
                    }
                }
                ticks += 1
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}
