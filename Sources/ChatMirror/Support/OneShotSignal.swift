import Synchronization

/// Something that happens once (a connection closing, a grace period ending) that any number of tasks can wait for.
/// A waiter that ends (or is cancelled) is forgotten, so a signal that never fires keeps nothing per past waiter.
final class OneShotSignal: Sendable {
    private struct State {
        var fired = false
        var nextId = 0
        var waiters: [Int: AsyncStream<Never>.Continuation] = [:]
    }

    private let state = Mutex(State())

    init() {}

    var hasFired: Bool { state.withLock { $0.fired } }

    /// Fires the signal (once; later calls do nothing) and wakes every waiter.
    func fire() {
        let waiters = state.withLock { state -> [AsyncStream<Never>.Continuation] in
            guard !state.fired else { return [] }
            state.fired = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.finish() }
    }

    /// Returns once the signal has fired (at once if it has), or when the task is cancelled.
    func wait() async {
        let (fired, continuation) = AsyncStream<Never>.makeStream()
        let id = state.withLock { state -> Int? in
            guard !state.fired else { return nil }
            state.nextId += 1
            state.waiters[state.nextId] = continuation
            return state.nextId
        }
        guard let id else { return }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { _ = $0.waiters.removeValue(forKey: id) }
        }
        for await _ in fired {}
    }

    /// Waits for the signal at most `timeout`; says whether it fired.
    func wait(atMost timeout: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.wait(); return !Task.isCancelled }
            group.addTask { await Sleep.for(timeout); return false }
            let first = await group.next() ?? false
            group.cancelAll()
            return first || hasFired
        }
    }
}
