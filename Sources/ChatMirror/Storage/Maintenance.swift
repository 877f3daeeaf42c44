import Foundation
import Logging

/// One-shot commands outside the server: migrate, reset a password.
public enum Maintenance {
    /// Applies pending migrations.
    public static func migrate(_ config: AppConfig) async throws {
        try await withStore(config) { db, logger in try await Migrator.migrate(db, logger: logger) }
    }

    /// Sets a user's password (generated when `password` is nil), ends their sessions and (unless `keepShareLinks`)
    /// revokes their share links; returns the password.
    public static func resetPassword(_ config: AppConfig, username: String, password: String?, keepShareLinks: Bool = false) async throws -> String {
        if let password {
            do { try PasswordHasher.validate(password) } catch let error as AppError {
                throw ConfigProblem(key: "--password", problem: error.message.replacingOccurrences(of: "field 'password' ", with: ""))
            }
        }
        let newPassword = password ?? Tokens.password()
        try await withStore(config) { db, logger in
            try await Migrator.migrate(db, logger: logger)
            let users = UserRepository(db: db, clock: SystemClock())
            guard let user = try await users.find(usernameKey: User.key(username)) else {
                throw ConfigProblem(key: "USERNAME", problem: "no user named '\(username)'")
            }
            let hash = try await PasswordHasher(cost: config.bcryptCost).hash(newPassword)
            try await users.update(id: user.id, UserChanges(passwordHash: hash, status: .active))
            try await SessionRepository(db: db, clock: SystemClock()).revokeAll(userId: user.id)
            if !keepShareLinks { try await ShareLinkRepository(db: db, clock: SystemClock()).revokeAll(userId: user.id) }
        }
        return newPassword
    }

    private static func withStore(_ config: AppConfig, _ body: (any AppDatabase, Logger) async throws -> Void) async throws {
        var logger = Logger(label: "chat-mirror")
        logger.logLevel = config.logLevel
        if config.databaseURL == nil { try PrivateFiles.prepareDirectory(config.dataDirectory) }
        let (db, postgres) = try await DatabaseFactory.open(config: config, logger: logger)
        if let postgres {
            try await postgres.whileRunning { try await body(db, logger) }
        } else {
            try await body(db, logger)
        }
        await db.close()
    }
}
