import Foundation
import Logging
import ServiceLifecycle

/// Keeps this instance's heartbeat and settles what dead instances left. Every second it marks this instance
/// alive, takes the open calls of instances silent for `OpenCalls.deadAfterMillis` (a process killed and
/// restarted on SQLite included), settles each by the one rule (`CallOutcome`, stopped as
/// `interrupted`: charged for the text its answer had flushed, refunded when there was none), writes its ledger
/// row, and marks those instances' streaming answers interrupted. Taking a call deletes its row, so each is
/// settled once, by one instance.
struct CallSweeper: Service {
    let calls: OpenCalls
    let conversations: ConversationRepository
    let quota: QuotaEngine
    let ledger: UsageLedger
    let clock: any AppClock
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var ticks = 0
            while !Task.isCancelled {
                // The first sweep is Bootstrap's, after the migrations.
                do { try await Task.sleep(for: interval) } catch { return }
                do {
                    try await sweepOnce()
                    ticks += 1
                    if ticks % 600 == 0 { try await calls.forgetLongDeadInstances() }
                } catch {
                    logger.warning("heartbeat or sweep failed", metadata: ["error": "\(error)"])
                }
            }
        }
        // Nothing is written after the shutdown signal: the store may be closing. This instance's row is simply left
        // to go silent (its answers were ended by the registry, its calls settled) and is forgotten an hour later.
    }

    /// One heartbeat and sweep; returns the calls it settled.
    @discardableResult
    func sweepOnce() async throws -> [OpenCall] {
        try await calls.heartbeat()
        let orphans = try await calls.claimOrphans(deadAfterMillis: OpenCalls.deadAfterMillis)
        for call in orphans { await settle(call) }
        try await conversations.markInterruptedAnswers()
        if !orphans.isEmpty { logger.notice("settled calls of a dead instance", metadata: ["upstream.calls": "\(orphans.count)"]) }
        return orphans
    }

    private func settle(_ call: OpenCall) async {
        let text = call.messageId == nil ? "" : (try? await conversations.message(id: call.messageId ?? "", userId: call.userId))?.content ?? ""
        let outcome = CallOutcome(ending: .stopped(.interrupted), finishReason: nil, producedOutput: !text.isEmpty, reported: nil,
                                  promptEstimate: call.promptEstimate, outputEstimate: TurnPlanner.estimateTokens(text))
        let reservation = QuotaReservation.stored(call.reservation)
        switch outcome.quota {
        case .settle(let tokens): await quota.settle(reservation, tokens: tokens)
        case .refund: await quota.refund(reservation)
        }
        do {
            try await ledger.record(UsageEvent(
                userId: call.userId, accountId: call.accountId, conversationId: call.conversationId, apiKeyId: call.apiKeyId,
                model: call.model, startedAt: call.startedAt, ttftMs: nil, durationMs: max(0, clock.nowMillis() - call.startedAt),
                promptTokens: outcome.promptTokens, completionTokens: outcome.completionTokens, outcome: outcome.ledgerOutcome,
                source: call.source))
        } catch {
            logger.error("could not write the ledger of an interrupted call", metadata: ["error": "\(error)"])
        }
    }
}
