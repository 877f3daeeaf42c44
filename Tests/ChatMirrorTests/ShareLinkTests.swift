import Foundation
import HTTPTypes
import Testing
@testable import ChatMirror

@Suite struct ShareLinkTests {
    private func token(from url: String) throws -> String {
        try #require(url.components(separatedBy: "/s/").last)
    }

    @Test func aShareLinkSignsInAndDropsTheTokenFromTheURL() async throws {
        try await Harness.withApp { app in
            let admin = try await app.loginAdmin()
            let (id, _) = try await app.makeUser("dave", admin: admin)
            let created = try await app.request(.post, "/api/admin/users/\(id)/share-links", json: "{}", session: admin)
            #expect(created.status == .created)
            let url = try #require(try created.json()["url"] as? String)
            let opened = try await app.request(.get, "/s/\(try token(from: url))")
            #expect(opened.status == .seeOther)
            #expect(opened.headers[.location] == "/")
            let cookie = try #require(opened.headers[.setCookie])
            let sessionToken = String(try #require(cookie.split(separator: ";").first?.split(separator: "=").last))
            let me = try await app.request(.get, "/api/me", headers: [.cookie: "cm_session=\(sessionToken)"])
            #expect(try me.json()["username"] as? String == "dave")
        }
    }

    /// Before: a link opened in a browser signed in as someone else switched users silently (and spent a use).
    /// Now the same user goes to the app, someone else is sent to the app's question, and only the switch call
    /// (with this session's CSRF token) uses the link and changes the session.
    @Test func aBrowserSignedInAsSomeoneElseIsAskedBeforeSwitching() async throws {
        try await Harness.withApp { app in
            let admin = try await app.loginAdmin()
            let (bobId, bob) = try await app.makeUser("bob", admin: admin)
            let (_, carol) = try await app.makeUser("carol", admin: admin)
            let link = try await app.request(.post, "/api/admin/users/\(bobId)/share-links", json: #"{"max_uses":1}"#, session: admin).json()
            let secret = try token(from: link["url"] as? String ?? "")
            let uses = { () async throws -> Int? in
                let list = try await app.request(.get, "/api/admin/users/\(bobId)/share-links", session: admin).json()
                return (list["share_links"] as? [[String: Any]])?.first?["uses"] as? Int
            }

            // Signed in as the link's own user: to the app, no use spent, no new session.
            let same = try await app.request(.get, "/s/\(secret)", headers: [.cookie: "cm_session=\(bob.token)"])
            #expect(same.headers[.location] == "/")
            #expect(same.headers[.setCookie] == nil)
            // Signed in as someone else: to the question, in a fragment; no use spent, no new session.
            let other = try await app.request(.get, "/s/\(secret)", headers: [.cookie: "cm_session=\(carol.token)"])
            #expect(other.headers[.location] == "/#switch=\(secret)")
            #expect(other.headers[.setCookie] == nil)
            #expect(try await uses() == 0)

            // The question names whom the link signs in, without using it.
            let inspected = try await app.request(.post, "/api/auth/share-link/inspect", json: #"{"token":"\#(secret)"}"#, session: carol)
            #expect(inspected.status == .ok)
            #expect((try inspected.json()["user"] as? [String: Any])?["username"] as? String == "bob")
            #expect(try await uses() == 0)

            // Bad input: no CSRF token (another site), no session, an unknown token, no token, not JSON.
            let forged = try await app.request(.post, "/api/auth/share-link/switch", json: #"{"token":"\#(secret)"}"#,
                                               headers: [.cookie: "cm_session=\(carol.token)"])
            #expect(forged.status == .forbidden)
            let anonymous = try await app.request(.post, "/api/auth/share-link/switch", json: #"{"token":"\#(secret)"}"#)
            #expect(anonymous.status == .unauthorized)
            for body in [#"{"token":"not-a-token"}"#, #"{"token":""}"#] {
                let unknown = try await app.request(.post, "/api/auth/share-link/switch", json: body, session: carol)
                #expect(unknown.status == .notFound)
                #expect(try unknown.json()["error"].flatMap { ($0 as? [String: Any])?["code"] as? String } == "invalid_link")
            }
            #expect(try await app.request(.post, "/api/auth/share-link/inspect", json: #"{}"#, session: carol).status == .badRequest)
            #expect(try await app.request(.post, "/api/auth/share-link/switch", json: "[1]", session: carol).status == .badRequest)
            #expect(try await uses() == 0)

            // Agreed: the link is used once, carol's session ends, the new one is bob's.
            let switched = try await app.request(.post, "/api/auth/share-link/switch", json: #"{"token":"\#(secret)"}"#, session: carol)
            #expect(switched.status == .ok)
            #expect((try switched.json()["user"] as? [String: Any])?["username"] as? String == "bob")
            let cookie = try #require(switched.headers[.setCookie])
            let newToken = String(try #require(cookie.split(separator: ";").first?.split(separator: "=", maxSplits: 1).last))
            #expect(try await app.request(.get, "/api/me", headers: [.cookie: "cm_session=\(newToken)"]).json()["username"] as? String == "bob")
            #expect(try await app.request(.get, "/api/me", session: carol).status == .unauthorized)
            #expect(try await uses() == 1)
            // Used up: a second switch changes nothing.
            let again = try await app.request(.post, "/api/auth/share-link/switch", json: #"{"token":"\#(secret)"}"#, session: bob)
            #expect(again.status == .notFound)
        }
    }

    @Test func aShareLinkCarriesThePublicURLNotTheRequestsHost() async throws {
        try await Harness.withApp(configure: { $0.publicURL = "https://chat.example.com" }) { app in
            let admin = try await app.loginAdmin()
            let (id, _) = try await app.makeUser("erin", admin: admin)
            let created = try await app.request(.post, "/api/admin/users/\(id)/share-links", json: "{}", session: admin)
            let url = try #require(try created.json()["url"] as? String)
            #expect(url.hasPrefix("https://chat.example.com/s/"), "\(url)")
        }
    }

    @Test func revokedExpiredUsedUpAndUnknownLinksDoNotSignIn() async throws {
        let clock = ManualClock()
        try await Harness.withApp(clock: clock) { app in
            let admin = try await app.loginAdmin()
            let (id, _) = try await app.makeUser("erin", admin: admin)
            let revoked = try await app.request(.post, "/api/admin/users/\(id)/share-links", json: "{}", session: admin).json()
            let revokeResponse = try await app.request(.delete, "/api/admin/share-links/\(revoked["id"] as? Int ?? 0)", session: admin)
            #expect(revokeResponse.status == .noContent)
            let expiring = try await app.request(.post, "/api/admin/users/\(id)/share-links", json: #"{"expires_in_hours":1}"#, session: admin).json()
            let once = try await app.request(.post, "/api/admin/users/\(id)/share-links", json: #"{"max_uses":1}"#, session: admin).json()

            let first = try await app.request(.get, "/s/\(try token(from: once["url"] as? String ?? ""))")
            #expect(first.headers[.location] == "/")
            let second = try await app.request(.get, "/s/\(try token(from: once["url"] as? String ?? ""))")
            #expect(second.headers[.location] == "/?error=invalid_link")
            #expect(second.headers[.setCookie] == nil)

            let revokedOpen = try await app.request(.get, "/s/\(try token(from: revoked["url"] as? String ?? ""))")
            #expect(revokedOpen.headers[.location] == "/?error=invalid_link")
            #expect(revokedOpen.headers[.setCookie] == nil)

            clock.advance(by: 3601)
            let expired = try await app.request(.get, "/s/\(try token(from: expiring["url"] as? String ?? ""))")
            #expect(expired.headers[.location] == "/?error=invalid_link")

            let unknown = try await app.request(.get, "/s/not-a-real-token")
            #expect(unknown.headers[.location] == "/?error=invalid_link")

            let list = try await app.request(.get, "/api/admin/users/\(id)/share-links", session: admin).json()
            let links = try #require(list["share_links"] as? [[String: Any]])
            #expect(links.count == 3)
            #expect(links.allSatisfy { $0["token"] == nil && $0["url"] == nil })
        }
    }

    @Test func aDisabledUsersLinkDoesNotSignIn() async throws {
        try await Harness.withApp { app in
            let admin = try await app.loginAdmin()
            let (id, session) = try await app.makeUser("frank", admin: admin)
            let link = try await app.request(.post, "/api/admin/users/\(id)/share-links", json: "{}", session: admin).json()
            _ = try await app.request(.patch, "/api/admin/users/\(id)", json: #"{"status":"disabled"}"#, session: admin)
            let opened = try await app.request(.get, "/s/\(try token(from: link["url"] as? String ?? ""))")
            #expect(opened.headers[.location] == "/?error=invalid_link")
            #expect(try await app.request(.get, "/api/me", session: session).status == .unauthorized)
            let login = try await app.request(.post, "/api/auth/login", json: #"{"username":"frank","password":"password-frank"}"#)
            #expect(login.status == .forbidden)
            #expect(login.errorCode == "account_disabled")
        }
    }

    @Test func badShareLinkRequestsAreRefused() async throws {
        try await Harness.withApp { app in
            let admin = try await app.loginAdmin()
            let (id, user) = try await app.makeUser("gina", admin: admin)
            let badHours = try await app.request(.post, "/api/admin/users/\(id)/share-links", json: #"{"expires_in_hours":0}"#, session: admin)
            #expect(badHours.status == .badRequest)
            let badUses = try await app.request(.post, "/api/admin/users/\(id)/share-links", json: #"{"max_uses":-1}"#, session: admin)
            #expect(badUses.status == .badRequest)
            let emptyBody = try await app.request(.post, "/api/admin/users/\(id)/share-links", json: "", session: admin)
            #expect(emptyBody.status == .created)
            let noUser = try await app.request(.post, "/api/admin/users/99999/share-links", json: "{}", session: admin)
            #expect(noUser.status == .notFound)
            let notAdmin = try await app.request(.post, "/api/admin/users/\(id)/share-links", json: "{}", session: user)
            #expect(notAdmin.status == .forbidden)
            let unknownLink = try await app.request(.delete, "/api/admin/share-links/424242", session: admin)
            #expect(unknownLink.status == .notFound)
        }
    }

    /// Before: the disabled user's link counted a use, so re-enabling them found a one-use link used up.
    @Test func aDisabledUsersLinkKeepsItsUses() async throws {
        try await Harness.withApp { app in
            let admin = try await app.loginAdmin()
            let (id, _) = try await app.makeUser("hank", admin: admin)
            let link = try await app.request(.post, "/api/admin/users/\(id)/share-links", json: #"{"max_uses":1}"#, session: admin).json()
            let path = "/s/\(try token(from: link["url"] as? String ?? ""))"
            _ = try await app.request(.patch, "/api/admin/users/\(id)", json: #"{"status":"disabled"}"#, session: admin)
            #expect(try await app.request(.get, path).headers[.location] == "/?error=invalid_link")
            let listed = try await app.request(.get, "/api/admin/users/\(id)/share-links", session: admin).json()
            #expect((listed["share_links"] as? [[String: Any]])?.first?["uses"] as? Int == 0)
            _ = try await app.request(.patch, "/api/admin/users/\(id)", json: #"{"status":"active"}"#, session: admin)
            #expect(try await app.request(.get, path).headers[.location] == "/")
        }
    }

    @Test func anAdminPasswordResetRevokesTheUsersLinksUnlessAskedToKeepThem() async throws {
        try await Harness.withApp { app in
            let admin = try await app.loginAdmin()
            let (id, _) = try await app.makeUser("iris", admin: admin)
            func newLink() async throws -> String {
                let link = try await app.request(.post, "/api/admin/users/\(id)/share-links", json: "{}", session: admin).json()
                return "/s/\(try token(from: link["url"] as? String ?? ""))"
            }
            // A reset with keep_share_links: the link still signs in.
            let kept = try await newLink()
            let keep = try await app.request(.patch, "/api/admin/users/\(id)", json: #"{"password":"reset-pass-1","keep_share_links":true}"#, session: admin)
            #expect(keep.status == .ok)
            #expect(try await app.request(.get, kept).headers[.location] == "/")
            // A plain reset: every link is revoked.
            let revoked = try await newLink()
            let reset = try await app.request(.patch, "/api/admin/users/\(id)", json: #"{"password":"reset-pass-2"}"#, session: admin)
            #expect(reset.status == .ok)
            for path in [kept, revoked] { #expect(try await app.request(.get, path).headers[.location] == "/?error=invalid_link") }
            // Other edits leave links alone.
            let untouched = try await newLink()
            _ = try await app.request(.patch, "/api/admin/users/\(id)", json: #"{"display_name":"Iris"}"#, session: admin)
            #expect(try await app.request(.get, untouched).headers[.location] == "/")
            let bad = try await app.request(.patch, "/api/admin/users/\(id)", json: #"{"password":"reset-pass-3","keep_share_links":"yes"}"#, session: admin)
            #expect(bad.status == .badRequest)
            #expect(bad.text.contains("keep_share_links"))
        }
    }

    @Test func tokensNeverReachTheLog() {
        #expect(RequestMiddleware.loggedPath("/s/abcDEF123_-") == "/s/[redacted]")
        #expect(RequestMiddleware.loggedPath("/s/abc/extra") == "/s/[redacted]")
        #expect(RequestMiddleware.loggedPath("/api/me") == "/api/me")
        #expect(RequestMiddleware.loggedPath("/static/s/x.js") == "/static/s/x.js")
    }
}
