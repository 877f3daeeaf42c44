import Foundation
import Hummingbird

/// Admin routes for users and their share links.
struct AdminUsersController {
    let users: UserRepository
    let sessions: SessionRepository
    let shareLinks: ShareLinkRepository
    let hasher: PasswordHasher
    let audit: AuditLog
    let settings: SettingsRepository
    let clock: any AppClock
    let config: AppConfig

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("users", use: listUsers)
        group.post("users", use: createUser)
        group.get("users/:id", use: getUser)
        group.patch("users/:id", use: updateUser)
        group.delete("users/:id", use: deleteUser)
        group.get("users/:id/share-links", use: listShareLinks)
        group.post("users/:id/share-links", use: createShareLink)
        group.delete("share-links/:id", use: revokeShareLink)
    }

    struct CreateBody: Decodable {
        let username: String
        let displayName: String?
        let password: String?
        let role: String?
        let accessMode: String?
    }

    struct UpdateBody: Decodable {
        let displayName: String?
        let role: String?
        let status: String?
        let accessMode: String?
        let password: String?
        /// With a new password: keep the user's share links (by default they are revoked, like their sessions).
        let keepShareLinks: Bool?
    }

    struct ShareLinkBody: Decodable {
        let expiresInHours: Int?
        let maxUses: Int?
    }

    static func validUsername(_ name: String) -> Bool {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "._-@"))
        return (1...64).contains(name.count) && name.unicodeScalars.allSatisfy { allowed.contains($0) }
    }

    static func parse<T: RawRepresentable & CaseIterable>(_ value: String?, _ type: T.Type, field: String) throws -> T? where T.RawValue == String {
        guard let value else { return nil }
        guard let parsed = T(rawValue: value) else {
            throw AppError.invalid("field '\(field)' must be one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return parsed
    }

    private func userId(_ context: AppRequestContext) throws -> Int {
        guard let id = context.parameters.get("id", as: Int.self) else { throw AppError.notFound("user") }
        return id
    }

    @Sendable func listUsers(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (limit, offset) = try Paging.read(request)
        let query = request.uri.queryParameters
        var filter = UserFilter(query: query.get("q"), limit: limit, offset: offset)
        filter.role = try Self.parse(query.get("role"), UserRole.self, field: "role")?.rawValue
        filter.status = try Self.parse(query.get("status"), UserStatus.self, field: "status")?.rawValue
        if let plan = query.get("plan_id") {
            guard plan == "none" || Int(plan).map({ $0 > 0 }) == true else {
                throw AppError.invalid("query 'plan_id' must be a plan id or none")
            }
            filter.plan = plan == "none" ? UserFilter.PlanFilter.none : .plan(Int(plan) ?? 0)
        }
        let (rows, total) = try await users.list(filter)
        struct Body: Encodable {
            let users: [UserView]
            let total: Int
        }
        return try JSONResponse.make(Body(users: rows.map(UserView.init), total: total))
    }

    @Sendable func createUser(_ request: Request, context: AppRequestContext) async throws -> Response {
        let admin = try context.requireUser()
        let body = try await request.decodeJSON(CreateBody.self, limit: 65_536)
        let username = body.username.trimmingCharacters(in: .whitespaces)
        guard Self.validUsername(username) else {
            throw AppError.invalid("field 'username' must be 1-64 letters, digits or ._-@")
        }
        let displayName = body.displayName?.trimmingCharacters(in: .whitespaces) ?? ""
        guard displayName.count <= 100 else { throw AppError.invalid("field 'display_name' must be at most 100 characters") }
        if let password = body.password { try PasswordHasher.validate(password) }
        let role = try Self.parse(body.role, UserRole.self, field: "role") ?? .user
        let site = try await settings.load()
        let mode = try Self.parse(body.accessMode, AccessMode.self, field: "access_mode") ?? AccessMode(rawValue: site.defaultAccessMode) ?? .shared
        let generated = body.password == nil ? Tokens.password() : nil
        let hash = try await hasher.hash(body.password ?? generated ?? "")
        var user = try await users.create(NewUser(username: username, displayName: displayName.isEmpty ? username : displayName,
                                                  passwordHash: hash, role: role, accessMode: mode))
        if let plan = site.defaultPlanId {
            user = try await users.adminUpdate(id: user.id, UserChanges(planId: .some(plan)), by: admin)
        }
        try await audit.record(actor: admin, action: "user.create", target: "user:\(user.id)", ip: context.clientIP,
                               details: ["username": .string(user.username), "role": .string(user.role)])
        struct Body: Encodable {
            let user: UserView
            let password: String?
        }
        return try JSONResponse.make(Body(user: UserView(user), password: generated), status: .created)
    }

    @Sendable func getUser(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = try await users.find(id: try userId(context)) else { throw AppError.notFound("user") }
        return try JSONResponse.make(UserView(user))
    }

    @Sendable func updateUser(_ request: Request, context: AppRequestContext) async throws -> Response {
        let admin = try context.requireUser()
        let body = try await request.decodeJSON(UpdateBody.self, limit: 65_536)
        guard let before = try await users.find(id: try userId(context)) else { throw AppError.notFound("user") }
        var changes = UserChanges()
        var endSessions = false
        if let name = body.displayName?.trimmingCharacters(in: .whitespaces) {
            guard (1...100).contains(name.count) else { throw AppError.invalid("field 'display_name' must be 1-100 characters") }
            changes.displayName = name
        }
        if let role = try Self.parse(body.role, UserRole.self, field: "role") {
            if before.id == admin.id, role != .admin { throw AppError.invalid("field 'role': you cannot remove your own admin role") }
            changes.role = role
        }
        if let status = try Self.parse(body.status, UserStatus.self, field: "status") {
            if before.id == admin.id, status != .active { throw AppError.invalid("field 'status': you cannot disable yourself") }
            endSessions = status == .disabled
            changes.status = status
        }
        changes.accessMode = try Self.parse(body.accessMode, AccessMode.self, field: "access_mode")
        if let password = body.password {
            try PasswordHasher.validate(password)
            changes.passwordHash = try await hasher.hash(password)
            endSessions = true
        }
        // Only the named columns are written: a concurrent change to another one (the user's own password, another
        // admin's edit) is kept.
        let user = try await users.adminUpdate(id: before.id, changes, by: admin)
        if endSessions { try await sessions.revokeAll(userId: user.id) }
        // A password reset means the old access is in doubt: a share link is access too.
        if changes.passwordHash != nil, body.keepShareLinks != true { try await shareLinks.revokeAll(userId: user.id) }
        try await audit.recordChange(actor: admin, action: "user.update", target: "user:\(user.id)", ip: context.clientIP,
                                     before: UserView(before), after: UserView(user),
                                     extra: changes.passwordHash == nil ? [:] : ["password": .string("(changed)")])
        return try JSONResponse.make(UserView(user))
    }

    @Sendable func deleteUser(_ request: Request, context: AppRequestContext) async throws -> Response {
        let admin = try context.requireUser()
        let id = try userId(context)
        guard let user = try await users.find(id: id) else { throw AppError.notFound("user") }
        guard user.id != admin.id else { throw AppError.invalid("you cannot delete yourself") }
        try await users.delete(id: id)
        try await audit.record(actor: admin, action: "user.delete", target: "user:\(id)", ip: context.clientIP,
                               details: ["username": .string(user.username)])
        return JSONResponse.noContent()
    }

    @Sendable func listShareLinks(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try userId(context)
        guard try await users.find(id: id) != nil else { throw AppError.notFound("user") }
        let now = clock.nowMillis()
        struct Body: Encodable { let shareLinks: [ShareLinkView] }
        return try JSONResponse.make(Body(shareLinks: try await shareLinks.list(userId: id).map { ShareLinkView($0, now: now) }))
    }

    @Sendable func createShareLink(_ request: Request, context: AppRequestContext) async throws -> Response {
        let admin = try context.requireUser()
        let id = try userId(context)
        guard try await users.find(id: id) != nil else { throw AppError.notFound("user") }
        // An empty body (with or without a JSON content type) means "no expiry, no use limit".
        let raw = try await request.body.collect(upTo: 16_384)
        let body: ShareLinkBody
        if raw.readableBytes == 0 {
            body = ShareLinkBody(expiresInHours: nil, maxUses: nil)
        } else {
            var copy = request
            copy.body = .init(buffer: raw)
            body = try await copy.decodeJSON(ShareLinkBody.self, limit: 16_384)
        }
        if let hours = body.expiresInHours, !(1...87_600).contains(hours) {
            throw AppError.invalid("field 'expires_in_hours' must be 1-87600")
        }
        if let uses = body.maxUses, !(1...1_000_000).contains(uses) { throw AppError.invalid("field 'max_uses' must be 1-1000000") }
        let now = clock.nowMillis()
        let (link, token) = try await shareLinks.create(
            userId: id, expiresAt: body.expiresInHours.map { now + $0 * 3_600_000 }, maxUses: body.maxUses)
        try await audit.record(actor: admin, action: "share_link.create", target: "user:\(id)", ip: context.clientIP,
                               details: ["share_link_id": .int(link.id)])
        let url = "\(PublicURL.base(request: request, context: context, config: config))/s/\(token)"
        return try JSONResponse.make(ShareLinkView(link, now: now, url: url), status: .created)
    }

    @Sendable func revokeShareLink(_ request: Request, context: AppRequestContext) async throws -> Response {
        let admin = try context.requireUser()
        guard let id = context.parameters.get("id", as: Int.self), try await shareLinks.revoke(id: id) else {
            throw AppError.notFound("share link")
        }
        try await audit.record(actor: admin, action: "share_link.revoke", target: "share_link:\(id)", ip: context.clientIP)
        return JSONResponse.noContent()
    }
}

/// The external base URL: configured, or from the request's Host (and scheme).
enum PublicURL {
    static func base(request: Request, context: AppRequestContext, config: AppConfig) -> String {
        if let configured = config.publicURL { return configured }
        let host = request.head.authority ?? "\(config.host):\(config.port)"
        return "\(context.isSecure ? "https" : "http")://\(host)"
    }
}
