import Synchronization

/// One value read from the store and kept for a short time (so a change made by another instance shows within
/// `lifetime`); a write on this instance drops it at once, so this instance always reads its own writes.
final class StoreCache<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var loadedAt = ContinuousClock.now
        /// Bumped by every `invalidate`, so a read that started before a write never stores what it read.
        var generation = 0
    }
    private let lifetime: Duration
    private let state = Mutex(State())

    /// A cache whose value is read again after `lifetime`.
    init(lifetime: Duration = .seconds(1)) { self.lifetime = lifetime }

    /// The kept value while it is fresh; otherwise `load()`'s, kept unless a write came in meanwhile.
    func value(_ load: () async throws -> Value) async throws -> Value {
        let (cached, generation) = state.withLock { state -> (Value?, Int) in
            let fresh = state.value != nil && ContinuousClock.now - state.loadedAt < lifetime
            return (fresh ? state.value : nil, state.generation)
        }
        if let cached { return cached }
        let loaded = try await load()
        state.withLock { state in
            if state.generation == generation {
                state.value = loaded
                state.loadedAt = .now
            }
        }
        return loaded
    }

    /// Drops the kept value (after a write).
    func invalidate() {
        state.withLock { state in
            state.value = nil
            state.generation += 1
        }
    }
}
