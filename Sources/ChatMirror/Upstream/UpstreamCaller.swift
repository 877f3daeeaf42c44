import Foundation
import Logging

/// Opens an answer on the first candidate account that takes it (failover before the first byte of the answer),
/// counting in-flight calls and recording each account's outcome.
struct UpstreamCaller: Sendable {
    let pool: AccountPool
    let adapters: UpstreamAdapters
    let sealer: KeySealer
    let quota: QuotaEngine
    let config: AppConfig
    let logger: Logger

    /// An opened answer on one account; `finish` must be called once it is read (or abandoned).
    struct Opened: Sendable {
        let account: UpstreamAccount
        let stream: OpenedStream
        let adapter: any UpstreamAdapter
        let reservation: QuotaReservation
    }

    /// Tries the candidates in order; each attempt first reserves quota for `user` on that account (an account at
    /// its own limit is skipped; a user or site limit throws `QuotaExceeded`), and a failed attempt is refunded.
    /// `upstream.max_attempts` bounds the attempts that failed for a passing reason (5xx, connect, timeout); an
    /// account that refuses its key, rate-limits or lacks the model is out of the pool at once and does not use
    /// up the budget, so a healthy account further down the list is still reached.
    func open(candidates: [UpstreamAccount], request: UpstreamChatRequest, user: User) async throws -> Opened {
        var lastFailure: UpstreamFailure?
        var accountLimit: QuotaExceeded?
        var transientFailures = 0
        for account in candidates where transientFailures < config.upstreamMaxAttempts {
            try Task.checkCancellation()
            let adapter = adapters.adapter(for: account)
            let reservation: QuotaReservation
            do {
                reservation = try await quota.reserve(user: user, account: account, model: request.model)
            } catch let exceeded as QuotaExceeded where exceeded.level == "account" {
                accountLimit = exceeded
                continue
            }
            pool.acquire(account.id)
            do {
                let apiKey = try account.sealedCredential.map { try sealer.open($0) }
                let stream = try await adapter.open(account: account, apiKey: apiKey, request: request,
                                                    timeouts: UpstreamTimeouts(firstByteSeconds: config.upstreamFirstTokenTimeoutSeconds))
                return Opened(account: account, stream: stream, adapter: adapter, reservation: reservation)
            } catch let failure as UpstreamFailure {
                pool.release(account.id)
                await quota.refund(reservation)
                await pool.record(failure, on: account, model: request.model)
                logger.warning("upstream attempt failed", metadata: [
                    "upstream.account_id": "\(account.id)", "upstream.failure": "\(failure.kind.rawValue)",
                    "upstream.status": "\(failure.status.map(String.init) ?? "-")",
                ])
                lastFailure = failure
                if !failure.isRetryableElsewhere { throw failure }
                if failure.isTransient { transientFailures += 1 }
            } catch {
                pool.release(account.id)
                await quota.refund(reservation)
                throw error
            }
        }
        if lastFailure == nil, let accountLimit { throw accountLimit }
        throw lastFailure ?? UpstreamFailure(kind: .connect, status: nil, message: "no upstream account could take this request")
    }

    /// Ends a call opened by `open`: records the account's outcome and settles the quota with the tokens used
    /// (a failure before any text is refunded in full).
    func finish(_ opened: Opened, failure: UpstreamFailure?, producedText: Bool, tokens: Int) async {
        pool.release(opened.account.id)
        await pool.record(failure, on: opened.account)
        if failure != nil, !producedText {
            await quota.refund(opened.reservation)
        } else {
            await quota.settle(opened.reservation, tokens: tokens)
        }
    }
}
