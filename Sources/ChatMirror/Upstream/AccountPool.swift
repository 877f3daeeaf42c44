import Foundation
import Logging
import Synchronization

/// Picks upstream accounts for a turn and tracks what each has in flight.
final class AccountPool: Sendable {
    private let accounts: AccountRepository
    private let alerts: AlertRepository
    private let clock: any AppClock
    private let logger: Logger
    private struct State {
        var inFlight: [Int: Int] = [:]
        var roundRobin = 0
    }
    private let state = Mutex(State())

    init(accounts: AccountRepository, alerts: AlertRepository, clock: any AppClock, logger: Logger) {
        self.accounts = accounts
        self.alerts = alerts
        self.clock = clock
        self.logger = logger
    }

    /// Why nothing could be picked.
    enum NoAccountReason: Error, Sendable {
        case noAccountForModel
        case allUnavailable(until: Int?)
    }

    /// Accounts a user may reach, by access mode (dedicated: bound; shared: shared pool; mixed: bound then shared).
    func reachable(for user: User) async throws -> [UpstreamAccount] {
        let all = try await accounts.all()
        let bound = try await accounts.boundAccountIds(userId: user.id)
        let dedicated = all.filter { bound.contains($0.id) }
        let shared = all.filter { $0.pool == "shared" }
        switch AccessMode(rawValue: user.accessMode) ?? .shared {
        case .dedicated: return dedicated
        case .shared: return shared
        case .mixed: return dedicated + shared.filter { !bound.contains($0.id) }
        }
    }

    /// Models the user may use: served by a reachable, enabled account, narrowed by the user's allow-list.
    func models(for user: User) async throws -> [String] {
        var seen = Set<String>()
        var models: [String] = []
        for account in try await reachable(for: user) where account.status != AccountStatus.disabled.rawValue {
            for model in account.modelList + account.aliasMap.keys.sorted() where seen.insert(model).inserted {
                models.append(model)
            }
        }
        if let allowed = user.allowedModelList { models = models.filter { allowed.contains($0) } }
        return models
    }

    /// Ordered candidates for one turn: pinned first if healthy, then weighted least-in-flight, ties round-robin.
    func candidates(for user: User, model: String, pinned: Int?) async throws -> Result<[UpstreamAccount], NoAccountReason> {
        let now = clock.nowMillis()
        let reachable = try await reachable(for: user).filter { $0.serves(model) && $0.status != AccountStatus.disabled.rawValue }
        if reachable.isEmpty { return .failure(.noAccountForModel) }
        let healthy = reachable.filter { account in
            switch AccountStatus(rawValue: account.status) ?? .active {
            case .active: return true
            case .cooling: return (account.cooldownUntil ?? 0) <= now
            case .failing, .disabled: return false
            }
        }
        let (ordered, full) = state.withLock { state -> ([UpstreamAccount], Bool) in
            let open = healthy.filter { $0.maxConcurrency <= 0 || state.inFlight[$0.id, default: 0] < $0.maxConcurrency }
            state.roundRobin &+= 1
            let offset = state.roundRobin
            let sorted = open.enumerated().sorted { lhs, rhs in
                let left = Double(state.inFlight[lhs.element.id, default: 0]) / Double(max(1, lhs.element.weight))
                let right = Double(state.inFlight[rhs.element.id, default: 0]) / Double(max(1, rhs.element.weight))
                if left != right { return left < right }
                return (lhs.offset + offset) % max(1, open.count) < (rhs.offset + offset) % max(1, open.count)
            }.map(\.element)
            return (sorted, open.isEmpty && !healthy.isEmpty)
        }
        var result = ordered
        if let pinned, let index = result.firstIndex(where: { $0.id == pinned }) {
            result.insert(result.remove(at: index), at: 0)
        }
        if result.isEmpty {
            let until = full ? nil : reachable.compactMap(\.cooldownUntil).filter { $0 > now }.min()
            return .failure(.allUnavailable(until: until))
        }
        return .success(result)
    }

    /// Counts a call on an account until `release` is called.
    func acquire(_ accountId: Int) { state.withLock { $0.inFlight[accountId, default: 0] += 1 } }

    /// Ends a call counted by `acquire`.
    func release(_ accountId: Int) {
        state.withLock { state in
            let count = state.inFlight[accountId, default: 1] - 1
            state.inFlight[accountId] = count > 0 ? count : nil
        }
    }

    /// Streams in flight per account (for stats).
    func inFlightSnapshot() -> [Int: Int] { state.withLock { $0.inFlight } }

    /// Records the outcome of a call: a failure changes the account's status by its kind; a success heals it.
    /// Each status change is one alert, however many requests saw it.
    func record(_ failure: UpstreamFailure?, on account: UpstreamAccount) async {
        do {
            guard let failure else {
                if account.status != AccountStatus.active.rawValue {
                    try await change(account, to: .active, reason: nil, cooldownUntil: nil, failures: 0)
                } else if account.consecutiveFailures > 0 {
                    try await accounts.setStatus(id: account.id, status: .active, reason: nil, cooldownUntil: nil, consecutiveFailures: 0)
                }
                return
            }
            let failures = account.consecutiveFailures + 1
            switch failure.kind {
            case .authentication:
                try await change(account, to: .failing, reason: "credential refused: \(failure.message)", cooldownUntil: nil, failures: failures)
            case .rateLimited:
                let seconds = failure.retryAfterSeconds ?? 60
                try await change(account, to: .cooling, reason: "rate limited by the upstream",
                                 cooldownUntil: clock.nowMillis() + seconds * 1000, failures: failures)
            case .server, .connect, .timeout, .badResponse, .brokenStream:
                if failures >= Self.breakerThreshold {
                    try await change(account, to: .cooling, reason: "\(failures) failures in a row: \(failure.message)",
                                     cooldownUntil: clock.nowMillis() + Self.breakerCooldownMillis, failures: failures)
                } else {
                    try await accounts.setStatus(id: account.id, status: AccountStatus(rawValue: account.status) ?? .active,
                                                 reason: account.statusReason, cooldownUntil: account.cooldownUntil, consecutiveFailures: failures)
                }
            case .modelNotFound, .badRequest:
                break
            }
        } catch {
            logger.error("could not record account status", metadata: ["upstream.account_id": "\(account.id)", "error": "\(error)"])
        }
    }

    /// Failures in a row that open an account's circuit breaker.
    static let breakerThreshold = 3
    /// How long an open breaker keeps traffic away before a probe (half-open).
    static let breakerCooldownMillis = 30_000

    /// Changes an account's status and raises one alert when this call made the change.
    func change(_ account: UpstreamAccount, to status: AccountStatus, reason: String?, cooldownUntil: Int?, failures: Int) async throws {
        let changed = try await accounts.transition(id: account.id, from: account.status, to: status, reason: reason,
                                                    cooldownUntil: cooldownUntil, consecutiveFailures: failures)
        if changed, account.status != status.rawValue {
            try await alerts.record(accountId: account.id, accountName: account.name, from: account.status, to: status.rawValue, reason: reason)
            logger.notice("upstream account status changed", metadata: [
                "upstream.account_id": "\(account.id)", "upstream.from": "\(account.status)", "upstream.to": "\(status.rawValue)",
            ])
        }
    }
}
