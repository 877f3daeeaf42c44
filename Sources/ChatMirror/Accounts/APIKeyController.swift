import Foundation
import Hummingbird

/// Personal API keys: a user's own (`/api/me/api-keys`) and, for admins, anyone's.
struct APIKeyController {
    let keys: APIKeyRepository
    let users: UserRepository
    let audit: AuditLog

    struct CreateBody: Decodable { let name: String? }

    func addRoutes(me: RouterGroup<AppRequestContext>, admin: RouterGroup<AppRequestContext>) {
        me.get("me/api-keys", use: listMine)
        me.post("me/api-keys", use: create)
        me.delete("me/api-keys/:id", use: revokeMine)
        admin.get("users/:id/api-keys", use: listForUser)
        admin.delete("api-keys/:id", use: revokeAny)
    }

    private struct ListBody: Encodable { let apiKeys: [APIKeyView] }

    @Sendable func listMine(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        return try JSONResponse.make(ListBody(apiKeys: try await keys.list(userId: user.id).map { APIKeyView($0) }))
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let body = try await request.decodeJSON(CreateBody.self, limit: 16_384)
        let name = body.name?.trimmingCharacters(in: .whitespaces) ?? ""
        guard (1...100).contains(name.count) else { throw AppError.invalid("field 'name' must be 1-100 characters") }
        let existing = try await keys.list(userId: user.id).filter { $0.revokedAt == nil }
        guard existing.count < 50 else { throw AppError.invalid("you already have 50 keys; revoke one first") }
        let (key, secret) = try await keys.create(userId: user.id, name: name)
        return try JSONResponse.make(APIKeyView(key, secret: secret), status: .created)
    }

    @Sendable func revokeMine(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        guard let id = context.parameters.get("id", as: Int.self), try await keys.revoke(id: id, userId: user.id) else {
            throw AppError.notFound("API key")
        }
        return JSONResponse.noContent()
    }

    @Sendable func listForUser(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id", as: Int.self), try await users.find(id: id) != nil else { throw AppError.notFound("user") }
        return try JSONResponse.make(ListBody(apiKeys: try await keys.list(userId: id).map { APIKeyView($0) }))
    }

    @Sendable func revokeAny(_ request: Request, context: AppRequestContext) async throws -> Response {
        let admin = try context.requireUser()
        guard let id = context.parameters.get("id", as: Int.self), try await keys.revoke(id: id, userId: nil) else {
            throw AppError.notFound("API key")
        }
        try await audit.record(actor: admin, action: "api_key.revoke", target: "api_key:\(id)", ip: context.clientIP)
        return JSONResponse.noContent()
    }
}

/// Authenticates `/v1` requests by `Authorization: Bearer <personal API key>`.
struct APIKeyAuthMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let keys: APIKeyRepository

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            throw AppError(.unauthorized, "invalid_api_key", "send your ChatMirror API key as 'Authorization: Bearer cm-...'")
        }
        let secret = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        guard secret.count < 200, let (key, user) = try await keys.authenticate(secret: secret) else {
            throw AppError(.unauthorized, "invalid_api_key", "this API key is not valid (unknown or revoked)")
        }
        guard user.isActive else { throw AppError(.unauthorized, "invalid_api_key", "the account of this API key is disabled") }
        try await keys.touch(key)
        var context = context
        context.identity = Identity(user: user, session: nil, apiKeyId: key.id)
        context.logger[metadataKey: "user.id"] = "\(user.id)"
        return try await next(request, context)
    }
}
