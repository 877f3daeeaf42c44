import Foundation
import Logging
import ServiceLifecycle

/// Probes cooling and failing accounts with a cheap request (the model list) and re-enables them when they answer.
/// A failing credential comes back only when a probe succeeds (or the admin changes the key).
struct HealthMonitor: Service {
    let accounts: AccountRepository
    let pool: AccountPool
    let adapters: UpstreamAdapters
    let sealer: KeySealer
    let clock: any AppClock
    let interval: Duration
    let timeoutSeconds: Int
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await Task.sleep(for: interval) } catch { return }
                await checkOnce()
            }
        }
    }

    /// One round of probes (also called by tests).
    func checkOnce() async {
        let now = clock.nowMillis()
        guard let all = try? await accounts.all() else { return }
        for account in all {
            let due: Bool
            switch AccountStatus(rawValue: account.status) ?? .active {
            case .cooling: due = (account.cooldownUntil ?? 0) <= now
            case .failing: due = true
            case .active, .disabled: due = false
            }
            guard due else { continue }
            await probe(account)
        }
    }

    private func probe(_ account: UpstreamAccount) async {
        let started = ContinuousClock.now
        do {
            let apiKey = try account.sealedCredential.map { try sealer.open($0) }
            _ = try await adapters.adapter(for: account).listModels(account: account, apiKey: apiKey,
                                                                   timeouts: UpstreamTimeouts(firstByteSeconds: timeoutSeconds))
            let elapsed = ContinuousClock.now - started
            try await accounts.recordCheck(id: account.id, latencyMs: Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000))
            if let from = AccountStatus(rawValue: account.status) {
                try await pool.change(account, from: from, to: .active, reason: "recovered (health check)", cooldownUntil: nil, failures: .reset)
            }
        } catch let failure as UpstreamFailure {
            try? await accounts.recordCheck(id: account.id, latencyMs: nil)
            if account.status == AccountStatus.cooling.rawValue {
                let backoff = min(600_000, max(30_000, (account.cooldownUntil.map { clock.nowMillis() - $0 } ?? 0) + 30_000))
                _ = try? await accounts.transition(id: account.id, from: .cooling, to: .cooling, reason: "health check failed: \(failure.message)",
                                                   cooldownUntil: clock.nowMillis() + backoff, failures: .increment)
            }
            logger.info("health check failed", metadata: ["upstream.account_id": "\(account.id)", "upstream.failure": "\(failure.kind.rawValue)"])
        } catch {
            logger.warning("health check error", metadata: ["upstream.account_id": "\(account.id)", "error": "\(error)"])
        }
    }
}
