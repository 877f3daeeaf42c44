import Foundation
import Synchronization

/// What a subscriber of an answer receives.
enum GenerationEvent: Sendable {
    case delta(String)
    /// A piece of the model's thinking (shown apart from the answer, never sent back upstream).
    case reasoning(String)
    case done(status: String, finishReason: String, promptTokens: Int, completionTokens: Int)
    case failed(code: String, message: String, status: String)
    case heartbeat
}

/// One answer being generated: its text so far and everyone watching it. Outlives the request that started it.
final class Generation: Sendable {
    let conversationId: String
    let userId: Int
    let userMessageId: String
    let assistantMessageId: String
    let model: String

    private struct State {
        var text = ""
        var reasoning = ""
        var final: GenerationEvent?
        var stopReason: StopReason?
        var subscribers: [UUID: AsyncStream<GenerationEvent>.Continuation] = [:]
        var stopWaiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())

    init(conversationId: String, userId: Int, userMessageId: String, assistantMessageId: String, model: String) {
        self.conversationId = conversationId
        self.userId = userId
        self.userMessageId = userMessageId
        self.assistantMessageId = assistantMessageId
        self.model = model
    }

    /// The text generated so far.
    var text: String { state.withLock { $0.text } }
    /// The thinking generated so far.
    var reasoning: String { state.withLock { $0.reasoning } }
    /// Whether an explicit stop, timeout or shutdown was asked for.
    var stopReason: StopReason? { state.withLock { $0.stopReason } }
    /// Whether the answer has ended.
    var isFinished: Bool { state.withLock { $0.final != nil } }

    /// The text and thinking so far and a stream of what follows, taken atomically so nothing is missed or doubled.
    func subscribe() -> (snapshot: (text: String, reasoning: String), events: AsyncStream<GenerationEvent>) {
        let (stream, continuation) = AsyncStream<GenerationEvent>.makeStream(bufferingPolicy: .unbounded)
        let id = UUID()
        let snapshot = state.withLock { state -> (text: String, reasoning: String) in
            if let final = state.final {
                continuation.yield(final)
                continuation.finish()
            } else {
                state.subscribers[id] = continuation
            }
            return (state.text, state.reasoning)
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return (snapshot, stream)
    }

    /// Appends text and sends it to every subscriber.
    func append(_ delta: String) {
        state.withLock { state in
            guard state.final == nil else { return }
            state.text += delta
            for subscriber in state.subscribers.values { subscriber.yield(.delta(delta)) }
        }
    }

    /// Appends thinking and sends it to every subscriber.
    func appendReasoning(_ delta: String) {
        state.withLock { state in
            guard state.final == nil else { return }
            state.reasoning += delta
            for subscriber in state.subscribers.values { subscriber.yield(.reasoning(delta)) }
        }
    }

    /// Sends a keep-alive to every subscriber.
    func heartbeat() {
        state.withLock { state in
            for subscriber in state.subscribers.values { subscriber.yield(.heartbeat) }
        }
    }

    /// Ends the answer with a final event; later calls are ignored.
    func finish(_ event: GenerationEvent) {
        let subscribers = state.withLock { state -> [AsyncStream<GenerationEvent>.Continuation] in
            guard state.final == nil else { return [] }
            state.final = event
            let all = Array(state.subscribers.values)
            state.subscribers.removeAll()
            return all
        }
        for subscriber in subscribers {
            subscriber.yield(event)
            subscriber.finish()
        }
        releaseStopWaiters()
    }

    /// Asks the answer to stop; the first reason wins.
    func requestStop(_ reason: StopReason) {
        state.withLock { state in
            if state.stopReason == nil, state.final == nil { state.stopReason = reason }
        }
        releaseStopWaiters()
    }

    /// Returns once a stop was requested or the answer ended.
    func waitForStop() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.stopReason != nil || state.final != nil || Task.isCancelled { return true }
                    state.stopWaiters.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            releaseStopWaiters()
        }
    }

    private func releaseStopWaiters() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            let waiters = state.stopWaiters
            state.stopWaiters.removeAll()
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
