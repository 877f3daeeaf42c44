import Foundation
import SQLKit

/// A personal API key as stored (only its hash).
struct APIKey: Sendable, Decodable {
    let id: Int
    let prefix: String
    let userId: Int
    let name: String
    let createdAt: Int
    let lastUsedAt: Int?
    let revokedAt: Int?
}

/// An API key as the API shows it.
struct APIKeyView: Encodable {
    let id: Int
    let name: String
    let prefix: String
    let userId: Int
    let createdAt: String?
    let lastUsedAt: String?
    let revokedAt: String?
    var key: String?

    init(_ key: APIKey, secret: String? = nil) {
        id = key.id
        name = key.name
        prefix = key.prefix
        userId = key.userId
        createdAt = ISOTime.string(millis: key.createdAt)
        lastUsedAt = ISOTime.string(millis: key.lastUsedAt)
        revokedAt = ISOTime.string(millis: key.revokedAt)
        self.key = secret
    }
}

/// SQL for `api_keys`: `cm-` + 256 random bits, stored as SHA-256.
struct APIKeyRepository: Sendable {
    let db: any AppDatabase
    let clock: any AppClock

    static let columns = "id, prefix, user_id, name, created_at, last_used_at, revoked_at"

    func create(userId: Int, name: String) async throws -> (APIKey, secret: String) {
        let secret = "cm-" + Tokens.random()
        let prefix = String(secret.prefix(10))
        let key = try await db.withSQL { sql in
            try await sql.insert(into: "api_keys")
                .columns("key_hash", "prefix", "user_id", "name", "created_at")
                .values(SQLBind(Tokens.hash(secret)), SQLBind(prefix), SQLBind(userId), SQLBind(name), SQLBind(clock.nowMillis()))
                .returning(SQLRaw(Self.columns))
                .first(decoding: APIKey.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
        guard let key else { throw AppError(.internalServerError, "internal", "key was not created") }
        return (key, secret)
    }

    func list(userId: Int) async throws -> [APIKey] {
        try await db.withSQL { sql in
            try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM api_keys WHERE user_id = \(bind: userId) ORDER BY id DESC")
                .all(decoding: APIKey.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
    }

    /// Revokes a key; with `userId`, only that user's. False when there is no such key.
    func revoke(id: Int, userId: Int?) async throws -> Bool {
        try await db.withSQL { sql in
            let owner: SQLQueryString = userId.map { "AND user_id = \(bind: $0)" } ?? ""
            let found = try await sql.raw("SELECT id FROM api_keys WHERE id = \(bind: id) \(owner)").first()
            guard found != nil else { return false }
            try await sql.raw("UPDATE api_keys SET revoked_at = \(bind: clock.nowMillis()) WHERE id = \(bind: id) AND revoked_at IS NULL").run()
            return true
        }
    }

    /// The live key of a secret with its user; nil when unknown or revoked.
    func authenticate(secret: String) async throws -> (APIKey, User)? {
        let hash = Tokens.hash(secret)
        return try await db.withSQL { sql -> (APIKey, User)? in
            let query: SQLQueryString = """
                SELECT k.id AS key_id, k.prefix, k.name, k.created_at AS key_created_at, k.last_used_at, \
                u.id, u.username, u.display_name, u.password_hash, u.role, u.status, u.plan_id, u.access_mode, \
                u.allowed_models, u.created_at, u.updated_at, u.last_login_at \
                FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = \(bind: hash) AND k.revoked_at IS NULL
                """
            guard let row = try await sql.raw(query).first() else { return nil }
            struct KeyRow: Decodable {
                let keyId: Int
                let prefix: String
                let name: String
                let keyCreatedAt: Int
                let lastUsedAt: Int?
            }
            let key = try row.decode(model: KeyRow.self, keyDecodingStrategy: .convertFromSnakeCase)
            let user = try row.decode(model: User.self, keyDecodingStrategy: .convertFromSnakeCase)
            return (APIKey(id: key.keyId, prefix: key.prefix, userId: user.id, name: key.name, createdAt: key.keyCreatedAt,
                           lastUsedAt: key.lastUsedAt, revokedAt: nil), user)
        }
    }

    /// Records use at most once a minute per key.
    func touch(_ key: APIKey) async throws {
        let now = clock.nowMillis()
        guard now - (key.lastUsedAt ?? 0) > 60_000 else { return }
        try await db.withSQL { sql in
            try await sql.raw("UPDATE api_keys SET last_used_at = \(bind: now) WHERE id = \(bind: key.id)").run()
        }
    }
}
