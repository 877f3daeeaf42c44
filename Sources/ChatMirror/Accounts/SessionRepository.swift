import Foundation
import SQLKit

/// A signed-in browser.
struct Session: Sendable, Decodable {
    let id: Int
    let userId: Int
    let csrfToken: String
    let expiresAt: Int
    let lastSeenAt: Int
}

/// SQL for the `sessions` table; tokens are stored only as SHA-256.
struct SessionRepository: Sendable {
    let db: any AppDatabase
    let clock: any AppClock

    /// Creates a session and returns the raw token (for the cookie) and the CSRF token.
    func create(userId: Int, lifetimeHours: Int, ip: String?, userAgent: String?) async throws -> (token: String, csrf: String) {
        let token = Tokens.random()
        let csrf = Tokens.random(bytes: 24)
        let now = clock.nowMillis()
        try await db.withSQL { sql in
            try await sql.insert(into: "sessions")
                .columns("token_hash", "user_id", "csrf_token", "created_at", "expires_at", "last_seen_at", "ip", "user_agent")
                .values(SQLBind(Tokens.hash(token)), SQLBind(userId), SQLBind(csrf), SQLBind(now),
                        SQLBind(now + lifetimeHours * 3_600_000), SQLBind(now), SQLBind(ip), SQLBind(userAgent.map { String($0.prefix(300)) }))
                .run()
        }
        return (token, csrf)
    }

    /// The live session of a token together with its user, or nil (unknown, revoked, expired).
    func findActive(token: String) async throws -> (Session, User)? {
        struct Row: Decodable {
            let sessionId: Int
            let csrfToken: String
            let expiresAt: Int
            let lastSeenAt: Int
        }
        let now = clock.nowMillis()
        let hash = Tokens.hash(token)
        return try await db.withSQL { sql -> (Session, User)? in
            let query: SQLQueryString = """
                SELECT s.id AS session_id, s.csrf_token, s.expires_at, s.last_seen_at, \
                u.id, u.username, u.display_name, u.password_hash, u.role, u.status, u.plan_id, u.access_mode, \
                u.allowed_models, u.created_at, u.updated_at, u.last_login_at \
                FROM sessions s JOIN users u ON u.id = s.user_id \
                WHERE s.token_hash = \(bind: hash) AND s.revoked_at IS NULL AND s.expires_at > \(bind: now)
                """
            guard let row = try await sql.raw(query).first() else { return nil }
            let session = try row.decode(model: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
            let user = try row.decode(model: User.self, keyDecodingStrategy: .convertFromSnakeCase)
            return (Session(id: session.sessionId, userId: user.id, csrfToken: session.csrfToken,
                            expiresAt: session.expiresAt, lastSeenAt: session.lastSeenAt), user)
        }
    }

    /// Records activity at most once a minute per session, so reads stay reads.
    func touch(_ session: Session) async throws {
        let now = clock.nowMillis()
        guard now - session.lastSeenAt > 60_000 else { return }
        try await db.withSQL { sql in
            try await sql.raw("UPDATE sessions SET last_seen_at = \(bind: now) WHERE id = \(bind: session.id)").run()
        }
    }

    func revoke(token: String) async throws {
        try await db.withSQL { sql in
            try await sql.raw("UPDATE sessions SET revoked_at = \(bind: clock.nowMillis()) WHERE token_hash = \(bind: Tokens.hash(token)) AND revoked_at IS NULL").run()
        }
    }

    /// Ends every session of a user, except optionally one.
    func revokeAll(userId: Int, except sessionId: Int? = nil) async throws {
        try await db.withSQL { sql in
            try await sql.raw(
                "UPDATE sessions SET revoked_at = \(bind: clock.nowMillis()) WHERE user_id = \(bind: userId) AND revoked_at IS NULL AND id <> \(bind: sessionId ?? -1)"
            ).run()
        }
    }
}
