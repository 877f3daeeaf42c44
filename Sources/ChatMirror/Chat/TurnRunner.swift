import Foundation
import Logging
import Synchronization

/// Runs one answer: tries the candidate accounts in order (failover before the first token), streams deltas
/// into the `Generation`, flushes partial text every few seconds, and saves the outcome whatever happens.
struct TurnRunner: Sendable {
    let service: ChatService
    let generation: Generation
    let assistant: Message
    let history: [ChatMessage]
    let candidates: [UpstreamAccount]
    let user: User
    let firstReservation: QuotaReservation
    var userId: Int { user.id }

    /// How the upstream part ended.
    private enum Outcome: Sendable {
        case completed(finishReason: String, accountId: Int, usage: (Int, Int)?)
        case failed(UpstreamFailure, accountId: Int?)
        case noAttempt(AppError)
    }

    private final class Progress: Sendable {
        let outcome = Mutex<Outcome?>(nil)
        let accountId = Mutex<Int?>(nil)
        let firstTokenAt = Mutex<Int?>(nil)
        let reservation = Mutex<QuotaReservation?>(nil)
    }

    func run() async {
        let started = service.clock.nowMillis()
        let progress = Progress()
        let maxDuration = Duration.seconds(service.config.maxGenerationSeconds)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await stream(progress: progress) }
            group.addTask { await generation.waitForStop() }
            group.addTask {
                do {
                    try await Task.sleep(for: maxDuration)
                    generation.requestStop(.timeout)
                } catch {}
            }
            await group.next()
            group.cancelAll()
        }
        await save(progress: progress, started: started)
    }

    private func stream(progress: Progress) async {
        var lastFailure: UpstreamFailure?
        var transientFailures = 0  // bounded by upstream.max_attempts, as in UpstreamCaller.open
        for (index, account) in candidates.enumerated() where transientFailures < service.config.upstreamMaxAttempts {
            if Task.isCancelled { return }
            if index == 0 {
                progress.reservation.withLock { $0 = firstReservation }
            } else {
                do {
                    let reservation = try await service.quota.reserve(user: user, account: account, model: generation.model)
                    progress.reservation.withLock { $0 = reservation }
                } catch let exceeded as QuotaExceeded where exceeded.level == "account" {
                    continue
                } catch let exceeded as QuotaExceeded {
                    progress.outcome.withLock { $0 = .noAttempt(exceeded.appError(now: service.clock.nowMillis())) }
                    return
                } catch {
                    progress.outcome.withLock { $0 = .noAttempt(AppError(.serviceUnavailable, "internal_error", "quota check failed")) }
                    return
                }
            }
            progress.accountId.withLock { $0 = account.id }
            service.pool.acquire(account.id)
            defer { service.pool.release(account.id) }
            var finishReason = "stop"
            var usage: (Int, Int)?
            var lastFlush = service.clock.now()
            do {
                let apiKey = try account.sealedCredential.map { try service.sealer.open($0) }
                try await service.adapters.adapter(for: account).streamChat(
                    account: account, apiKey: apiKey,
                    request: UpstreamChatRequest(
                        model: generation.model, messages: history,
                        endUser: service.config.upstreamSendUserId ? service.sealer.opaqueUserId(user.id) : nil),
                    timeouts: UpstreamTimeouts(firstByteSeconds: service.config.upstreamFirstTokenTimeoutSeconds)
                ) { event in
                    switch event {
                    case .delta(let text):
                        if progress.firstTokenAt.withLock({ $0 }) == nil {
                            progress.firstTokenAt.withLock { $0 = service.clock.nowMillis() }
                        }
                        generation.append(text)
                        let now = service.clock.now()
                        if now.timeIntervalSince(lastFlush) >= service.config.flushIntervalSeconds {
                            lastFlush = now
                            let stopAsked = try? await service.conversations.flush(messageId: assistant.id, content: generation.text)
                            if stopAsked == true { generation.requestStop(.cancelled) }  // asked on another instance
                        }
                    case .usage(let prompt, let completion):
                        usage = (prompt, completion)
                    case .finish(let reason):
                        finishReason = reason
                    }
                }
                await service.pool.record(nil, on: account)
                progress.outcome.withLock { $0 = .completed(finishReason: finishReason, accountId: account.id, usage: usage) }
                return
            } catch is CancellationError {
                return
            } catch let failure as UpstreamFailure {
                if Task.isCancelled { return }
                await service.pool.record(failure, on: account, model: generation.model)
                if failure.isTransient { transientFailures += 1 }
                service.logger.warning("upstream attempt failed", metadata: [
                    "upstream.account_id": "\(account.id)", "upstream.failure": "\(failure.kind.rawValue)",
                    "upstream.status": "\(failure.status.map(String.init) ?? "-")", "chat.conversation_id": "\(generation.conversationId)",
                ])
                lastFailure = failure
                let hadText = progress.firstTokenAt.withLock { $0 } != nil
                if hadText || !failure.isRetryableElsewhere {
                    progress.outcome.withLock { $0 = .failed(failure, accountId: account.id) }
                    return
                }
                if let reservation = progress.reservation.withLock({ $0 }) {
                    await service.quota.refund(reservation)
                    progress.reservation.withLock { $0 = nil }
                }
            } catch {
                service.logger.error("upstream attempt failed unexpectedly", metadata: ["error": "\(error)"])
                lastFailure = UpstreamFailure(kind: .badResponse, status: nil, message: "\(error)")
            }
        }
        if let lastFailure {
            progress.outcome.withLock { $0 = .failed(lastFailure, accountId: progress.accountId.withLock { $0 }) }
        } else {
            progress.outcome.withLock { $0 = .noAttempt(AppError(.serviceUnavailable, "no_upstream", "no upstream account could take this answer")) }
        }
    }

    private func save(progress: Progress, started: Int) async {
        let text = generation.text
        var message = assistant
        message.content = text
        message.accountId = progress.accountId.withLock { $0 }
        let promptEstimate = TurnPlanner.estimateTokens(history)
        let final: GenerationEvent
        let outcomeName: String
        switch progress.outcome.withLock({ $0 }) {
        case .completed(let reason, let accountId, let usage):
            message.status = MessageStatus.complete.rawValue
            message.finishReason = reason
            message.accountId = accountId
            message.promptTokens = usage?.0 ?? promptEstimate
            message.completionTokens = usage?.1 ?? TurnPlanner.estimateTokens(text)
            final = .done(status: message.status, finishReason: reason, promptTokens: message.promptTokens ?? 0,
                          completionTokens: message.completionTokens ?? 0)
            outcomeName = "ok"
        case .failed(let failure, _):
            let error = failure.appError
            message.status = text.isEmpty ? MessageStatus.error.rawValue : MessageStatus.incomplete.rawValue
            message.finishReason = "upstream_error"
            message.errorCode = error.code
            message.errorMessage = error.message
            message.promptTokens = text.isEmpty ? 0 : promptEstimate
            message.completionTokens = TurnPlanner.estimateTokens(text)
            final = .failed(code: error.code, message: error.message, status: message.status)
            outcomeName = "upstream_error"
        case .noAttempt(let error):
            message.status = MessageStatus.error.rawValue
            message.finishReason = "upstream_error"
            message.errorCode = error.code
            message.errorMessage = error.message
            final = .failed(code: error.code, message: error.message, status: message.status)
            outcomeName = "no_upstream"
        case nil:
            let reason = generation.stopReason ?? .cancelled
            message.status = MessageStatus.incomplete.rawValue
            message.finishReason = reason.rawValue
            message.promptTokens = text.isEmpty ? 0 : promptEstimate
            message.completionTokens = TurnPlanner.estimateTokens(text)
            final = .done(status: message.status, finishReason: reason.rawValue, promptTokens: message.promptTokens ?? 0,
                          completionTokens: message.completionTokens ?? 0)
            outcomeName = reason.rawValue
        }
        if let reservation = progress.reservation.withLock({ $0 }) {
            if text.isEmpty, outcomeName != "ok" {
                await service.quota.refund(reservation)
            } else {
                await service.quota.settle(reservation, tokens: (message.promptTokens ?? 0) + (message.completionTokens ?? 0))
            }
        }
        do {
            if generation.stopReason != .deleted {
                try await service.conversations.finish(message, conversationId: generation.conversationId)
            }
        } catch {
            service.logger.error("could not save the answer", metadata: ["chat.message_id": "\(message.id)", "error": "\(error)"])
        }
        let now = service.clock.nowMillis()
        let firstToken = progress.firstTokenAt.withLock { $0 }
        try? await service.ledger.record(UsageEvent(
            userId: userId, accountId: message.accountId, conversationId: generation.conversationId, apiKeyId: nil,
            model: generation.model, startedAt: started, ttftMs: firstToken.map { $0 - started }, durationMs: now - started,
            promptTokens: message.promptTokens ?? 0, completionTokens: message.completionTokens ?? 0, outcome: outcomeName, source: "web"))
        service.registry.release(generation)
        generation.finish(final)
    }
}
