import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Runs answers as server-side tasks that outlive the browser's connection, one per conversation at a time.
/// Every answer is counted in the shutdown gate: on graceful shutdown new answers are refused, running ones get the
/// grace period, then are stopped and saved (`ShutdownGate`).
final class GenerationRegistry: Service, Sendable {
    struct Job: Sendable {
        let generation: Generation
        let work: @Sendable () async -> Void
    }

    private let jobs: AsyncStream<Job>
    private let jobsContinuation: AsyncStream<Job>.Continuation
    private let active = Mutex<[String: Generation]>([:])
    private let gate: ShutdownGate
    private let heartbeatInterval: Duration
    /// Called on every heartbeat with the answers in progress here: keeps their rows fresh, sweeps answers that no
    /// instance is generating any more (their server crashed), and returns those whose stop another instance asked for.
    private let onTick: @Sendable ([String]) async -> [String]

    init(heartbeatSeconds: Double, gate: ShutdownGate, onTick: @escaping @Sendable ([String]) async -> [String] = { _ in [] }) {
        self.onTick = onTick
        (jobs, jobsContinuation) = AsyncStream<Job>.makeStream()
        heartbeatInterval = .milliseconds(Int(heartbeatSeconds * 1000))
        self.gate = gate
    }

    /// The answer in progress in a conversation of this user, if any.
    func active(conversationId: String, userId: Int) -> Generation? {
        active.withLock { $0[conversationId] }.flatMap { $0.userId == userId ? $0 : nil }
    }

    /// Number of answers in progress.
    var count: Int { active.withLock { $0.count } }

    /// Registers an answer for a conversation; fails when one is already running there or the server is stopping.
    func reserve(_ generation: Generation) throws {
        try gate.enter()
        do {
            try active.withLock { active in
                if active[generation.conversationId] != nil {
                    throw AppError(.conflict, "generation_in_progress", "an answer is still being generated in this conversation")
                }
                active[generation.conversationId] = generation
            }
        } catch {
            gate.leave()
            throw error
        }
    }

    /// Starts the work of a reserved answer.
    func start(_ generation: Generation, work: @escaping @Sendable () async -> Void) {
        let job = Job(generation: generation) { [self] in
            await work()
            release(generation)
        }
        if case .terminated = jobsContinuation.yield(job) {
            release(generation)
            generation.finish(.failed(code: "shutting_down", message: "the server is restarting", status: "error"))
        }
    }

    /// Drops a reservation: one that was never started, or an answer that has ended (the first call counts it out).
    func release(_ generation: Generation) {
        let removed = active.withLock { active -> Bool in
            guard active[generation.conversationId] === generation else { return false }
            active[generation.conversationId] = nil
            return true
        }
        if removed { gate.leave() }
    }

    /// Starts the gate's drain without waiting for it.
    func beginShutdown() {
        Task { [gate] in await gate.drain() }
    }

    func run() async throws {
        await withTaskGroup(of: Void.self) { outer in
            outer.addTask { await self.heartbeats() }
            outer.addTask {
                await self.gate.graceOver.wait()
                for generation in self.active.withLock({ Array($0.values) }) { generation.requestStop(.shutdown) }
            }
            outer.addTask {
                do { try await gracefulShutdown() } catch { return }
                await self.gate.drain()
                self.jobsContinuation.finish()
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
