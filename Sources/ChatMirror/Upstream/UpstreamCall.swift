import Foundation
import Logging

/// Who a call is for, and where its ledger row goes.
struct CallContext: Sendable {
    let user: User
    /// The model as the user named it.
    let model: String
    /// `web` or `api`.
    let source: String
    var conversationId: String?
    /// The web answer's message.
    var messageId: String?
    var apiKeyId: Int?
    /// The prompt's estimated tokens, charged when the upstream reports no usage.
    let promptEstimate: Int
}

/// The accounts that may serve a call, with quota already reserved on the first of them.
struct Admission: Sendable {
    /// The call's row in `open_calls` until it is settled.
    let callId: String
    let context: CallContext
    let candidates: [UpstreamAccount]
    let reservation: QuotaReservation
    let startedAt: Int
}

/// A call that did not reach an answer: every account failed, a quota or the pool refused it, or a request the
/// upstream refused. Its ledger row is written and its quota refunded.
struct CallRefused: Error, Sendable {
    let outcome: CallOutcome
    let accountId: Int?
    var appError: AppError { outcome.error ?? AppError(.badGateway, "upstream_error", "the upstream failed") }
}

/// The one engine for every upstream call, web and `/v1` alike. Per attempt it reserves quota (the first
/// reservation at admission), counts the call in flight, unseals the key, opens the answer, and fails over until
/// the first event a client would see; then it hands an `ActiveCall` to the path, which only consumes events.
/// How the call ended is settled by `ActiveCall.finish` with the one rule in `CallOutcome`.
struct UpstreamCallEngine: Sendable {
    let pool: AccountPool
    let adapters: UpstreamAdapters
    let sealer: KeySealer
    let quota: QuotaEngine
    let ledger: UsageLedger
    let calls: OpenCalls
    let clock: any AppClock
    let config: AppConfig
    let logger: Logger

    /// Picks the candidate accounts and reserves quota on the first whose own limit admits. Throws the `AppError`
    /// the client sees: no account (503), all cooling (503 with `Retry-After`), a quota (429).
    func admit(_ context: CallContext, pinned: Int?) async throws -> Admission {
        let now = clock.nowMillis()
        var candidates: [UpstreamAccount]
        switch try await pool.candidates(for: context.user, model: context.model, pinned: pinned) {
        case .success(let list): candidates = list
        case .failure(.noAccountForModel):
            throw AppError(.serviceUnavailable, "no_upstream", "no upstream account serves '\(context.model)' for you")
        case .failure(.allUnavailable(let until)):
            throw Self.unavailable(model: context.model, until: until, now: now)
        }
        var accountLimit: QuotaExceeded?
        while let account = candidates.first {
            do {
                let reservation = try await quota.reserve(user: context.user, account: account, model: context.model)
                let admission = Admission(callId: UUID().uuidString.lowercased(), context: context, candidates: candidates,
                                          reservation: reservation, startedAt: now)
                do {
                    try await calls.open(OpenCall(
                        id: admission.callId, instanceId: calls.instanceId, reservation: reservation.id, userId: context.user.id,
                        accountId: account.id, conversationId: context.conversationId, messageId: context.messageId,
                        apiKeyId: context.apiKeyId, model: context.model, source: context.source, startedAt: now,
                        promptEstimate: UsageReport.clamp(context.promptEstimate)))
                } catch {
                    await quota.refund(reservation)
                    throw error
                }
                return admission
            } catch let exceeded as QuotaExceeded where exceeded.level == "account" {
                accountLimit = exceeded
                candidates.removeFirst()
            } catch let exceeded as QuotaExceeded {
                await record(context, startedAt: now, accountId: nil, outcome: nil, ledgerOutcome: "quota")
                throw exceeded.appError(now: clock.nowMillis())
            }
        }
        await record(context, startedAt: now, accountId: nil, outcome: nil, ledgerOutcome: "quota")
        throw (accountLimit ?? QuotaExceeded(level: "account", window: "", limit: 0, used: 0, unit: "requests", resetsAt: now))
            .appError(now: clock.nowMillis())
    }

    /// Gives back an admission whose call never started (the turn was refused after admission).
    func abandon(_ admission: Admission) async {
        guard await claim(admission) else { return }
        await quota.refund(admission.reservation)
    }

