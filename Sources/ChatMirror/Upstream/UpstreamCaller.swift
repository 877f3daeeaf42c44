import Foundation
import Logging

/// Opens an answer on the first candidate account that takes it (failover before the first byte of the answer),
/// counting in-flight calls and recording each account's outcome.
struct UpstreamCaller: Sendable {
    let pool: AccountPool
    let adapters: UpstreamAdapters
    let sealer: KeySealer
    let config: AppConfig
    let logger: Logger

    /// An opened answer on one account; `finish` must be called once it is read (or abandoned).
    struct Opened: Sendable {
        let account: UpstreamAccount
        let stream: OpenedStream
        let adapter: any UpstreamAdapter
    }

    func open(candidates: [UpstreamAccount], request: UpstreamChatRequest) async throws -> Opened {
        var lastFailure: UpstreamFailure?
        for account in candidates.prefix(config.upstreamMaxAttempts) {
            try Task.checkCancellation()
            let adapter = adapters.adapter(for: account)
            pool.acquire(account.id)
            do {
                let apiKey = try account.sealedCredential.map { try sealer.open($0) }
                let stream = try await adapter.open(account: account, apiKey: apiKey, request: request,
                                                    timeouts: UpstreamTimeouts(firstByteSeconds: config.upstreamFirstTokenTimeoutSeconds))
                return Opened(account: account, stream: stream, adapter: adapter)
            } catch let failure as UpstreamFailure {
                pool.release(account.id)
                await pool.record(failure, on: account)
                logger.warning("upstream attempt failed", metadata: [
                    "upstream.account_id": "\(account.id)", "upstream.failure": "\(failure.kind.rawValue)",
                    "upstream.status": "\(failure.status.map(String.init) ?? "-")",
                ])
                lastFailure = failure
                if !failure.isRetryableElsewhere { throw failure }
            } catch {
                pool.release(account.id)
                throw error
            }
        }
        throw lastFailure ?? UpstreamFailure(kind: .connect, status: nil, message: "no upstream account could take this request")
    }

    /// Ends a call opened by `open`, recording success or failure on its account.
    func finish(_ opened: Opened, failure: UpstreamFailure?) async {
        pool.release(opened.account.id)
        await pool.record(failure, on: opened.account)
    }
}
