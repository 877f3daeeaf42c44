import Foundation
import HTTPTypes
import Testing
@testable import ChatMirror

@Suite struct AdminAPITests {
    @Test func nonAdminsGet403AndAnonymous401OnEveryAdminRoute() async throws {
        try await Harness.withApp { app in
            let admin = try await app.loginAdmin()
            let (_, user) = try await app.makeUser("ursula", admin: admin)
            let routes: [(HTTPRequest.Method, String, String?)] = [
                (.get, "/api/admin/users", nil), (.post, "/api/admin/users", #"{"username":"x"}"#),
                (.get, "/api/admin/users/1", nil), (.patch, "/api/admin/users/1", #"{"role":"user"}"#),
                (.delete, "/api/admin/users/1", nil), (.post, "/api/admin/users/1/share-links", "{}"),
                (.get, "/api/admin/users/1/share-links", nil), (.delete, "/api/admin/share-links/1", nil),
                (.get, "/api/admin/accounts", nil), (.post, "/api/admin/accounts", "{}"),
                (.patch, "/api/admin/accounts/1", "{}"), (.delete, "/api/admin/accounts/1", nil),
            ]
            for (method, path, body) in routes {
                let asUser = try await app.request(method, path, json: body, session: user)
                #expect(asUser.status == .forbidden, "\(method) \(path)")
                let anonymous = try await app.request(method, path, json: body)
                #expect(anonymous.status == .unauthorized, "\(method) \(path)")
            }
        }
    }

    @Test func usersAreCreatedListedUpdatedAndDeleted() async throws {
        try await Harness.withApp { app in
            let admin = try await app.loginAdmin()
            let created = try await app.request(.post, "/api/admin/users", json: #"{"username":"Zoe","display_name":"Zoë"}"#, session: admin)
            #expect(created.status == .created)
            let body = try created.json()
            let password = try #require(body["password"] as? String)
            let id = try #require((body["user"] as? [String: Any])?["id"] as? Int)
            _ = try await app.login("zoe", password)
            let taken = try await app.request(.post, "/api/admin/users", json: #"{"username":"ZOE"}"#, session: admin)
            #expect(taken.status == .conflict)
            let search = try await app.request(.get, "/api/admin/users?q=zo", session: admin).json()
            #expect(search["total"] as? Int == 1)
            let admins = try await app.request(.get, "/api/admin/users?role=admin", session: admin).json()
            #expect(admins["total"] as? Int == 1)
            let plan = try await app.request(.post, "/api/admin/plans", json: #"{"name":"Team"}"#, session: admin).json()
            let planId = try #require(plan["id"] as? Int)
            _ = try await app.request(.put, "/api/admin/users/\(id)/plan", json: #"{"plan_id":\#(planId)}"#, session: admin)
            let onPlan = try await app.request(.get, "/api/admin/users?plan_id=\(planId)", session: admin).json()
            #expect((onPlan["users"] as? [[String: Any]])?.map { $0["username"] as? String } == ["Zoe"])
            let noPlan = try await app.request(.get, "/api/admin/users?plan_id=none", session: admin).json()
            #expect((noPlan["users"] as? [[String: Any]])?.map { $0["username"] as? String } == ["admin"])
            #expect(try await app.request(.get, "/api/admin/users?plan_id=abc", session: admin).status == .badRequest)
            let updated = try await app.request(.patch, "/api/admin/users/\(id)", json: #"{"display_name":"Zoe Q","access_mode":"mixed"}"#, session: admin)
            #expect(try updated.json()["access_mode"] as? String == "mixed")
            #expect(try await app.request(.delete, "/api/admin/users/\(id)", session: admin).status == .noContent)
            #expect(try await app.request(.get, "/api/admin/users/\(id)", session: admin).status == .notFound)
        }
    }

    @Test func badUserInputNamesTheField() async throws {
        try await Harness.withApp { app in
            let admin = try await app.loginAdmin()
            let me = try await app.request(.get, "/api/me", session: admin).json()
            let adminId = try #require(me["id"] as? Int)
            let cases: [(String, String, String)] = [
                ("/api/admin/users", #"{"username":"has space"}"#, "username"),
                ("/api/admin/users", #"{"username":""}"#, "username"),
                ("/api/admin/users", #"{"username":"ok","password":"short"}"#, "password"),
                ("/api/admin/users", #"{"username":"ok","role":"root"}"#, "role"),
                ("/api/admin/users", #"{"username":"ok","access_mode":"any"}"#, "access_mode"),
                ("/api/admin/users", #"{"display_name":"no username"}"#, "username"),
            ]
            for (path, body, field) in cases {
                let response = try await app.request(.post, path, json: body, session: admin)
                #expect(response.status == .badRequest, "\(body)")
                #expect(response.text.contains(field), "\(body): \(response.text)")
            }
            let selfDisable = try await app.request(.patch, "/api/admin/users/\(adminId)", json: #"{"status":"disabled"}"#, session: admin)
            #expect(selfDisable.status == .badRequest)
            let selfDemote = try await app.request(.patch, "/api/admin/users/\(adminId)", json: #"{"role":"user"}"#, session: admin)
            #expect(selfDemote.status == .badRequest)
            let badStatus = try await app.request(.patch, "/api/admin/users/\(adminId)", json: #"{"status":"gone"}"#, session: admin)
            #expect(badStatus.status == .badRequest)
            #expect(try await app.request(.get, "/api/admin/users/abc", session: admin).status == .notFound)
        }
    }

    @Test func disablingAUserEndsTheirSessionsAtOnce() async throws {
        try await Harness.withApp { app in
            let admin = try await app.loginAdmin()
            let (id, user) = try await app.makeUser("victor", admin: admin)
            #expect(try await app.request(.get, "/api/me", session: user).status == .ok)
            _ = try await app.request(.patch, "/api/admin/users/\(id)", json: #"{"status":"disabled"}"#, session: admin)
            #expect(try await app.request(.get, "/api/me", session: user).status == .unauthorized)
            _ = try await app.request(.patch, "/api/admin/users/\(id)", json: #"{"status":"active"}"#, session: admin)
            #expect(try await app.request(.get, "/api/me", session: user).status == .unauthorized)
        }
    }

    @Test func accountKeysAreSealedMaskedAndNeverReturned() async throws {
        try await Harness.withApp { app in
            let admin = try await app.loginAdmin()
            let id = try await app.addAccount(baseURL: "http://127.0.0.1:9/v1", admin: admin, models: ["m1", "m2"])
            let account = try await app.request(.get, "/api/admin/accounts/\(id)", session: admin)
            #expect(!account.text.contains("sk-test-key-1234"))
            #expect(try account.json()["api_key_masked"] as? String == "sk-...1234")
            let stored = try await StoreAccess.with(app.config) { db in try await AccountRepository(db: db, clock: SystemClock()).find(id: id) }
            let sealed = try #require(stored?.sealedCredential)
            #expect(!sealed.contains("sk-test"))
            let patched = try await app.request(.patch, "/api/admin/accounts/\(id)", json: #"{"api_key":"sk-new-key-9876","weight":3}"#, session: admin)
            #expect(try patched.json()["api_key_masked"] as? String == "sk-...9876")
            #expect(try patched.json()["weight"] as? Int == 3)
            let list = try await app.request(.get, "/api/admin/accounts", session: admin)
            #expect(!list.text.contains("sk-new-key"))
            #expect(try await app.request(.delete, "/api/admin/accounts/\(id)", session: admin).status == .noContent)
            #expect(try await app.request(.get, "/api/admin/accounts/\(id)", session: admin).status == .notFound)
        }
    }

    @Test func badAccountInputNamesTheField() async throws {
        try await Harness.withApp { app in
            let admin = try await app.loginAdmin()
            let cases: [(String, String)] = [
                (#"{"base_url":"http://x/v1","models":["m"]}"#, "name"),
                (#"{"name":"a","models":["m"]}"#, "base_url"),
                (#"{"name":"a","base_url":"ftp://x","models":["m"]}"#, "base_url"),
                (#"{"name":"a","base_url":"not a url","models":["m"]}"#, "base_url"),
                (#"{"name":"a","base_url":"http://x/v1"}"#, "models"),
                (#"{"name":"a","base_url":"http://x/v1","models":[]}"#, "models"),
                (#"{"name":"a","base_url":"http://x/v1","models":"m"}"#, "models"),
                (#"{"name":"a","base_url":"http://x/v1","models":["m"],"weight":0}"#, "weight"),
                (#"{"name":"a","base_url":"http://x/v1","models":["m"],"provider":"other"}"#, "provider"),
                (#"{"name":"a","base_url":"http://x/v1","models":["m"],"pool":"everyone"}"#, "pool"),
                (#"{"name":"a","base_url":"http://x/v1","models":["m"],"max_concurrency":-1}"#, "max_concurrency"),
            ]
            for (body, field) in cases {
                let response = try await app.request(.post, "/api/admin/accounts", json: body, session: admin)
                #expect(response.status == .badRequest, "\(body)")
                #expect(response.text.contains(field), "\(body): \(response.text)")
            }
            let list = try await app.request(.get, "/api/admin/accounts", session: admin).json()
            #expect((list["accounts"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func testConnectionShowsTheModelsOrTheExactError() async throws {
        try await ChatFixture.with { f in
            let accounts = try await f.app.request(.get, "/api/admin/accounts", session: f.admin).json()
            let id = try #require((accounts["accounts"] as? [[String: Any]])?.first?["id"] as? Int)
            let ok = try await f.app.request(.post, "/api/admin/accounts/\(id)/test", session: f.admin).json()
            #expect(ok["ok"] as? Bool == true)
            #expect((ok["models"] as? [String])?.contains("mock-gpt") == true)
            f.mock.state.update { $0.apiKey = "other-key" }
            let refused = try await f.app.request(.post, "/api/admin/accounts/\(id)/test", session: f.admin).json()
            #expect(refused["ok"] as? Bool == false)
            #expect(refused["error_kind"] as? String == "authentication")
            #expect(refused["status"] as? Int == 401)
        }
    }

    @Test func modelsListOnlyWhatTheUserCanReach() async throws {
        try await ChatFixture.with { f in
            let models = try await f.app.request(.get, "/api/models", session: f.user).json()
            #expect((models["models"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["mock-gpt"])
            let (_, dedicated) = try await f.app.makeUser("dedi", admin: f.admin, accessMode: "dedicated")
            let none = try await f.app.request(.get, "/api/models", session: dedicated).json()
            #expect((none["models"] as? [Any])?.isEmpty == true)
        }
    }
}