    /// Settles a call once: takes its `open_calls` row (a survivor may have taken it, thinking this instance dead:
    /// then it settled the call), applies the quota action to `reservation`, and writes the ledger row.
    func conclude(_ admission: Admission, outcome: CallOutcome, accountId: Int?, reservation: QuotaReservation?,
                  firstEventAt: Int? = nil) async {
        guard await claim(admission) else { return }
        if let reservation {
            switch outcome.quota {
            case .settle(let tokens): await quota.settle(reservation, tokens: tokens)
            case .refund: await quota.refund(reservation)
            }
        }
        await record(admission.context, startedAt: admission.startedAt, accountId: accountId, outcome: outcome,
                     ledgerOutcome: outcome.ledgerOutcome, firstEventAt: firstEventAt)
    }

    private func claim(_ admission: Admission) async -> Bool {
        do {
            return try await calls.claim(id: admission.callId)
        } catch {
            // The store did not answer: settle anyway (the quota and ledger writes will tell if it is still away).
            logger.error("could not claim the call", metadata: ["upstream.call_id": "\(admission.callId)", "error": "\(error)"])
            return true
        }
    }

    /// The 503 when every account for `model` is cooling down or full, with `Retry-After` when a cooldown ends.
    static func unavailable(model: String, until: Int?, now: Int) -> AppError {
        guard let until, let when = ISOTime.string(millis: until) else {
            return AppError(.serviceUnavailable, "upstream_unavailable", "every upstream account for '\(model)' is busy or cooling down",
                            headers: [.retryAfter: "1"])
        }
        let seconds = max(1, (until - now + 999) / 1000)
        return AppError(.serviceUnavailable, "upstream_unavailable", "every upstream account for '\(model)' is cooling down until \(when)",
                        headers: [.retryAfter: String(seconds)], details: ["resets_at": .string(when)])
    }

    /// Tries the candidates in order until one answers with something a client sees (or finishes an empty answer).
    /// Throws `CallRefused` (ledger written) or `CancellationError` (nothing charged, nothing written: the path
    /// records the stop).
    func start(_ admission: Admission, request: UpstreamChatRequest) async throws -> ActiveCall {
        try await failover(admission) { account, reservation in
            try await attempt(account, request: request, admission: admission, reservation: reservation)
        }
    }

    /// The failover loop every call shares. Each attempt reserves quota on its account (the admission's
    /// reservation is the first attempt's), counts the call in flight, and runs `attempt`; a failed attempt is
    /// refunded, released and recorded on its account. `upstream.max_attempts` bounds the attempts that failed
    /// for a passing reason; an account that refuses its key, rate-limits or lacks the model is out of the pool
    /// at once and does not use up the budget. A request the upstream refused (400) is not tried elsewhere.
    /// `attempt` returns holding the reservation and the in-flight count, which its result must end.
    func failover<Result: Sendable>(
        _ admission: Admission, accept: (UpstreamAccount) -> Bool = { _ in true },
        attempt: (UpstreamAccount, QuotaReservation) async throws -> Result
    ) async throws -> Result {
        let context = admission.context
        // The admission's reservation was made for the first candidate; it serves only that account.
        var reservation: QuotaReservation? = admission.reservation
        let reservedFor = admission.candidates.first?.id
        var lastFailure: UpstreamFailure?
        var lastAccount: Int?
        var accountLimit: QuotaExceeded?
        var transientFailures = 0
        for account in admission.candidates where transientFailures < config.upstreamMaxAttempts && accept(account) {
            if Task.isCancelled { break }
            if let held = reservation, account.id != reservedFor {
                await quota.refund(held)
                reservation = nil
            }
            if reservation == nil {
                do {
                    let fresh = try await quota.reserve(user: context.user, account: account, model: context.model)
                    reservation = fresh
                    try? await calls.move(id: admission.callId, reservation: fresh.id, accountId: account.id)
                } catch let exceeded as QuotaExceeded where exceeded.level == "account" {
                    accountLimit = exceeded
                    continue
                } catch let exceeded as QuotaExceeded {
                    throw await refuse(admission, .refused(exceeded.appError(now: clock.nowMillis()), ledgerOutcome: "quota"), account: nil)
                } catch {
                    logger.error("quota reservation failed", metadata: ["error": "\(error)"])
                    throw await refuse(admission, .refused(AppError(.serviceUnavailable, "not_ready", "the quota store is not reachable",
                                                                    headers: [.retryAfter: "1"]), ledgerOutcome: "no_upstream"), account: nil)
                }
            }
            guard let held = reservation else { continue }
            reservation = nil
            lastAccount = account.id
            pool.acquire(account.id)
            do {
                return try await attempt(account, held)
            } catch {
                pool.release(account.id)
                await quota.refund(held)
                guard let failure = Self.failure(error, logger: logger) else { throw CancellationError() }
                await pool.record(failure, on: account, model: context.model)
                logger.warning("upstream attempt failed", metadata: [
                    "upstream.account_id": "\(account.id)", "upstream.failure": "\(failure.kind.rawValue)",
                    "upstream.status": "\(failure.status.map(String.init) ?? "-")",
                ])
                lastFailure = failure
                if failure.kind == .badRequest { break }
                if failure.isTransient { transientFailures += 1 }
            }
        }
        if let reservation { await quota.refund(reservation) }
        try Task.checkCancellation()
        if let lastFailure { throw await refuse(admission, .failed(lastFailure), account: lastAccount) }
        if let accountLimit {
            throw await refuse(admission, .refused(accountLimit.appError(now: clock.nowMillis()), ledgerOutcome: "quota"), account: nil)
        }
        throw await refuse(admission, .refused(AppError(.serviceUnavailable, "no_upstream", "no upstream account could take this request"),
                                               ledgerOutcome: "no_upstream"), account: nil)
    }

