import Foundation
import Hummingbird
import SQLKit

/// Bindings of users to dedicated upstream accounts.
struct AdminBindingsController {
    let db: any AppDatabase
    let users: UserRepository
    let accounts: AccountRepository
    let audit: AuditLog
    let clock: any AppClock

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("users/:id/bindings", use: listForUser)
        group.put("users/:id/bindings", use: setForUser)
        group.get("accounts/:id/bindings", use: listForAccount)
    }

    struct BindingsBody: Decodable { let accountIds: [Int] }

    @Sendable func listForUser(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id", as: Int.self), try await users.find(id: id) != nil else { throw AppError.notFound("user") }
        return try JSONResponse.make(["account_ids": try await accounts.boundAccountIds(userId: id).sorted()])
    }

    @Sendable func setForUser(_ request: Request, context: AppRequestContext) async throws -> Response {
        let admin = try context.requireUser()
        guard let id = context.parameters.get("id", as: Int.self), try await users.find(id: id) != nil else { throw AppError.notFound("user") }
        let body = try await request.decodeJSON(BindingsBody.self, limit: 65_536)
        let known = Set(try await accounts.all().map(\.id))
        if let missing = body.accountIds.first(where: { !known.contains($0) }) {
            throw AppError.invalid("field 'account_ids': no account \(missing)")
        }
        let now = clock.nowMillis()
        let before = try await accounts.boundAccountIds(userId: id).sorted()
        try await db.transaction { sql in
            try await sql.raw("DELETE FROM account_bindings WHERE user_id = \(bind: id)").run()
            for accountId in Set(body.accountIds).sorted() {
                try await sql.raw("INSERT INTO account_bindings (user_id, account_id, created_at) VALUES (\(bind: id), \(bind: accountId), \(bind: now))").run()
            }
        }
        accounts.invalidate()
        try await audit.recordChange(actor: admin, action: "user.bindings", target: "user:\(id)", ip: context.clientIP,
                                     before: ["account_ids": before], after: ["account_ids": Set(body.accountIds).sorted()])
        return try JSONResponse.make(["account_ids": Set(body.accountIds).sorted()])
    }

    @Sendable func listForAccount(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id", as: Int.self), try await accounts.find(id: id) != nil else { throw AppError.notFound("account") }
        struct Row: Decodable {
            let userId: Int
            let username: String
            let requests: Int?
            let tokens: Int?
        }
        let since = clock.nowMillis() - 30 * 86_400_000
        let rows = try await db.withSQL { sql in
            try await sql.raw("""
                SELECT b.user_id, u.username, \
                (SELECT CAST(COUNT(*) AS BIGINT) FROM usage_events e WHERE e.user_id = b.user_id AND e.account_id = b.account_id AND e.started_at > \(bind: since)) AS requests, \
                (SELECT CAST(SUM(e.prompt_tokens + e.completion_tokens) AS BIGINT) FROM usage_events e WHERE e.user_id = b.user_id AND e.account_id = b.account_id AND e.started_at > \(bind: since)) AS tokens \
                FROM account_bindings b JOIN users u ON u.id = b.user_id WHERE b.account_id = \(bind: id) ORDER BY u.username
                """).all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
        struct Item: Encodable {
            let userId: Int
            let username: String
            let requests30d: Int
            let tokens30d: Int
        }
        struct Body: Encodable { let users: [Item] }
        return try JSONResponse.make(Body(users: rows.map { Item(userId: $0.userId, username: $0.username, requests30d: $0.requests ?? 0, tokens30d: $0.tokens ?? 0) }))
    }
}
