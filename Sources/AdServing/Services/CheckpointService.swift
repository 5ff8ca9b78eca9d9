import Logging
import ServiceLifecycle
import VickreyStore

/// Copies the ledger's write-ahead log into the database file every 250 ms, apart from the
/// connection that commits, so no beacon's group commit waits for a checkpoint (SQLite;
/// on PostgreSQL, whose checkpoints run apart already, it ends at once).
struct CheckpointService: Service {
    let ledger: any LedgerStore
    let logger: Logger

    func run() async throws {
        guard let checkpointer = try await ledger.checkpointOffTheCommitPath() else { return }
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await checkpointer.checkpoint() } catch {
                    logger.warning("cannot checkpoint the ledger's log", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: .milliseconds(250))
            }
        }
    }
}
