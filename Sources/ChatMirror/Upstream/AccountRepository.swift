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
        created_at, updated_at, disabled_models, relay_options, sealed_proxy_url
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
