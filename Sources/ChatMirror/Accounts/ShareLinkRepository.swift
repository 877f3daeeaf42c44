import Foundation
import SQLKit

/// A one-click sign-in link of a user.
struct ShareLink: Sendable, Decodable {
    let id: Int
    let userId: Int
    let createdAt: Int
    let expiresAt: Int?
    let maxUses: Int?
    let uses: Int
    let revokedAt: Int?
    let lastUsedAt: Int?
}

/// A share link as the API shows it.
struct ShareLinkView: Encodable {
    let id: Int
    let userId: Int
    let createdAt: String?
    let expiresAt: String?
    let maxUses: Int?
    let uses: Int
    let revokedAt: String?
    let lastUsedAt: String?
    let active: Bool
    var url: String?

    init(_ link: ShareLink, now: Int, url: String? = nil) {
        id = link.id
        userId = link.userId
        createdAt = ISOTime.string(millis: link.createdAt)
        expiresAt = ISOTime.string(millis: link.expiresAt)
        maxUses = link.maxUses
        uses = link.uses
        revokedAt = ISOTime.string(millis: link.revokedAt)
        lastUsedAt = ISOTime.string(millis: link.lastUsedAt)
        active = link.revokedAt == nil && (link.expiresAt.map { $0 > now } ?? true) && (link.maxUses.map { link.uses < $0 } ?? true)
        self.url = url
    }
}

/// SQL for `share_links`; tokens stored only as SHA-256.
struct ShareLinkRepository: Sendable {
    let db: any AppDatabase
    let clock: any AppClock

    static let columns = "id, user_id, created_at, expires_at, max_uses, uses, revoked_at, last_used_at"

    func create(userId: Int, expiresAt: Int?, maxUses: Int?) async throws -> (ShareLink, token: String) {
        let token = Tokens.random()
        let now = clock.nowMillis()
        let link = try await db.withSQL { sql in
            try await sql.insert(into: "share_links")
                .columns("token_hash", "user_id", "created_at", "expires_at", "max_uses", "uses")
                .values(SQLBind(Tokens.hash(token)), SQLBind(userId), SQLBind(now), SQLBind(expiresAt), SQLBind(maxUses), SQLBind(0))
                .returning(SQLRaw(Self.columns))
                .first(decoding: ShareLink.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
        guard let link else { throw AppError(.internalServerError, "internal", "share link was not created") }
        return (link, token)
    }

    func list(userId: Int) async throws -> [ShareLink] {
        try await db.withSQL { sql in
            try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM share_links WHERE user_id = \(bind: userId) ORDER BY id DESC")
                .all(decoding: ShareLink.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
    }

    /// Revokes a link; false when there is no such link.
    func revoke(id: Int) async throws -> Bool {
        try await db.withSQL { sql in
            guard try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM share_links WHERE id = \(bind: id)")
                .first(decoding: ShareLink.self, keyDecodingStrategy: .convertFromSnakeCase) != nil else { return false }
            try await sql.raw("UPDATE share_links SET revoked_at = \(bind: clock.nowMillis()) WHERE id = \(bind: id) AND revoked_at IS NULL").run()
            return true
        }
    }

    /// Revokes every live link of a user (after an admin reset their password); how many were revoked.
    @discardableResult
    func revokeAll(userId: Int) async throws -> Int {
        try await db.withSQL { sql in
            try await sql.raw("""
                UPDATE share_links SET revoked_at = \(bind: clock.nowMillis()) WHERE user_id = \(bind: userId) AND revoked_at IS NULL RETURNING id
                """).all().count
        }
    }

    /// The user a link would sign in, without using it: nil unless it is live, has a use left and its user is
    /// active.
    func peek(token: String) async throws -> Int? {
        let now = clock.nowMillis()
        return try await db.withSQL { sql in
            try await sql.raw("""
                SELECT share_links.user_id AS user_id FROM share_links JOIN users ON users.id = share_links.user_id \
                WHERE token_hash = \(bind: Tokens.hash(token)) AND revoked_at IS NULL \
                AND (expires_at IS NULL OR expires_at > \(bind: now)) AND (max_uses IS NULL OR uses < max_uses) \
                AND users.status = \(bind: UserStatus.active.rawValue)
                """).first()?.decode(column: "user_id", as: Int.self)
        }
    }

    /// Uses a link once: the user id when it is live and its user active, counting the use atomically (a disabled
    /// user's link keeps its uses).
    func consume(token: String) async throws -> Int? {
        let now = clock.nowMillis()
        return try await db.transaction { sql in
            guard let link = try await sql.raw(
                "SELECT \(unsafeRaw: Self.columns) FROM share_links WHERE token_hash = \(bind: Tokens.hash(token))"
            ).first(decoding: ShareLink.self, keyDecodingStrategy: .convertFromSnakeCase) else { return nil }
            guard link.revokedAt == nil, link.expiresAt.map({ $0 > now }) ?? true else { return nil }
            let updated = try await sql.raw("""
                UPDATE share_links SET uses = uses + 1, last_used_at = \(bind: now) \
                WHERE id = \(bind: link.id) AND (max_uses IS NULL OR uses < max_uses) \
                AND EXISTS (SELECT 1 FROM users WHERE users.id = share_links.user_id AND users.status = \(bind: UserStatus.active.rawValue)) \
                RETURNING id
                """).first()
            return updated == nil ? nil : link.userId
        }
    }
}
