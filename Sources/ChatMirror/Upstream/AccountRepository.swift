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
        created_at, updated_at, disabled_models, sealed_proxy_url
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
                         "weight", "max_concurrency", "pool", "plan_id", "proxy_url", "sealed_proxy_url", "status", "status_reason",
                         "consecutive_failures", "created_at", "updated_at")
                .values(SQLBind(account.name), SQLBind(account.provider), SQLBind(account.baseUrl), SQLBind(account.sealedCredential),
                        SQLBind(account.credentialHint), SQLBind(account.models), SQLBind(account.modelAliases), SQLBind(account.weight),
                        SQLBind(account.maxConcurrency), SQLBind(account.pool), SQLBind(account.planId), SQLBind(account.proxyUrl),
                        SQLBind(account.sealedProxyUrl), SQLBind(account.status), SQLBind(account.statusReason), SQLBind(0), SQLBind(now), SQLBind(now))
                .returning(SQLRaw(Self.columns))
                .first(decoding: UpstreamAccount.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
        guard let created else { throw AppError(.internalServerError, "internal", "account was not created") }
        return created
    }

    /// Writes the admin's edit: only the columns that differ between `before` and `after`, so a health change made
    /// meanwhile (breaker, cooldown, failure count) is kept; with `setsStatus` (the admin chose a status) the status
    /// columns are written whatever they were, since the admin's decision wins.
    func update(_ after: UpstreamAccount, from before: UpstreamAccount, setsStatus: Bool = false) async throws {
        defer { invalidate() }
        try await db.withSQL { sql in
            var update = sql.update("upstream_accounts").set("updated_at", to: SQLBind(clock.nowMillis()))
            func column<T: Encodable & Sendable & Equatable>(_ name: String, _ key: KeyPath<UpstreamAccount, T>, always: Bool = false) {
                if always || before[keyPath: key] != after[keyPath: key] { update = update.set(SQLIdentifier(name), to: SQLBind(after[keyPath: key])) }
            }
            column("name", \.name)
            column("provider", \.provider)
            column("base_url", \.baseUrl)
            column("sealed_credential", \.sealedCredential)
            column("credential_hint", \.credentialHint)
            column("models", \.models)
            column("model_aliases", \.modelAliases)
            column("weight", \.weight)
            column("max_concurrency", \.maxConcurrency)
            column("pool", \.pool)
            column("plan_id", \.planId)
            column("proxy_url", \.proxyUrl)
            column("sealed_proxy_url", \.sealedProxyUrl)
            column("disabled_models", \.disabledModels)
            column("status", \.status, always: setsStatus)
            column("status_reason", \.statusReason, always: setsStatus)
            column("cooldown_until", \.cooldownUntil, always: setsStatus)
            column("consecutive_failures", \.consecutiveFailures, always: setsStatus)
            try await update.where("id", .equal, SQLBind(after.id)).run()
        }
    }

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

    /// One sealed secret from the store (an upstream key or a proxy URL), to check the master key against.
    func anySealedSecret() async throws -> String? {
        struct Row: Decodable { let secret: String }
        return try await db.withSQL { sql in
            try await sql.raw("""
                SELECT COALESCE(sealed_credential, sealed_proxy_url) AS secret FROM upstream_accounts \
                WHERE sealed_credential IS NOT NULL OR sealed_proxy_url IS NOT NULL LIMIT 1
                """).first(decoding: Row.self)?.secret
        }
    }

    /// Seals the credentials of proxy URLs stored in plain text (before M0009): the sealed URL goes to
    /// `sealed_proxy_url`, the masked one stays in `proxy_url`. Each row only if it is still as read.
    func sealProxyCredentials(with sealer: KeySealer) async throws {
        defer { invalidate() }
        struct Row: Decodable {
            let id: Int
            let proxyUrl: String
        }
        let rows = try await db.withSQL { sql in
            try await sql.raw("SELECT id, proxy_url FROM upstream_accounts WHERE proxy_url IS NOT NULL AND sealed_proxy_url IS NULL")
                .all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
        for row in rows {
            guard let sealed = try Self.sealedProxy(row.proxyUrl, sealer: sealer) else { continue }
            try await db.withSQL { sql in
                try await sql.raw("""
                    UPDATE upstream_accounts SET sealed_proxy_url = \(bind: sealed), proxy_url = \(bind: UpstreamProxy.masked(row.proxyUrl)) \
                    WHERE id = \(bind: row.id) AND proxy_url = \(bind: row.proxyUrl) AND sealed_proxy_url IS NULL
                    """).run()
            }
        }
    }

    /// A proxy URL with a password, sealed; nil when it has none (nothing to hide).
    static func sealedProxy(_ url: String, sealer: KeySealer) throws -> String? {
        guard URLComponents(string: url)?.password != nil else { return nil }
        return try sealer.seal(url)
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
