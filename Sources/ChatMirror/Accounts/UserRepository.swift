import Foundation
import SQLKit

/// Fields of a new user.
struct NewUser: Sendable {
    var username: String
    var displayName: String
    var passwordHash: String
    var role: UserRole
    var accessMode: AccessMode = .shared
}

/// Columns of one user write; nil leaves a column as stored.
struct UserChanges: Sendable {
    var displayName: String?
    var passwordHash: String?
    var role: UserRole?
    var status: UserStatus?
    var accessMode: AccessMode?
    /// `.some(nil)` clears the plan.
    var planId: Int??
}

/// Filters of the admin user list.
struct UserFilter: Sendable {
    var query: String?
    var role: String?
    var status: String?
    /// Users on one plan, or on none.
    enum PlanFilter: Sendable { case none, plan(Int) }
    var plan: PlanFilter?
    var limit = 50
    var offset = 0
}

/// SQL for the `users` table.
struct UserRepository: Sendable {
    let db: any AppDatabase
    let clock: any AppClock

    static let columns = "id, username, display_name, password_hash, role, status, plan_id, access_mode, allowed_models, created_at, updated_at, last_login_at"

    func create(_ new: NewUser) async throws -> User {
        let now = clock.nowMillis()
        do {
            return try await db.withSQL { sql in
                let row = try await sql.insert(into: "users")
                    .columns("username", "username_key", "display_name", "password_hash", "role", "status", "access_mode",
                             "created_at", "updated_at")
                    .values(SQLBind(new.username), SQLBind(User.key(new.username)), SQLBind(new.displayName),
                            SQLBind(new.passwordHash), SQLBind(new.role.rawValue), SQLBind(UserStatus.active.rawValue),
                            SQLBind(new.accessMode.rawValue), SQLBind(now), SQLBind(now))
                    .returning(SQLRaw(Self.columns))
                    .first()
                guard let row else { throw AppError(.internalServerError, "internal", "user was not created") }
                return try row.decode(model: User.self, keyDecodingStrategy: .convertFromSnakeCase)
            }
        } catch let error as AppError {
            throw error
        } catch {
            if try await find(usernameKey: User.key(new.username)) != nil {
                throw AppError.conflict("username '\(new.username)' is taken")
            }
            throw error
        }
    }

