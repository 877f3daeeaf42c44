import Foundation
import SQLKit

/// A plan as stored.
struct Plan: Sendable, Decodable {
    let id: Int
    var name: String
    var description: String
    let createdAt: Int
    var updatedAt: Int
}

/// SQL for plans and every level's limits. Every limit of every level, read on every turn, is kept for a second
/// (see `StoreCache`); every write here drops it.
struct PlanRepository: Sendable {
    let db: any AppDatabase
    let clock: any AppClock
    private let cachedLimits = StoreCache<[QuotaLimitRow]>()

    init(db: any AppDatabase, clock: any AppClock) {
        self.db = db
        self.clock = clock
    }

    static let limitColumns = "id, scope, scope_id, window_spec, max_requests, max_tokens, model_pattern, model_weights, position"

    func plans() async throws -> [Plan] {
        try await db.withSQL { sql in
            try await sql.raw("SELECT id, name, description, created_at, updated_at FROM plans ORDER BY id")
                .all(decoding: Plan.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
    }

    func plan(id: Int) async throws -> Plan? {
        try await db.withSQL { sql in
            try await sql.raw("SELECT id, name, description, created_at, updated_at FROM plans WHERE id = \(bind: id)")
                .first(decoding: Plan.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
    }

    /// Creates or updates a plan and replaces its limits, in one transaction.
    func save(id: Int?, name: String, description: String, limits: [LimitBody]) async throws -> Int {
        defer { cachedLimits.invalidate() }
        let now = clock.nowMillis()
        if try await plans().contains(where: { $0.name.lowercased() == name.lowercased() && $0.id != id }) {
            throw AppError.conflict("a plan named '\(name)' exists")
        }
        do {
            return try await db.transaction { sql in
                let planId: Int
                if let id {
                    try await sql.raw("UPDATE plans SET name = \(bind: name), description = \(bind: description), updated_at = \(bind: now) WHERE id = \(bind: id)").run()
                    planId = id
                } else {
                    struct Row: Decodable { let id: Int }
                    guard let row = try await sql.raw("""
                        INSERT INTO plans (name, description, created_at, updated_at) VALUES (\(bind: name), \(bind: description), \(bind: now), \(bind: now)) RETURNING id
                        """).first(decoding: Row.self) else { throw AppError(.internalServerError, "internal", "plan was not created") }
                    planId = row.id
                }
                try await replaceLimits(sql, scope: .plan, scopeId: planId, limits: limits)
                return planId
            }
        } catch let error as AppError {
            throw error
        } catch {
            if try await plans().contains(where: { $0.name.lowercased() == name.lowercased() && $0.id != id }) {
                throw AppError.conflict("a plan named '\(name)' exists")
            }
            throw error
        }
    }

    func deletePlan(id: Int) async throws {
        defer { cachedLimits.invalidate() }
        try await db.transaction { sql in
            try await sql.raw("DELETE FROM quota_limits WHERE scope = 'plan' AND scope_id = \(bind: id)").run()
            try await sql.raw("UPDATE users SET plan_id = NULL WHERE plan_id = \(bind: id)").run()
            try await sql.raw("UPDATE upstream_accounts SET plan_id = NULL WHERE plan_id = \(bind: id)").run()
            try await sql.raw("DELETE FROM plans WHERE id = \(bind: id)").run()
        }
    }

    func setLimits(scope: QuotaScope, scopeId: Int, limits: [LimitBody]) async throws {
        defer { cachedLimits.invalidate() }
        try await db.transaction { sql in try await replaceLimits(sql, scope: scope, scopeId: scopeId, limits: limits) }
    }

    private func replaceLimits(_ sql: any SQLDatabase, scope: QuotaScope, scopeId: Int, limits: [LimitBody]) async throws {
        try await sql.raw("DELETE FROM quota_limits WHERE scope = \(bind: scope.rawValue) AND scope_id = \(bind: scopeId)").run()
        for (position, limit) in limits.enumerated() {
            let weights = limit.modelWeights.map { String(decoding: JSONValue.object($0.mapValues { .int($0) }).encoded(), as: UTF8.self) }
            try await sql.insert(into: "quota_limits")
                .columns("scope", "scope_id", "window_spec", "max_requests", "max_tokens", "model_pattern", "model_weights", "position")
                .values(SQLBind(scope.rawValue), SQLBind(scopeId), SQLBind(QuotaWindow(limit.window)?.description ?? limit.window),
                        SQLBind(limit.maxRequests), SQLBind(limit.maxTokens), SQLBind(limit.modelPattern), SQLBind(weights), SQLBind(position))
                .run()
        }
    }

    /// The limits of several scopes, in order.
    func limits(_ scopes: [(QuotaScope, Int)]) async throws -> [QuotaLimitRow] {
        guard !scopes.isEmpty else { return [] }
        let all = try await cachedLimits.value {
            try await db.withSQL { sql in
                try await sql.raw("SELECT \(unsafeRaw: Self.limitColumns) FROM quota_limits ORDER BY position, id")
                    .all(decoding: QuotaLimitRow.self, keyDecodingStrategy: .convertFromSnakeCase)
            }
        }
        return all.filter { row in scopes.contains { $0.0.rawValue == row.scope && $0.1 == row.scopeId } }
    }

    /// How many users and accounts use each plan.
    func usage(planId: Int) async throws -> (users: Int, accounts: Int) {
        struct Row: Decodable { let n: Int }
        return try await db.withSQL { sql in
            let users = try await sql.raw("SELECT COUNT(*) AS n FROM users WHERE plan_id = \(bind: planId)").first(decoding: Row.self)?.n ?? 0
            let accounts = try await sql.raw("SELECT COUNT(*) AS n FROM upstream_accounts WHERE plan_id = \(bind: planId)").first(decoding: Row.self)?.n ?? 0
            return (users, accounts)
        }
    }
}