    /// The attempt's failure, typed; nil for a cancellation.
    private static func failure(_ error: any Error, logger: Logger) -> UpstreamFailure? {
        if let failure = error as? UpstreamFailure { return failure }
        if error is CancellationError || Task.isCancelled { return nil }
        logger.error("upstream attempt failed unexpectedly", metadata: ["error": "\(error)"])
        return UpstreamFailure(kind: .badResponse, status: nil, message: "unexpected error: \(error)")
    }

    /// One attempt: unseal, open, read up to the first visible chunk. Throws `UpstreamFailure` or cancellation.
    func attempt(_ account: UpstreamAccount, request: UpstreamChatRequest, admission: Admission,
                         reservation: QuotaReservation) async throws -> ActiveCall {
        let adapter = adapters.adapter(for: account)
        let stream = try await adapter.open(account: account, apiKey: try unseal(account), request: request,
                                            timeouts: UpstreamTimeouts(firstByteSeconds: config.upstreamFirstTokenTimeoutSeconds))
        let call = ActiveCall(engine: self, admission: admission, account: account, reservation: reservation,
                              reader: adapter.reader(for: stream))
        try await call.readUntilVisible()
        return call
    }

    /// The account's API key; a key this master key cannot open fails like a refused credential.
    func unseal(_ account: UpstreamAccount) throws -> String? {
        do {
            return try account.sealedCredential.map { try sealer.open($0) }
        } catch {
            throw UpstreamFailure(kind: .authentication, status: nil,
                                  message: "the stored API key cannot be unsealed with this master key; enter the key again")
        }
    }

    private func refuse(_ admission: Admission, _ ending: CallEnding, account: Int?) async -> CallRefused {
        let outcome = CallOutcome(ending: ending, finishReason: nil, producedOutput: false, reported: nil,
                                  promptEstimate: admission.context.promptEstimate, outputEstimate: 0)
        await conclude(admission, outcome: outcome, accountId: account, reservation: nil)
        return CallRefused(outcome: outcome, accountId: account)
    }

    /// Writes the call's ledger row.
    func record(_ context: CallContext, startedAt: Int, accountId: Int?, outcome: CallOutcome?, ledgerOutcome: String,
                firstEventAt: Int? = nil) async {
        do {
            try await ledger.record(UsageEvent(
                userId: context.user.id, accountId: accountId, conversationId: context.conversationId, apiKeyId: context.apiKeyId,
                model: context.model, startedAt: startedAt, ttftMs: firstEventAt.map { max(0, $0 - startedAt) },
                durationMs: max(0, clock.nowMillis() - startedAt), promptTokens: outcome?.promptTokens ?? 0,
                completionTokens: outcome?.completionTokens ?? 0, outcome: ledgerOutcome, source: context.source))
        } catch {
            logger.error("could not write the ledger", metadata: ["error": "\(error)"])
        }
    }
}
