import Foundation
import HTTPTypes
import Hummingbird

/// Sign-in by password or share link, and sign-out.
struct AuthController {
    let users: UserRepository
    let sessions: SessionRepository
    let shareLinks: ShareLinkRepository
    let hasher: PasswordHasher
    let throttle: LoginThrottle
    let settings: SettingsRepository
    let config: AppConfig

    struct LoginBody: Decodable {
        let username: String
        let password: String
    }

    func addRoutes(to router: RouterGroup<AppRequestContext>, shareRoutes: Router<AppRequestContext>) {
        router.post("auth/login", use: login)
        router.post("auth/logout", use: logout)
        shareRoutes.get("s/:token", use: openShareLink)
    }

    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await request.decodeJSON(LoginBody.self, limit: 16_384)
        let key = User.key(body.username)
        guard !key.isEmpty else { throw AppError.invalid("field 'username' must not be empty") }
        guard !body.password.isEmpty else { throw AppError.invalid("field 'password' must not be empty") }
        try PasswordHasher.refuseControlCharacters(body.password)
        try await throttle.check(usernameKey: key, ip: context.clientIP)
        let user = try await users.find(usernameKey: key)
        // An unknown user is checked against a hash at the configured cost: the same time as a wrong password.
        let hash = if let user { user.passwordHash } else { try await hasher.dummyHash() }
        let valid = try await hasher.verify(String(body.password.prefix(256)), hash: hash)
        guard let user, valid else {
            await throttle.recordFailure(usernameKey: key, ip: context.clientIP)
            context.logger.notice("failed sign-in", metadata: ["auth.username_key": "\(key)"])
            throw AppError(.unauthorized, "invalid_credentials", "wrong username or password")
        }
        guard user.isActive else { throw AppError.accountDisabled }
        await throttle.recordSuccess(usernameKey: key)
        return try await signIn(user, request: request, context: context, status: .ok)
    }

    @Sendable func logout(_ request: Request, context: AppRequestContext) async throws -> Response {
        if let token = request.cookies[sessionCookieName]?.value { try await sessions.revoke(token: token) }
        var response = Response(status: .noContent)
        response.setCookie(SessionCookie.clear(secure: context.isSecure))
        return response
    }

    /// `GET /s/<token>`: signs the browser in as the link's user. A browser already signed in is never switched
    /// silently: the same user goes to the app (no use spent); someone else is asked first, in the app
    /// (`/#switch=<token>`, a fragment, so it reaches no server log), which then calls `switchByShareLink`.
    @Sendable func openShareLink(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = context.parameters.get("token") ?? ""
        if token.count <= 200, let current = try await signedInUser(request) {
            guard let userId = try await shareLinks.peek(token: token) else {
                context.logger.notice("share link refused")
                return redirect(to: "/?error=invalid_link")
            }
            return redirect(to: userId == current.id ? "/" : "/#switch=\(token)")
        }
        guard token.count <= 200, let userId = try await shareLinks.consume(token: token),
              let user = try await users.find(id: userId), user.isActive
        else {
            context.logger.notice("share link refused")
            return redirect(to: "/?error=invalid_link")
        }
        let hours = try await sessionLifetimeHours()
        let (sessionToken, _) = try await sessions.create(
            userId: user.id, lifetimeHours: hours, ip: context.clientIP, userAgent: request.headers[.userAgent])
        try await users.touchLogin(id: user.id)
        var response = redirect(to: "/")
        response.setCookie(SessionCookie.make(token: sessionToken, lifetimeHours: hours, secure: context.isSecure))
        return response
    }

    struct ShareLinkBody: Decodable {
        let token: String
    }

    /// `POST /api/auth/share-link/inspect`: whom a share link signs in, without using it (the question before a
    /// switch).
    @Sendable func inspectShareLink(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try await shareLinkUser(request)
        struct Body: Encodable { let user: UserView }
        return try JSONResponse.make(Body(user: UserView(user)))
    }

    /// `POST /api/auth/share-link/switch`: uses the link, ends this browser's session and signs in as its user
    /// (with this session's CSRF token, so no other site can switch a browser to another account).
    @Sendable func switchByShareLink(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await request.decodeJSON(ShareLinkBody.self, limit: 4096)
        guard body.token.count <= 200, let userId = try await shareLinks.consume(token: body.token),
              let user = try await users.find(id: userId), user.isActive
        else { throw Self.invalidLink }
        if let token = request.cookies[sessionCookieName]?.value { try await sessions.revoke(token: token) }
        return try await signIn(user, request: request, context: context, status: .ok)
    }

    private static let invalidLink = AppError(.notFound, "invalid_link", "this link is not valid: revoked, expired or used up")

    private func shareLinkUser(_ request: Request) async throws -> User {
        let body = try await request.decodeJSON(ShareLinkBody.self, limit: 4096)
        guard body.token.count <= 200, let userId = try await shareLinks.peek(token: body.token),
              let user = try await users.find(id: userId), user.isActive
        else { throw Self.invalidLink }
        return user
    }

    /// The active user of the session cookie, if any.
    private func signedInUser(_ request: Request) async throws -> User? {
        guard let token = request.cookies[sessionCookieName]?.value, !token.isEmpty, token.count < 200,
              let (_, user) = try await sessions.findActive(token: token), user.isActive else { return nil }
        return user
    }

    private func signIn(_ user: User, request: Request, context: AppRequestContext, status: HTTPResponse.Status) async throws -> Response {
        let hours = try await sessionLifetimeHours()
        let (token, csrf) = try await sessions.create(
            userId: user.id, lifetimeHours: hours, ip: context.clientIP, userAgent: request.headers[.userAgent])
        try await users.touchLogin(id: user.id)
        struct Body: Encodable {
            let user: UserView
            let csrf: String
        }
        var response = try JSONResponse.make(Body(user: UserView(user), csrf: csrf), status: status)
        response.setCookie(SessionCookie.make(token: token, lifetimeHours: hours, secure: context.isSecure))
        return response
    }

    /// The site setting when the admin set one, else the configuration.
    private func sessionLifetimeHours() async throws -> Int {
        try await settings.load().sessionLifetimeHours ?? config.sessionLifetimeHours
    }

    private func redirect(to location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store", .referrerPolicy: "no-referrer"])
    }
}
