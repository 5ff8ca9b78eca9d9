import Synchronization

/// A wake-up call between a synchronous path and one waiting task: `signal()` (cheap,
/// never blocks, from any thread) wakes the task waiting in `wait(timeout:)`, or the
/// next one to wait. Signals that arrive before the waiter takes them merge into one.
///
/// The budget book signals when a campaign is refused for want of a lease; the lease
/// keeper's service waits on it between settles, so a new or dry campaign is leased for
/// at once instead of at the next settle interval.
public final class WakeUpSignal: Sendable {
    private struct State {
        var signalled = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    /// Set while a signal waits to be taken: repeated signals then cost one atomic load.
    private let pending = Atomic<Bool>(false)
    private let state = Mutex(State())

    public init() {}

    /// Wakes the waiting task (or the next one to wait).
    public func signal() {
        // Set together with `signalled`, under the lock: when it reads true here, a signal
        // is waiting (or is being set) and this one merges into it.
        guard !pending.load(ordering: .relaxed) else { return }
        let waiter = state.withLock { state in
            pending.store(true, ordering: .relaxed)
            state.signalled = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Waits until a signal arrives or `timeout` passes, whichever is first; returns
    /// whether a signal arrived (and takes it). Returns at once when one is already
    /// waiting, and when the task is cancelled.
    public func wait(timeout: Duration) async -> Bool {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: timeout) }
            group.addTask { await self.waitForSignal() }
            await group.next()
            group.cancelAll()
        }
        return take()
    }

    /// Takes a waiting signal without waiting; returns whether there was one.
    public func take() -> Bool {
        state.withLock { state in
            defer {
                state.signalled = false
                pending.store(false, ordering: .relaxed)
            }
            return state.signalled
        }
    }

    /// Returns when signalled or cancelled.
    private func waitForSignal() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    guard !state.signalled, !Task.isCancelled else { return true }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}
