import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
@testable import ChatMirror

@Suite struct AuthTests {
    @Test func firstStartCreatesAdminWhoCanSignIn() async throws {
        try await Harness.withApp { app in
            let admin = try await app.loginAdmin()
            let me = try await app.request(.get, "/api/me", session: admin)
            #expect(me.status == .ok)
            let body = try me.json()
            #expect(body["username"] as? String == "admin")
            #expect(body["role"] as? String == "admin")
            #expect(body["csrf"] as? String == admin.csrf)
        }
    }

    @Test func generatedAdminPasswordIsPrintedOnceAndWorks() async throws {
        var config = Harness.config()
        config.adminPassword = nil
        let cleanup = try await TestDatabase.prepare(&config)
        defer { Task { await cleanup() } }
        let printed = LockedLines()
        let finalConfig = config
        let app = try await buildApplication(finalConfig, console: { printed.append($0) })
        try await app.test(.router) { client in
            let tester = AppTester(client: client, config: finalConfig)
            let text = printed.all.joined(separator: "\n")
            let password = try #require(text.split(separator: "\n").first { $0.contains("Password") }?.split(separator: " ").last)
            _ = try await tester.login("admin", String(password))
        }
    }

    @Test func sessionCookieIsHttpOnlyLaxAndSecureOnlyBehindHttps() async throws {
        try await Harness.withApp(configure: { $0.trustProxy = true }) { app in
            let plain = try await app.request(.post, "/api/auth/login", json: #"{"username":"admin","password":"\#(testAdminPassword)"}"#)
            let cookie = try #require(plain.headers[.setCookie])
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Lax"))
            #expect(!cookie.contains("Secure"))
            let secure = try await app.request(.post, "/api/auth/login", json: #"{"username":"ADMIN","password":"\#(testAdminPassword)"}"#,
                                               headers: [.xForwardedProto: "https"])
            #expect(secure.headers[.setCookie]?.contains("Secure") == true)
        }
    }

    @Test func wrongPasswordAndUnknownUserGetTheSame401() async throws {
        try await Harness.withApp { app in
            let wrong = try await app.request(.post, "/api/auth/login", json: #"{"username":"admin","password":"nope-nope"}"#)
            let unknown = try await app.request(.post, "/api/auth/login", json: #"{"username":"ghost","password":"nope-nope"}"#)
            #expect(wrong.status == .unauthorized)
            #expect(unknown.status == .unauthorized)
            #expect(wrong.errorCode == "invalid_credentials")
            #expect(wrong.text == unknown.text)
        }
    }

    @Test func badLoginBodiesGetClear400s() async throws {
        try await Harness.withApp { app in
            let cases: [(String, String)] = [
                ("{", "invalid_json"),
                (#"{"username":"admin"}"#, "invalid_request"),
                (#"{"username":5,"password":"x"}"#, "invalid_request"),
                (#"{"username":"","password":"x"}"#, "invalid_request"),
                ("[]", "invalid_request"),
            ]
            for (body, code) in cases {
                let response = try await app.request(.post, "/api/auth/login", json: body)
                #expect(response.status == .badRequest, "\(body)")
                #expect(response.errorCode == code, "\(body): \(response.text)")
            }
            let missing = try await app.request(.post, "/api/auth/login", json: #"{"username":"admin"}"#)
            #expect(missing.text.contains("password"))
            let form = try await app.request(.post, "/api/auth/login", json: "username=admin", headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect(form.status == .unsupportedMediaType)
        }
    }

    @Test func failedLoginsAreThrottledPerUser() async throws {
        let clock = ManualClock()
        try await Harness.withApp(clock: clock, configure: { $0.loginMaxFailuresPerUser = 3 }) { app in
            for _ in 0..<3 {
                let response = try await app.request(.post, "/api/auth/login", json: #"{"username":"admin","password":"wrong-pass"}"#)
                #expect(response.status == .unauthorized)
            }
            let blocked = try await app.request(.post, "/api/auth/login", json: #"{"username":"admin","password":"\#(testAdminPassword)"}"#)
            #expect(blocked.status == .tooManyRequests)
            #expect(blocked.errorCode == "too_many_attempts")
            #expect(Int(blocked.headers[.retryAfter] ?? "") ?? 0 > 0)
            clock.advance(by: 15 * 60 + 1)
            _ = try await app.loginAdmin()
        }
    }

    @Test func failedLoginsAreThrottledPerIP() async throws {
        try await Harness.withApp(configure: { $0.loginMaxFailuresPerIP = 2; $0.trustProxy = true }) { app in
            for name in ["a", "b"] {
                _ = try await app.request(.post, "/api/auth/login", json: #"{"username":"\#(name)","password":"wrong-pass"}"#,
                                          headers: [.xForwardedFor: "10.0.0.9"])
            }
            let blocked = try await app.request(.post, "/api/auth/login", json: #"{"username":"c","password":"wrong-pass"}"#,
                                                headers: [.xForwardedFor: "10.0.0.9"])
            #expect(blocked.status == .tooManyRequests)
            let otherIP = try await app.request(.post, "/api/auth/login", json: #"{"username":"admin","password":"\#(testAdminPassword)"}"#,
                                                headers: [.xForwardedFor: "10.0.0.10"])
            #expect(otherIP.status == .ok)
        }
    }

    @Test func logoutEndsTheSession() async throws {
        try await Harness.withApp { app in
            let admin = try await app.loginAdmin()
            let out = try await app.request(.post, "/api/auth/logout", session: admin)
            #expect(out.status == .noContent)
            let me = try await app.request(.get, "/api/me", session: admin)
            #expect(me.status == .unauthorized)
            #expect(me.errorCode == "session_expired")
        }
    }

    @Test func writesWithoutTheCSRFTokenAreRefused() async throws {
        try await Harness.withApp { app in
            let admin = try await app.loginAdmin()
            let noToken = try await app.request(.post, "/api/conversations", json: "{}",
                                                headers: [.cookie: "cm_session=\(admin.token)"])
            #expect(noToken.status == .forbidden)
            #expect(noToken.errorCode == "csrf_failed")
            let wrong = try await app.request(.post, "/api/conversations", json: "{}",
                                              headers: [.cookie: "cm_session=\(admin.token)", .xCSRFToken: "nope"])
            #expect(wrong.status == .forbidden)
            let read = try await app.request(.get, "/api/conversations", headers: [.cookie: "cm_session=\(admin.token)"])
            #expect(read.status == .ok)
        }
    }

    @Test func everyResponseCarriesARequestIdAndSecurityHeaders() async throws {
        try await Harness.withApp { app in
            let given = try await app.request(.get, "/healthz", headers: [.xRequestId: "trace-123"])
            #expect(given.headers[.xRequestId] == "trace-123")
            let junk = try await app.request(.get, "/api/me", headers: [.xRequestId: "bad id with spaces"])
            #expect(junk.headers[.xRequestId] != "bad id with spaces")
            #expect(!(junk.headers[.xRequestId] ?? "").isEmpty)
            #expect(junk.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
            #expect(junk.headers[.xContentTypeOptions] == "nosniff")
            let page = try await app.request(.get, "/")
            #expect(page.status == .ok)
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(page.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
        }
    }

    @Test func anonymousRequestsGet401AndUnknownRoutes404() async throws {
        try await Harness.withApp { app in
            for path in ["/api/me", "/api/conversations", "/api/admin/users", "/api/models"] {
                let response = try await app.request(.get, path)
                #expect(response.status == .unauthorized, "\(path)")
                #expect(response.errorCode == "unauthenticated")
            }
            let unknown = try await app.request(.get, "/api/nothing-here")
            #expect(unknown.status == .unauthorized || unknown.status == .notFound)
            let unknownRoot = try await app.request(.get, "/no/such/page")
            #expect(unknownRoot.status == .notFound)
            #expect(unknownRoot.errorCode == "not_found")
        }
    }

    @Test func changingPasswordKeepsThisSessionAndEndsOthers() async throws {
        try await Harness.withApp { app in
            let admin = try await app.loginAdmin()
            let (_, user) = try await app.makeUser("carol", admin: admin)
            let other = try await app.login("carol", "password-carol")
            let short = try await app.request(.put, "/api/me/password", json: #"{"current_password":"password-carol","new_password":"short"}"#, session: user)
            #expect(short.status == .badRequest)
            let wrong = try await app.request(.put, "/api/me/password", json: #"{"current_password":"bad-bad-bad","new_password":"new-password-9"}"#, session: user)
            #expect(wrong.errorCode == "invalid_credentials")
            let ok = try await app.request(.put, "/api/me/password", json: #"{"current_password":"password-carol","new_password":"new-password-9"}"#, session: user)
            #expect(ok.status == .noContent)
            #expect(try await app.request(.get, "/api/me", session: user).status == .ok)
            #expect(try await app.request(.get, "/api/me", session: other).status == .unauthorized)
            _ = try await app.login("carol", "new-password-9")
        }
    }
}

/// Lines collected from the console callback.
final class LockedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}

/// Issue #18: what bcrypt sees of a password, and how often a session may guess the current one.
@Suite struct PasswordHardeningTests {
    private func changePassword(_ app: AppTester, _ session: TestSession, current: String, new: String) async throws -> TestResponse {
        try await app.request(.put, "/api/me/password", json: #"{"current_password":"\#(current)","new_password":"\#(new)"}"#, session: session)
    }

    /// Before: bcrypt stopped at NUL, so "password\u0000anything" set the password "password".
    @Test func controlCharactersInPasswordsAre400sNamingTheField() async throws {
        try await Harness.withApp { app in
            let admin = try await app.loginAdmin()
            let (id, user) = try await app.makeUser("nul", admin: admin)
            for bad in [#"pass\u0000word-1"#, #"pass\tword-12"#, #"password-1\n"#, #"pass\u007fword-1"#] {
                let own = try await changePassword(app, user, current: "password-nul", new: bad)
                #expect(own.status == .badRequest, "\(bad)")
                #expect(own.text.contains("new_password"), "\(bad)")
                let reset = try await app.request(.patch, "/api/admin/users/\(id)", json: #"{"password":"\#(bad)"}"#, session: admin)
                #expect(reset.status == .badRequest, "\(bad)")
                let created = try await app.request(.post, "/api/admin/users", json: #"{"username":"x\#(id)","password":"\#(bad)"}"#, session: admin)
                #expect(created.status == .badRequest, "\(bad)")
                let login = try await app.request(.post, "/api/auth/login", json: #"{"username":"nul","password":"\#(bad)"}"#)
                #expect(login.status == .badRequest, "\(bad)")
                #expect(login.text.contains("'password'"), "\(bad)")
            }
            let current = try await changePassword(app, user, current: #"password-nul\u0000"#, new: "a-new-password")
            #expect(current.text.contains("current_password"))
            // Unicode letters beyond ASCII are fine.
            #expect(try await changePassword(app, user, current: "password-nul", new: "пароль-密码-ok").status == .noContent)
        }
    }

    /// Before: two passwords sharing their first 72 bytes were the same password.
    @Test func everyByteOfALongPasswordCounts() async throws {
        try await Harness.withApp { app in
            let admin = try await app.loginAdmin()
            let (_, user) = try await app.makeUser("longpw", admin: admin)
            let prefix = String(repeating: "x", count: 80)
            #expect(try await changePassword(app, user, current: "password-longpw", new: prefix + "-one").status == .noContent)
            let wrong = try await app.request(.post, "/api/auth/login", json: #"{"username":"longpw","password":"\#(prefix)-two"}"#)
            #expect(wrong.status == .unauthorized)
            _ = try await app.login("longpw", prefix + "-one")
        }
    }

    @Test func passwordsUpTo72BytesKeepTheirStoredHashes() async throws {
        let hasher = PasswordHasher(cost: 4)
        // A stored hash from before (OpenBSD's bcrypt test vector for "U*U") still verifies.
        #expect(try await hasher.verify("U*U", hash: "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"))
        #expect(try await !hasher.verify("U*V", hash: "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"))
        #expect(PasswordHasher.bcryptInput(String(repeating: "é", count: 36)) == String(repeating: "é", count: 36), "72 bytes")
        #expect(PasswordHasher.bcryptInput(String(repeating: "é", count: 37)).count == 44, "74 bytes: pre-hashed")
    }

    /// Before: a session could try current passwords without limit.
    @Test func guessingTheCurrentPasswordIsThrottledLikeSignIn() async throws {
        let clock = ManualClock()
        try await Harness.withApp(clock: clock, configure: { $0.loginMaxFailuresPerUser = 3 }) { app in
            let admin = try await app.loginAdmin()
            let (_, user) = try await app.makeUser("guesser", admin: admin)
            for index in 0..<3 {
                let wrong = try await changePassword(app, user, current: "guess-\(index)-x", new: "a-new-password")
                #expect(wrong.status == .badRequest)
                #expect(wrong.errorCode == "invalid_credentials")
            }
            let blocked = try await changePassword(app, user, current: "password-guesser", new: "a-new-password")
            #expect(blocked.status == .tooManyRequests)
            #expect(blocked.errorCode == "too_many_attempts")
            #expect(Int(blocked.headers[.retryAfter] ?? "") ?? 0 > 0)
            clock.advance(by: 15 * 60 + 1)
            #expect(try await changePassword(app, user, current: "password-guesser", new: "a-new-password").status == .noContent)
        }
    }

    /// Before: the hash for unknown users had cost 10 whatever security.bcrypt_cost said, so timing told them apart.
    @Test func theUnknownUserHashHasTheConfiguredCost() async throws {
        for cost in [4, 6] {
            let dummy = try await PasswordHasher(cost: cost).dummyHash()
            #expect(dummy.split(separator: "$").dropFirst().first == (cost < 10 ? "0\(cost)" : "\(cost)"))
        }
    }
}
