import Foundation
import SQLKit

/// SQL for `upstream_accounts` and `account_bindings`. The list of accounts and the bindings, read on every turn,
/// are kept for a second (see `StoreCache`); every write here drops them.
struct AccountRepository: Sendable {
    let db: any AppDatabase
    let clock: any AppClock
    private let cachedAccounts = StoreCache<[UpstreamAccount]>()
    private let cachedBindings = StoreCache<[Int: Set<Int>]>()

    init(db: any AppDatabase, clock: any AppClock) {
        self.db = db
        self.clock = clock
    }

    /// Forgets what is kept, after a write made elsewhere (bindings are written by the admin controller).
    func invalidate() {
        cachedAccounts.invalidate()
        cachedBindings.invalidate()
    }

    static let columns = """
        id, name, provider, base_url, sealed_credential, credential_hint, models, model_aliases, weight, max_concurrency, \
        pool, plan_id, proxy_url, status, status_reason, cooldown_until, consecutive_failures, last_check_at, last_latency_ms, \
        created_at, updated_at, disabled_models, relay_options
        """

    /// Every account, oldest first (kept for up to a second; this instance's writes show at once).
    func all() async throws -> [UpstreamAccount] {
        try await cachedAccounts.value {
            try await db.withSQL { sql in
                try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM upstream_accounts ORDER BY id")
                    .all(decoding: UpstreamAccount.self, keyDecodingStrategy: .convertFromSnakeCase)
            }
        }
    }

    func find(id: Int) async throws -> UpstreamAccount? {
        try await db.withSQL { sql in
            try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM upstream_accounts WHERE id = \(bind: id)")
                .first(decoding: UpstreamAccount.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
    }

    /// Inserts a new account; `account.id` is ignored.
    func create(_ account: UpstreamAccount) async throws -> UpstreamAccount {
        defer { invalidate() }
        let now = clock.nowMillis()
        let created = try await db.withSQL { sql in
            try await sql.insert(into: "upstream_accounts")
                .columns("name", "provider", "base_url", "sealed_credential", "credential_hint", "models", "model_aliases",
                         "weight", "max_concurrency", "pool", "plan_id", "proxy_url", "status", "status_reason",
                         "consecutive_failures", "created_at", "updated_at")
                .values(SQLBind(account.name), SQLBind(account.provider), SQLBind(account.baseUrl), SQLBind(account.sealedCredential),
                        SQLBind(account.credentialHint), SQLBind(account.models), SQLBind(account.modelAliases), SQLBind(account.weight),
                        SQLBind(account.maxConcurrency), SQLBind(account.pool), SQLBind(account.planId), SQLBind(account.proxyUrl),
                        SQLBind(account.status), SQLBind(account.statusReason), SQLBind(0), SQLBind(now), SQLBind(now))
                .returning(SQLRaw(Self.columns))
                .first(decoding: UpstreamAccount.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
        guard let created else { throw AppError(.internalServerError, "internal", "account was not created") }
        return created
    }

    func save(_ account: UpstreamAccount) async throws {
        defer { invalidate() }
        try await db.withSQL { sql in
            try await sql.update("upstream_accounts")
                .set("name", to: SQLBind(account.name))
                .set("provider", to: SQLBind(account.provider))
                .set("base_url", to: SQLBind(account.baseUrl))
                .set("sealed_credential", to: SQLBind(account.sealedCredential))
                .set("credential_hint", to: SQLBind(account.credentialHint))
                .set("models", to: SQLBind(account.models))
                .set("model_aliases", to: SQLBind(account.modelAliases))
                .set("weight", to: SQLBind(account.weight))
                .set("max_concurrency", to: SQLBind(account.maxConcurrency))
                .set("pool", to: SQLBind(account.pool))
                .set("plan_id", to: SQLBind(account.planId))
                .set("proxy_url", to: SQLBind(account.proxyUrl))
                .set("disabled_models", to: SQLBind(account.disabledModels))
                .set("status", to: SQLBind(account.status))
                .set("status_reason", to: SQLBind(account.statusReason))
                .set("cooldown_until", to: SQLBind(account.cooldownUntil))
                .set("consecutive_failures", to: SQLBind(account.consecutiveFailures))
                .set("updated_at", to: SQLBind(clock.nowMillis()))
                .where("id", .equal, SQLBind(account.id))
                .run()
        }
    }

    /// Records a status change (health, cooling, failing) without touching the admin's fields.
    func setStatus(id: Int, status: AccountStatus, reason: String?, cooldownUntil: Int?, consecutiveFailures: Int) async throws {
        defer { invalidate() }
        try await db.withSQL { sql in
            try await sql.raw("""
                UPDATE upstream_accounts SET status = \(bind: status.rawValue), status_reason = \(bind: reason), \
                cooldown_until = \(bind: cooldownUntil), consecutive_failures = \(bind: consecutiveFailures), \
                updated_at = \(bind: clock.nowMillis()) WHERE id = \(bind: id)
                """).run()
        }
    }

    /// Moves an account from `from` to `to` only if it is still in `from`; true when this call made the change
    /// (so concurrent failures report one transition, not one per request).
    func transition(id: Int, from: String, to: AccountStatus, reason: String?, cooldownUntil: Int?, consecutiveFailures: Int) async throws -> Bool {
        defer { invalidate() }
        return try await db.withSQL { sql in
            let row = try await sql.raw("""
                UPDATE upstream_accounts SET status = \(bind: to.rawValue), status_reason = \(bind: reason), \
                cooldown_until = \(bind: cooldownUntil), consecutive_failures = \(bind: consecutiveFailures), \
                updated_at = \(bind: clock.nowMillis()) WHERE id = \(bind: id) AND status = \(bind: from) RETURNING id
                """).first()
            return row != nil
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

    func delete(id: Int) async throws {
        defer { invalidate() }
        try await db.withSQL { sql in
            try await sql.raw("DELETE FROM account_bindings WHERE account_id = \(bind: id)").run()
            try await sql.raw("DELETE FROM upstream_accounts WHERE id = \(bind: id)").run()
        }
    }

    /// Ids of the accounts bound to a user (dedicated accounts).
    func boundAccountIds(userId: Int) async throws -> Set<Int> {
        try await cachedBindings.value {
            struct Row: Decodable {
                let userId: Int
                let accountId: Int
            }
            let rows = try await db.withSQL { sql in
                try await sql.raw("SELECT user_id, account_id FROM account_bindings")
                    .all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
            }
            return rows.reduce(into: [:]) { $0[$1.userId, default: []].insert($1.accountId) }
        }[userId] ?? []
    }
}
