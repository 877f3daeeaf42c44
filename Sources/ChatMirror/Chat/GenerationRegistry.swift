import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Runs answers as server-side tasks that outlive the browser's connection, one per conversation at a time.
/// On graceful shutdown it stops taking new answers, gives running ones a grace period, then stops and saves them.
final class GenerationRegistry: Service, Sendable {
    struct Job: Sendable {
        let generation: Generation
        let work: @Sendable () async -> Void
    }

    private let jobs: AsyncStream<Job>
    private let jobsContinuation: AsyncStream<Job>.Continuation
    private let active = Mutex<[String: Generation]>([:])
    private let accepting = Mutex(true)
    private let heartbeatInterval: Duration
    private let shutdownGrace: Duration
    private let logger: Logger
    /// Called on every heartbeat with the answers in progress here: keeps their rows fresh, sweeps answers that no
    /// instance is generating any more (their server crashed), and returns those whose stop another instance asked for.
    private let onTick: @Sendable ([String]) async -> [String]

    init(heartbeatSeconds: Double, shutdownGraceSeconds: Double, logger: Logger,
         onTick: @escaping @Sendable ([String]) async -> [String] = { _ in [] }) {
        self.onTick = onTick
        (jobs, jobsContinuation) = AsyncStream<Job>.makeStream()
        heartbeatInterval = .milliseconds(Int(heartbeatSeconds * 1000))
        shutdownGrace = .milliseconds(Int(shutdownGraceSeconds * 1000))
        self.logger = logger
    }

    /// The answer in progress in a conversation of this user, if any.
    func active(conversationId: String, userId: Int) -> Generation? {
        active.withLock { $0[conversationId] }.flatMap { $0.userId == userId ? $0 : nil }
    }

    /// Number of answers in progress.
    var count: Int { active.withLock { $0.count } }

    /// Registers an answer for a conversation; fails when one is already running there or the server is stopping.
    func reserve(_ generation: Generation) throws {
        guard accepting.withLock({ $0 }) else {
            throw AppError(.serviceUnavailable, "shutting_down", "the server is restarting; try again in a moment")
        }
        try active.withLock { active in
            if active[generation.conversationId] != nil {
                throw AppError(.conflict, "generation_in_progress", "an answer is still being generated in this conversation")
            }
            active[generation.conversationId] = generation
        }
    }

    /// Starts the work of a reserved answer.
    func start(_ generation: Generation, work: @escaping @Sendable () async -> Void) {
        let job = Job(generation: generation) { [self] in
            await work()
            self.active.withLock { active in
                if active[generation.conversationId] === generation { active[generation.conversationId] = nil }
            }
        }
        if case .terminated = jobsContinuation.yield(job) {
            release(generation)
            generation.finish(.failed(code: "shutting_down", message: "the server is restarting", status: "error"))
        }
    }

    /// Drops a reservation that was never started.
    func release(_ generation: Generation) {
        active.withLock { active in
            if active[generation.conversationId] === generation { active[generation.conversationId] = nil }
        }
    }

    func run() async throws {
        await withTaskGroup(of: Void.self) { outer in
            outer.addTask { await self.heartbeats() }
            outer.addTask {
                do { try await gracefulShutdown() } catch { return }
                self.accepting.withLock { $0 = false }
                self.jobsContinuation.finish()
                if self.count > 0 {
                    self.logger.info("waiting for answers in progress", metadata: ["chat.active": "\(self.count)"])
                    try? await Task.sleep(for: self.shutdownGrace)
                }
                for generation in self.active.withLock({ Array($0.values) }) { generation.requestStop(.shutdown) }
            }
            await withDiscardingTaskGroup { group in
                for await job in jobs {
                    group.addTask { await job.work() }
                }
            }
            outer.cancelAll()
        }
    }

    private func heartbeats() async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: heartbeatInterval) } catch { return }
            let running = active.withLock { Array($0.values) }
            for generation in running { generation.heartbeat() }
            let stops = Set(await onTick(running.map(\.assistantMessageId)))
            for generation in running where stops.contains(generation.assistantMessageId) { generation.requestStop(.cancelled) }
        }
    }
}
