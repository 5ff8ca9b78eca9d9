import ServiceLifecycle
import Synchronization
import VickreyStore

/// Opened once the server's start-up (`ServerStartUp`) has finished: the database
/// migrated, the index loaded, spend recovered. Background services wait behind it
/// (`AfterStartUp`), since they start together with the start-up, which runs while the
/// service group already runs the database's pool.
final class StartUpGate: Sendable {
    private struct State {
        var isOpen = false
        var nextID = 0
        var waiters: [Int: CheckedContinuation<Bool, Never>] = [:]
    }

    private let state = Mutex(State())

    /// Lets every waiter through, now and from now on.
    func open() {
        let waiters = state.withLock { state in
            state.isOpen = true
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: true) }
    }

    /// Returns true once the gate is open, false when the task is cancelled first.
    func passed() async -> Bool {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let answer: Bool? = state.withLock { state in
                    if state.isOpen { return true }
                    if Task.isCancelled { return false }
                    state.waiters[id] = continuation
                    return nil
                }
                if let answer { continuation.resume(returning: answer) }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(returning: false)
        }
    }
}

/// A background service that starts its work only once the server's start-up is done,
/// and not at all when the server stops (or fails to start) before that.
struct AfterStartUp: Service {
    let gate: StartUpGate
    let service: any Service

    func run() async throws {
        let started = await cancelWhenGracefulShutdown { await gate.passed() }
        guard started, !Task.isCancelled else { return }
        try await service.run()
    }
}

/// Runs the database's connection pool (PostgreSQL) for as long as the server runs:
/// first in the service group, so it starts before the start-up needs it and stops after
/// every other service has finished with it.
struct DatabaseService: Service {
    let store: Store

    func run() async throws {
        await cancelWhenGracefulShutdown { await store.run() }
    }
}
