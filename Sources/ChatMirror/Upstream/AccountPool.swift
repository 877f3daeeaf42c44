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
        /// Smooth weighted round-robin credit per account (nginx's algorithm): among equally loaded accounts the
        /// turns follow the weights exactly, also when requests come one at a time.
        var credit: [Int: Int] = [:]
        /// The one trial request handed to an account whose cooldown ran out (half-open breaker): for which
        /// cooldown, and when. A new cooldown (the trial failed) or a trial that never reported allows the next one.
        var trials: [Int: (cooldownUntil: Int?, at: Int)] = [:]
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
            for model in account.offeredModels where seen.insert(model).inserted {
                models.append(model)
            }
        }
        if let allowed = user.allowedModelList { models = models.filter { allowed.contains($0) } }
        return models
    }

    /// Ordered candidates for one turn: the pinned account first while it is active; then at most one account whose
    /// cooldown ran out, as the single trial request of a half-open breaker (a failed trial fails over like any
    /// other attempt); then the active accounts by load (in flight / weight), ties by smooth weighted round-robin.
    func candidates(for user: User, model: String, pinned: Int?) async throws -> Result<[UpstreamAccount], NoAccountReason> {
        let now = clock.nowMillis()
        let reachable = try await reachable(for: user).filter { $0.serves(model) && $0.status != AccountStatus.disabled.rawValue }
        if reachable.isEmpty { return .failure(.noAccountForModel) }
        let active = reachable.filter { $0.status == AccountStatus.active.rawValue }
        let recovering = reachable.filter {
            $0.status == AccountStatus.cooling.rawValue && ($0.cooldownUntil ?? 0) <= now
        }
        let pinnedAccount = active.first { $0.id == pinned }
        let (ordered, full) = state.withLock { state -> ([UpstreamAccount], Bool) in
            let open = active.filter { $0.maxConcurrency <= 0 || state.inFlight[$0.id, default: 0] < $0.maxConcurrency }
            var result = Self.byLoad(open, state: &state)
            if let pinnedAccount, let index = result.firstIndex(where: { $0.id == pinnedAccount.id }) {
                result.insert(result.remove(at: index), at: 0)
            } else if let trial = recovering.first(where: { account in
                guard let last = state.trials[account.id] else { return true }
                return last.cooldownUntil != account.cooldownUntil || now - last.at > Self.trialTimeoutMillis
            }) {
                state.trials[trial.id] = (trial.cooldownUntil, now)
                result.insert(trial, at: 0)
            }
            return (result, open.isEmpty && !active.isEmpty)
        }
        if ordered.isEmpty {
            let until = full ? nil : reachable.compactMap(\.cooldownUntil).filter { $0 > now }.min()
            return .failure(.allUnavailable(until: until))
        }
        return .success(ordered)
    }

    /// Accounts ordered by in-flight calls per unit of weight; equal loads by smooth weighted round-robin, whose
    /// pick (the first) is charged its turn.
    private static func byLoad(_ accounts: [UpstreamAccount], state: inout State) -> [UpstreamAccount] {
        guard accounts.count > 1 else { return accounts }
        func load(_ account: UpstreamAccount) -> Double {
            Double(state.inFlight[account.id, default: 0]) / Double(max(1, account.weight))
        }
        let lowest = accounts.map(load).min() ?? 0
        let tied = accounts.filter { load($0) == lowest }
        let total = tied.reduce(0) { $0 + max(1, $1.weight) }
        for account in tied { state.credit[account.id, default: 0] += max(1, account.weight) }
        let credit = state.credit
        let pick = tied.max { credit[$0.id, default: 0] < credit[$1.id, default: 0] }
        if let pick { state.credit[pick.id, default: 0] -= total }
        let rest = accounts.filter { $0.id != pick?.id }.sorted { lhs, rhs in
            let (left, right) = (load(lhs), load(rhs))
            return left != right ? left < right : credit[lhs.id, default: 0] > credit[rhs.id, default: 0]
        }
        return (pick.map { [$0] } ?? []) + rest
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

    /// Records the outcome of a call: a failure changes the account's status by its kind; a success heals it; an
    /// upstream that says `model` does not exist gets that model turned off. Each change is one alert, however many
    /// requests saw it. Every write is conditioned on the status the account has at that moment, never on the one
    /// `account` was read with: an admin's disable, or a breaker another request opened, is never written over.
    /// A refused request (`.badRequest`: the client's input) says nothing about the account and changes nothing.
    func record(_ failure: UpstreamFailure?, on account: UpstreamAccount, model: String? = nil) async {
        do {
            guard let failure else {
                state.withLock { _ = $0.trials.removeValue(forKey: account.id) }
                if let from = AccountStatus(rawValue: account.status), from == .cooling || from == .failing {
                    try await change(account, from: from, to: .active, reason: nil, cooldownUntil: nil, failures: .reset)
                } else if account.consecutiveFailures > 0 {
                    try await accounts.clearFailures(id: account.id)
                }
                return
            }
            switch failure.kind {
            case .authentication:
                for from in [AccountStatus.active, .cooling] {
                    if try await change(account, from: from, to: .failing, reason: "credential refused: \(failure.message)",
                                        cooldownUntil: nil, failures: .increment) { break }
                }
            case .rateLimited:
                let until = clock.nowMillis() + Self.clamped(seconds: failure.retryAfterSeconds ?? 60) * 1000
                for from in [AccountStatus.active, .cooling] {
                    if try await change(account, from: from, to: .cooling, reason: "rate limited by the upstream",
                                        cooldownUntil: until, failures: .increment) { break }
                }
            case .server, .connect, .timeout, .badResponse, .brokenStream:
                try await countTransientFailure(failure, on: account)
            case .modelNotFound:
                guard let model, try await accounts.disableModel(id: account.id, model: model) else { return }
                try await alerts.record(accountId: account.id, accountName: account.name, from: account.status, to: account.status,
                                        reason: failure.message, kind: "model_off", summary: "model \(model) turned off")
                logger.notice("upstream model turned off", metadata: ["upstream.account_id": "\(account.id)", "upstream.model": "\(model)"])
            case .badRequest:
                break
            }
        } catch {
            logger.error("could not record account status", metadata: ["upstream.account_id": "\(account.id)", "error": "\(error)"])
        }
    }

    /// Counts a failure that may pass by itself, atomically in SQL (concurrent failures all count); the one that
    /// reaches the threshold opens the breaker, and a failed half-open trial (cooldown over) opens it again for longer.
    private func countTransientFailure(_ failure: UpstreamFailure, on account: UpstreamAccount) async throws {
        guard let (failures, status) = try await accounts.countFailure(id: account.id), failures >= Self.breakerThreshold else { return }
        let now = clock.nowMillis()
        let reason = "\(failures) failures in a row: \(failure.message)"
        switch status {
        case .active:
            try await change(account, from: .active, to: .cooling, reason: reason,
                             cooldownUntil: now + Self.breakerCooldown(failures: failures), failures: .keep)
        case .cooling:
            try await change(account, from: .cooling, to: .cooling, reason: reason,
                             cooldownUntil: now + Self.breakerCooldown(failures: failures), failures: .keep, cooldownOverAt: now)
        case .failing, .disabled:
            break
        }
    }

    /// Seconds of an upstream's Retry-After, bounded to what a cooldown may be (0 s to a day).
    static func clamped(seconds: Int) -> Int { min(max(0, seconds), 86_400) }

    /// Failures in a row that open an account's circuit breaker.
    static let breakerThreshold = 3
    /// How long an open breaker keeps traffic away before a trial (half-open): 30 s after it opens, doubling with
    /// each failed trial, at most 10 minutes.
    static func breakerCooldown(failures: Int) -> Int {
        min(600_000, 30_000 << min(5, max(0, failures - breakerThreshold)))
    }
    /// How long a half-open account's trial request may take before another request may try it.
    static let trialTimeoutMillis = 60_000

    /// Changes an account's status if it is `from` at the moment of the write, and raises one alert when this call
    /// made a change of status; true when it did.
    @discardableResult
    func change(
        _ account: UpstreamAccount, from: AccountStatus, to status: AccountStatus, reason: String?, cooldownUntil: Int?,
        failures: AccountRepository.FailureCount, cooldownOverAt: Int? = nil
    ) async throws -> Bool {
        let changed = try await accounts.transition(id: account.id, from: from, to: status, reason: reason, cooldownUntil: cooldownUntil,
                                                    failures: failures, cooldownOverAt: cooldownOverAt)
        if changed, from != status {
            try await alerts.record(accountId: account.id, accountName: account.name, from: from.rawValue, to: status.rawValue, reason: reason)
            logger.notice("upstream account status changed", metadata: [
                "upstream.account_id": "\(account.id)", "upstream.from": "\(from.rawValue)", "upstream.to": "\(status.rawValue)",
            ])
        }
        return changed
    }
}
