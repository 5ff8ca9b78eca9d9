import GRDB

/// Copies a SQLite file's write-ahead log into the database with passive checkpoints from
/// a connection of its own: it never waits for the writer or readers, and they never wait
/// for it (a checkpoint copies the frames no open read still needs; the writer restarts the
/// log once all of it is copied). Used by the server, whose writer no longer checkpoints
/// (see `SQLiteLedgerStore.checkpointOffTheCommitPath`); if it is not called often enough
/// the log only grows longer, nothing is lost.
final class SQLiteCheckpointer: LedgerCheckpointer {
    private let connection: DatabaseQueue

    init(path: String) throws {
        var configuration = Configuration()
        configuration.label = "checkpointer"
        connection = try DatabaseQueue(path: path, configuration: configuration)
    }

    func checkpoint() async throws(StoreError) -> (logPages: Int, copiedPages: Int) {
        do {
            let pages = try await connection.writeWithoutTransaction { try $0.checkpoint(.passive) }
            return (pages.walFrameCount, pages.checkpointedFrameCount)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
            // Another checkpoint was running (a closing connection's, or adctl's): the
            // next call copies what this one would have.
            return (0, 0)
        } catch {
            throw SQLiteCampaignStore.map(error)
        }
    }
}
