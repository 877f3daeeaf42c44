import Foundation

/// Why an answer stopped before the upstream finished it.
enum StopReason: String, Sendable {
    case cancelled, timeout, shutdown, deleted
    /// Its instance died (kill -9, a lost machine): a survivor settled it.
    case interrupted
}

extension StopReason {
    /// What a `/v1` client still waiting is told when its answer was stopped for this reason (nil: nobody is).
    var clientError: AppError? {
        switch self {
        case .timeout: AppError(.gatewayTimeout, "generation_timeout", "the answer took longer than the site allows")
        case .shutdown: ShutdownGate.refusal
        case .cancelled, .deleted, .interrupted: nil
        }
    }

    /// A stop (for `ActiveCall.drain`) that comes with the first of `stops`.
    static func first(of stops: [@Sendable () async -> StopReason]) -> @Sendable () async -> StopReason {
        {
            await withTaskGroup(of: StopReason.self) { group in
                for stop in stops { group.addTask { await stop() } }
                let reason = await group.next() ?? .cancelled
                group.cancelAll()
                return reason
            }
        }
    }
}

/// How an upstream call ended, as its reader saw it.
enum CallEnding: Sendable, Equatable {
    /// The upstream finished the answer (`[DONE]` / `message_stop`).
    case completed
    /// The upstream failed (before or after output).
    case failed(UpstreamFailure)
    /// ChatMirror stopped it: the user, the client going away, the time limit, a shutdown, a deletion.
    case stopped(StopReason)
    /// No upstream was tried: no account, or a quota refused the turn.
    case refused(AppError, ledgerOutcome: String)
}

extension CallEnding {
    /// What a client still waiting is told: the failure, or the stop reason's error; nil after an answer ended well
    /// or a stop nobody waits for.
    var clientError: AppError? {
        switch self {
        case .completed, .refused: nil
        case .failed(let failure): failure.appError
        case .stopped(let reason): reason.clientError
        }
    }
}

/// What is done with a turn's quota reservation.
enum QuotaAction: Sendable, Equatable {
    case settle(tokens: Int)
    case refund
}

/// The one rule that maps how a call ended to the answer's state, its closing event, its ledger row and its quota.
/// Pure: the same inputs give the same outcome, on the web path and on `/v1`.
struct CallOutcome: Sendable, Equatable {
    /// complete, incomplete or error (`MessageStatus` raw values).
    let status: String
    /// The upstream's finish reason; `upstream_error` after a failure; the stop reason after a stop.
    let finishReason: String
    let promptTokens: Int
    let completionTokens: Int
    let quota: QuotaAction
    /// The ledger's `outcome`: ok, upstream_error, cancelled, timeout, shutdown, deleted, no_upstream, quota.
    let ledgerOutcome: String
    /// What the user is told when the call failed or was refused.
    let error: AppError?

    /// - Parameters:
    ///   - finishReason: the last finish reason the upstream sent, if any.
    ///   - producedOutput: whether anything a client sees (text, thinking, a tool call, a refusal) arrived.
    ///   - reported: the upstream's usage, if it sent any.
    ///   - promptEstimate / outputEstimate: token estimates used when the upstream reported nothing.
    init(ending: CallEnding, finishReason: String?, producedOutput: Bool, reported: UsageReport?, promptEstimate: Int,
         outputEstimate: Int) {
        let estimated = (UsageReport.clamp(promptEstimate), UsageReport.clamp(outputEstimate))
        let used = reported.map { ($0.prompt, $0.completion) } ?? estimated
        switch ending {
        case .completed:
            status = "complete"
            self.finishReason = finishReason ?? "stop"
            (promptTokens, completionTokens) = used
            ledgerOutcome = "ok"
            error = nil
        case .failed(let failure):
            status = producedOutput ? "incomplete" : "error"
            self.finishReason = "upstream_error"
            (promptTokens, completionTokens) = producedOutput ? used : (0, 0)
            ledgerOutcome = "upstream_error"
            error = failure.appError
        case .stopped(let reason):
            status = "incomplete"
            self.finishReason = reason.rawValue
            (promptTokens, completionTokens) = producedOutput ? used : (0, 0)
            ledgerOutcome = reason.rawValue
            error = nil
        case .refused(let appError, let outcome):
            status = "error"
            self.finishReason = "upstream_error"
            (promptTokens, completionTokens) = (0, 0)
            ledgerOutcome = outcome
            error = appError
        }
        quota = producedOutput || ending == .completed ? .settle(tokens: promptTokens + completionTokens) : .refund
    }
}