    func find(id: Int) async throws -> User? {
        try await db.withSQL { sql in
            try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM users WHERE id = \(bind: id)")
                .first(decoding: User.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
    }

    func find(usernameKey: String) async throws -> User? {
        try await db.withSQL { sql in
            try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM users WHERE username_key = \(bind: usernameKey)")
                .first(decoding: User.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
    }

    func count() async throws -> Int {
        struct Row: Decodable { let n: Int }
        return try await db.withSQL { sql in
            try await sql.raw("SELECT COUNT(*) AS n FROM users").first(decoding: Row.self)?.n ?? 0
        }
    }

    func list(_ filter: UserFilter) async throws -> (users: [User], total: Int) {
        struct Count: Decodable { let n: Int }
        return try await db.withSQL { sql in
            var conditions: [SQLQueryString] = ["1 = 1"]
            if let query = filter.query?.lowercased(), !query.isEmpty {
                let pattern = "%" + query.replacingOccurrences(of: "%", with: "") + "%"
                conditions.append("(username_key LIKE \(bind: pattern) OR LOWER(display_name) LIKE \(bind: pattern))")
            }
            if let role = filter.role { conditions.append("role = \(bind: role)") }
            if let status = filter.status { conditions.append("status = \(bind: status)") }
            switch filter.plan {
            case .none?: conditions.append("plan_id IS NULL")
            case .plan(let id)?: conditions.append("plan_id = \(bind: id)")
            case nil: break
            }
            let whereClause = conditions.joined(separator: " AND ")
            let total = try await sql.raw("SELECT COUNT(*) AS n FROM users WHERE \(whereClause)").first(decoding: Count.self)?.n ?? 0
            let users = try await sql.raw(
                "SELECT \(unsafeRaw: Self.columns) FROM users WHERE \(whereClause) ORDER BY id LIMIT \(bind: filter.limit) OFFSET \(bind: filter.offset)"
            ).all(decoding: User.self, keyDecodingStrategy: .convertFromSnakeCase)
            return (users, total)
        }
    }

    /// Writes only the columns `changes` names, in one statement, so a concurrent write to another column survives;
    /// returns the user as stored afterwards, or nil when no such user, when `onlyIfActive` and the user is disabled,
    /// or when `byAdmin` is no longer an active admin (a demotion or disable wins over the actor's in-flight request).
    @discardableResult
    func update(id: Int, _ changes: UserChanges, onlyIfActive: Bool = false, byAdmin adminId: Int? = nil) async throws -> User? {
        try await db.withSQL { sql in
            var update = sql.update("users").set("updated_at", to: SQLBind(clock.nowMillis()))
            if let displayName = changes.displayName { update = update.set("display_name", to: SQLBind(displayName)) }
            if let hash = changes.passwordHash { update = update.set("password_hash", to: SQLBind(hash)) }
            if let role = changes.role { update = update.set("role", to: SQLBind(role.rawValue)) }
            if let status = changes.status { update = update.set("status", to: SQLBind(status.rawValue)) }
            if let mode = changes.accessMode { update = update.set("access_mode", to: SQLBind(mode.rawValue)) }
            if let planId = changes.planId { update = update.set("plan_id", to: SQLBind(planId)) }
            update = update.where("id", .equal, SQLBind(id))
            if onlyIfActive { update = update.where("status", .equal, SQLBind(UserStatus.active.rawValue)) }
            if let adminId { update = update.where(Self.isActiveAdmin(adminId)) }
            return try await update.returning(SQLRaw(Self.columns))
                .first(decoding: User.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
    }

    /// An admin's write to a user: 404 when the user is gone, 403 when `admin` lost the role or was disabled meanwhile.
    func adminUpdate(id: Int, _ changes: UserChanges, by admin: User) async throws -> User {
        if let user = try await update(id: id, changes, byAdmin: admin.id) { return user }
        guard let actor = try await find(id: admin.id), actor.isAdmin, actor.isActive else { throw AppError.forbidden }
        throw AppError.notFound("user")
    }

    /// SQL condition: `adminId` is still an active admin at the moment of the write.
    static func isActiveAdmin(_ adminId: Int) -> SQLQueryString {
        "EXISTS (SELECT 1 FROM users AS actor WHERE actor.id = \(bind: adminId) AND actor.role = 'admin' AND actor.status = 'active')"
    }

    /// Sets a user's own new password, only while the user is still active (a disable wins over an in-flight change).
    func updatePassword(id: Int, hash: String) async throws -> Bool {
        try await update(id: id, UserChanges(passwordHash: hash), onlyIfActive: true) != nil
    }

    func touchLogin(id: Int) async throws {
        try await db.withSQL { sql in
            try await sql.raw("UPDATE users SET last_login_at = \(bind: clock.nowMillis()) WHERE id = \(bind: id)").run()
        }
    }

    func delete(id: Int) async throws {
        try await db.transaction { sql in
            try await sql.raw("DELETE FROM messages WHERE user_id = \(bind: id)").run()
            try await sql.raw("DELETE FROM conversations WHERE user_id = \(bind: id)").run()
            try await sql.raw("DELETE FROM sessions WHERE user_id = \(bind: id)").run()
            try await sql.raw("DELETE FROM share_links WHERE user_id = \(bind: id)").run()
            try await sql.raw("DELETE FROM account_bindings WHERE user_id = \(bind: id)").run()
            try await sql.raw("DELETE FROM users WHERE id = \(bind: id)").run()
        }
    }
}
