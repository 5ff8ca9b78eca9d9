import Logging
import ServiceLifecycle
import VickreyBilling
import VickreyBudget
import VickreyStore

/// Runs the ledger's group-commit writer. On graceful shutdown (after the HTTP server
/// has drained) it stops taking events, writes those still waiting, and returns.
struct LedgerWriterService: Service {
    let writer: LedgerWriter

    func run() async throws {
        await withGracefulShutdownHandler {
            await writer.run()
        } onGracefulShutdown: {
            writer.close()
        }
    }
}
