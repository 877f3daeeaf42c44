import Foundation
import SQLKit

/// The account's health columns (status, failure count, cooldown, turned-off models, last check), written by the
/// pool and the health monitor. Every write is one conditional statement on the row as it is at that moment, so
/// concurrent requests and instances never write back a status they read earlier.
extension AccountRepository {
    /// How a status write changes the failure count.
    enum FailureCount: Sendable {
        case reset, increment, keep

        var sql: SQLQueryString {
            switch self {
            case .reset: "0"
            case .increment: "consecutive_failures + 1"
            case .keep: "consecutive_failures"
            }
        }
    }

    /// Moves an account from `from` to `to` only if it is in `from` at the moment of the write (with
    /// `cooldownOverAt`, only if its cooldown ended by then); true when this call made the change, so concurrent
    /// failures report one transition, and a decision made meanwhile (the admin's disable above all) is never undone.
    func transition(
        id: Int, from: AccountStatus, to: AccountStatus, reason: String?, cooldownUntil: Int?, failures: FailureCount,
        cooldownOverAt: Int? = nil
    ) async throws -> Bool {
        defer { invalidate() }
        let cooldownCondition: SQLQueryString = cooldownOverAt.map { "AND COALESCE(cooldown_until, 0) <= \(bind: $0)" } ?? ""
        return try await db.withSQL { sql in
            let row = try await sql.raw("""
                UPDATE upstream_accounts SET status = \(bind: to.rawValue), status_reason = \(bind: reason), \
                cooldown_until = \(bind: cooldownUntil), consecutive_failures = \(failures.sql), \
                updated_at = \(bind: clock.nowMillis()) WHERE id = \(bind: id) AND status = \(bind: from.rawValue) \(cooldownCondition) RETURNING id
                """).first()
            return row != nil
        }
    }

    /// Counts one more failure in a row, unless the account is disabled; the count and status after the write.
    func countFailure(id: Int) async throws -> (failures: Int, status: AccountStatus)? {
        defer { invalidate() }
        struct Row: Decodable {
            let consecutiveFailures: Int
            let status: String
        }
        let row = try await db.withSQL { sql in
            try await sql.raw("""
                UPDATE upstream_accounts SET consecutive_failures = consecutive_failures + 1, updated_at = \(bind: clock.nowMillis()) \
                WHERE id = \(bind: id) AND status <> \(bind: AccountStatus.disabled.rawValue) RETURNING consecutive_failures, status
                """).first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
        return row.map { ($0.consecutiveFailures, AccountStatus(rawValue: $0.status) ?? .active) }
    }

    /// A success on an active account: its failure count starts again (an account cooling or disabled meanwhile
    /// keeps its status and count).
    func clearFailures(id: Int) async throws {
        defer { invalidate() }
        try await db.withSQL { sql in
            try await sql.raw("""
                UPDATE upstream_accounts SET consecutive_failures = 0, updated_at = \(bind: clock.nowMillis()) \
                WHERE id = \(bind: id) AND status = \(bind: AccountStatus.active.rawValue) AND consecutive_failures > 0
                """).run()
        }
    }

    /// Turns `model` off for an account (the upstream said it does not exist); true when it was on until now.
    func disableModel(id: Int, model: String) async throws -> Bool {
        defer { invalidate() }
        return try await db.transaction { sql in
            struct Row: Decodable { let disabledModels: String? }
            guard let row = try await sql.raw("SELECT disabled_models FROM upstream_accounts WHERE id = \(bind: id)")
                .first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase) else { return false }
            var models = row.disabledModels.flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) } ?? []
            guard !models.contains(model) else { return false }
            models.append(model)
            let encoded = String(decoding: JSONValue.array(models.map(JSONValue.string)).encoded(), as: UTF8.self)
            // Compare-and-set on the old value, so two instances turning off two models keep both.
            let changed = try await sql.raw("""
                UPDATE upstream_accounts SET disabled_models = \(bind: encoded), updated_at = \(bind: clock.nowMillis()) \
                WHERE id = \(bind: id) AND COALESCE(disabled_models, '') = \(bind: row.disabledModels ?? "") RETURNING id
                """).first()
            return changed != nil
        }
    }

    /// Records a health probe's latency.
    func recordCheck(id: Int, latencyMs: Int?) async throws {
        defer { invalidate() }
        try await db.withSQL { sql in
            try await sql.raw("UPDATE upstream_accounts SET last_check_at = \(bind: clock.nowMillis()), last_latency_ms = \(bind: latencyMs) WHERE id = \(bind: id)").run()
        }
    }
}
