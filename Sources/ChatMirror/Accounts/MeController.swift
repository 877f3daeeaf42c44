import Foundation
import Hummingbird

/// The signed-in user's own routes.
struct MeController {
    let users: UserRepository
    let sessions: SessionRepository
    let hasher: PasswordHasher
    let throttle: LoginThrottle
    let pool: AccountPool
    let config: AppConfig

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("me", use: getMe)
        group.put("me/password", use: changePassword)
        group.get("models", use: listModels)
    }

    struct PasswordBody: Decodable {
        let currentPassword: String
        let newPassword: String
    }

    @Sendable func getMe(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        struct Body: Encodable {
            let id: Int
            let username, displayName, role, status, accessMode: String
            let createdAt: String?
            let csrf: String?
        }
        return try JSONResponse.make(Body(
            id: user.id, username: user.username, displayName: user.displayName, role: user.role, status: user.status,
            accessMode: user.accessMode, createdAt: ISOTime.string(millis: user.createdAt), csrf: context.identity?.session?.csrfToken))
    }

    @Sendable func changePassword(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let body = try await request.decodeJSON(PasswordBody.self, limit: 16_384)
        try PasswordHasher.refuseControlCharacters(body.currentPassword, field: "current_password")
        try PasswordHasher.validate(body.newPassword, field: "new_password")
        // Guessing the current password through a session is throttled like guessing it at sign-in.
        let key = User.key(user.username)
        try await throttle.check(usernameKey: key, ip: context.clientIP, attempts: "password attempts")
        guard try await hasher.verify(String(body.currentPassword.prefix(256)), hash: user.passwordHash) else {
            await throttle.recordFailure(usernameKey: key, ip: context.clientIP)
            throw AppError(.badRequest, "invalid_credentials", "field 'current_password' is not your current password")
        }
        await throttle.recordSuccess(usernameKey: key)
        // Only the hash is written, and only while the user is active: an admin's disable or demotion during the
        // bcrypt work above is never written back over.
        guard try await users.updatePassword(id: user.id, hash: try await hasher.hash(body.newPassword)) else {
            throw AppError.accountDisabled
        }
        try await sessions.revokeAll(userId: user.id, except: context.identity?.session?.id)
        return JSONResponse.noContent()
    }

    @Sendable func listModels(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        struct Model: Encodable { let id: String }
        struct Body: Encodable { let models: [Model] }
        return try JSONResponse.make(Body(models: try await pool.models(for: user).map(Model.init)))
    }
}
