import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// Name of the session cookie.
let sessionCookieName = "cm_session"

/// Resolves the session cookie to an identity; a missing, unknown or disabled user's session leaves it empty.
struct SessionAuthMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let sessions: SessionRepository

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let token = request.cookies[sessionCookieName]?.value, !token.isEmpty, token.count < 200,
           let (session, user) = try await sessions.findActive(token: token), user.isActive {
            context.identity = Identity(user: user, session: session, apiKeyId: nil)
            context.logger[metadataKey: "user.id"] = "\(user.id)"
            try await sessions.touch(session)
        }
        return try await next(request, context)
    }
}

/// Requires a signed-in user, and the CSRF token on cookie-authenticated writes.
struct RequireUserMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    var adminOnly = false

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let identity = context.identity else {
            let expired = request.cookies[sessionCookieName] != nil
            throw expired ? AppError(.unauthorized, "session_expired", "your session has ended; sign in again") : AppError.unauthenticated
        }
        if let session = identity.session, request.method != .get, request.method != .head {
            let sent = request.headers[.xCSRFToken] ?? ""
            guard constantTimeEqual(sent, session.csrfToken) else {
                throw AppError(.forbidden, "csrf_failed", "missing or wrong X-CSRF-Token header (get it from GET /api/me)")
            }
        }
        if adminOnly, !identity.user.isAdmin { throw AppError.forbidden }
        return try await next(request, context)
    }
}

/// Compares secrets without an early exit.
func constantTimeEqual(_ lhs: String, _ rhs: String) -> Bool {
    let left = Array(lhs.utf8)
    let right = Array(rhs.utf8)
    guard left.count == right.count else { return false }
    var difference: UInt8 = 0
    for index in left.indices { difference |= left[index] ^ right[index] }
    return difference == 0
}

/// Builds the session cookie (and its deletion).
enum SessionCookie {
    static func make(token: String, lifetimeHours: Int, secure: Bool) -> Cookie {
        Cookie(name: sessionCookieName, value: token, maxAge: lifetimeHours * 3600, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }

    static func clear(secure: Bool) -> Cookie {
        Cookie(name: sessionCookieName, value: "", maxAge: 0, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }
}
