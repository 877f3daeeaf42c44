import Logging
import ServiceLifecycle
import Synchronization

/// Pings the store in the background, one ping at a time, so `/readyz` and requests learn at once whether it
/// answers. A ping that takes longer than `deadline` counts as "not answering" while it is still waiting: a
/// stopped or frozen database is seen within `deadline`, and no reader ever waits for the store itself.
final class StoreProbe: Service, Sendable {
    /// What the last pings said.
    enum Status: Sendable, Equatable {
        /// No ping has finished yet.
        case unknown
        /// The last ping answered and none is overdue.
        case answering
        /// The last ping failed, or one has been waiting longer than the deadline.
        case notAnswering
    }

    private struct State {
        var lastAnswered: Bool?
        var pingStarted: ContinuousClock.Instant?
    }

    private let db: any AppDatabase
    private let interval: Duration
    private let deadline: Duration
    private let logger: Logger
    private let state = Mutex(State())

    /// A probe that pings every `interval` and gives up waiting for an answer after `deadline`.
    init(db: any AppDatabase, interval: Duration = .milliseconds(500), deadline: Duration = .milliseconds(800),
         logger: Logger) {
        self.db = db
        self.interval = interval
        self.deadline = deadline
        self.logger = logger
    }

    /// The store's status as of now.
    var status: Status {
        let now = ContinuousClock.now
        return state.withLock { state in
            if let started = state.pingStarted, now - started > deadline { return .notAnswering }
            switch state.lastAnswered {
            case nil: return .unknown
            case true?: return .answering
            case false?: return .notAnswering
            }
        }
    }

    /// Whether the last ping failed outright (refused, dropped, an error): the store is down, not merely slow.
    var lastPingFailed: Bool { state.withLock { $0.lastAnswered == false } }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.pingOnce()
                do { try await Task.sleep(for: self.interval) } catch { return }
            }
        }
    }

    /// One ping; its outcome replaces the last one (a ping after the store was closed at shutdown has none).
    func pingOnce() async {
        state.withLock { $0.pingStarted = .now }
        let answered: Bool?
        do {
            try await db.ping()
            answered = true
        } catch is StoreStopped {
            answered = nil
        } catch {
            answered = false
            if !Task.isCancelled { logger.debug("store ping failed", metadata: ["error": "\(error)"]) }
        }
        let previous = state.withLock { state -> Bool? in
            defer {
                state.lastAnswered = answered ?? state.lastAnswered
                state.pingStarted = nil
            }
            return state.lastAnswered
        }
        if previous == true, answered == false { logger.warning("the database stopped answering") }
        if previous == false, answered == true { logger.notice("the database answers again") }
    }
}
