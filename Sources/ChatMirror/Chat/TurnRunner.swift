import Foundation
import Logging

/// Runs one web answer on the upstream-call engine: streams thinking and text into the `Generation`, flushes
/// them every few seconds, and saves the outcome whatever happens (a stop, the time limit, a failure).
struct TurnRunner: Sendable {
    let service: ChatService
    let generation: Generation
    let assistant: Message
    let history: [ChatMessage]
    let admission: Admission

    /// How the failover phase ended.
    private enum Start: Sendable {
        case started(ActiveCall)
        case refused(CallRefused)
        case stopped(StopReason)
    }

    func run() async {
        let deadline = ContinuousClock.now + .seconds(service.config.maxGenerationSeconds)
        let engine = service.engine
        let request = UpstreamChatRequest(
            model: generation.model, history: history,
            endUser: service.config.upstreamSendUserId ? engine.sealer.opaqueUserId(admission.context.user.id) : nil)
        let outcome: CallOutcome
        let accountId: Int?
        switch await start(request, deadline: deadline) {
        case .started(let call):
            accountId = call.account.id
            let generation = self.generation
            var lastFlush = ContinuousClock.now
            let ending = await call.drain(maxDuration: deadline - ContinuousClock.now, stop: {
                await generation.waitForStop()
                return generation.stopReason ?? .cancelled
            }) { chunk in
                for choice in chunk.choices where choice.index == 0 {
                    if let text = choice.reasoning, !text.isEmpty { generation.appendReasoning(text) }
                    if let text = choice.content, !text.isEmpty { generation.append(text) }
                    if let text = choice.refusal, !text.isEmpty { generation.append(text) }
                }
                let now = ContinuousClock.now
                if now - lastFlush >= .milliseconds(Int(service.config.flushIntervalSeconds * 1000)) {
                    lastFlush = now
                    let stopAsked = try? await service.conversations.flush(messageId: assistant.id, content: generation.text,
                                                                           reasoning: generation.reasoning)
                    if stopAsked == true { generation.requestStop(.cancelled) }  // asked on another instance
                }
            }
            outcome = await call.finish(ending)
        case .refused(let refused):
            accountId = refused.accountId
            outcome = refused.outcome
        case .stopped(let reason):
            accountId = nil
            outcome = CallOutcome(ending: .stopped(reason), finishReason: nil, producedOutput: false, reported: nil,
                                  promptEstimate: admission.context.promptEstimate, outputEstimate: 0)
            await engine.conclude(admission, outcome: outcome, accountId: nil, reservation: nil)
        }
        await save(outcome, accountId: accountId)
    }

    /// The failover phase, ended early by a stop or the time limit (an answer that opened just as the stop came
    /// is ended as stopped, so its quota and ledger are settled too).
    private func start(_ request: UpstreamChatRequest, deadline: ContinuousClock.Instant) async -> Start {
        let engine = service.engine
        let admission = self.admission
        let generation = self.generation
        return await withTaskGroup(of: Start?.self) { group in
            group.addTask {
                do {
                    return .started(try await engine.start(admission, request: request))
                } catch let refused as CallRefused {
                    return .refused(refused)
                } catch {
                    return .stopped(generation.stopReason ?? .cancelled)
                }
            }
            group.addTask {
                await generation.waitForStop()
                return Task.isCancelled ? nil : .stopped(generation.stopReason ?? .cancelled)
            }
            group.addTask {
                await Sleep.until(deadline)
                if Task.isCancelled { return nil }
                generation.requestStop(.timeout)
                return .stopped(.timeout)
            }
            var result: Start?
            while let item = await group.next() {
                guard let item else { continue }
                switch (result, item) {
                case (nil, _):
                    result = item
                    group.cancelAll()
                case (.stopped?, .refused):
                    result = item  // its ledger row is written already
                case (_, .started(let late)):
                    await late.finish(.stopped(generation.stopReason ?? .cancelled))
                default:
                    break
                }
            }
            return result ?? .stopped(.cancelled)
        }
    }

    private func save(_ outcome: CallOutcome, accountId: Int?) async {
        var message = assistant
        message.content = generation.text
        message.reasoning = generation.reasoning.isEmpty ? nil : generation.reasoning
        message.accountId = accountId
        message.status = outcome.status
        message.finishReason = outcome.finishReason
        message.promptTokens = outcome.promptTokens
        message.completionTokens = outcome.completionTokens
        message.errorCode = outcome.error?.code
        message.errorMessage = outcome.error?.message
        let final: GenerationEvent = if let error = outcome.error {
            .failed(code: error.code, message: error.message, status: outcome.status)
        } else {
            .done(status: outcome.status, finishReason: outcome.finishReason, promptTokens: outcome.promptTokens,
                  completionTokens: outcome.completionTokens)
        }
        do {
            if generation.stopReason != .deleted {
                try await service.conversations.finish(message, conversationId: generation.conversationId)
            }
        } catch {
            service.logger.error("could not save the answer", metadata: ["chat.message_id": "\(message.id)", "error": "\(error)"])
        }
        service.registry.release(generation)
        generation.finish(final)
    }
}
