import Foundation
import HTTPTypes
import Testing
@testable import ChatMirror

@Suite struct AdminStatsTests {
    @Test func theLedgerFeedsStatsUsageAndCSV() async throws {
        try await ChatFixture.with { f in
            _ = try await f.send("one")
            _ = try await f.send("two")
            let stats = try await f.app.request(.get, "/api/admin/stats", session: f.admin).json()
            #expect(stats["requests_today"] as? Int == 2)
            #expect(stats["users_active_today"] as? Int == 1)
            #expect((stats["tokens_today"] as? Int ?? 0) > 0)
            #expect((stats["accounts"] as? [[String: Any]])?.first?["status"] as? String == "active")
            #expect((stats["by_model"] as? [[String: Any]])?.first?["name"] as? String == "mock-gpt")
            #expect((stats["top_users"] as? [[String: Any]])?.first?["name"] as? String == "alice")
            #expect((stats["hourly"] as? [[String: Any]])?.count == 1)
            let csv = try await f.app.request(.get, "/api/admin/usage.csv", session: f.admin)
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            let lines = csv.text.split(separator: "\n")
            #expect(lines.count == 3)
            #expect(lines[1].contains(",alice,"))
            #expect(lines[1].contains(",ok,"))
            let users = try await f.app.request(.get, "/api/admin/users?q=alice", session: f.admin).json()
            let id = try #require((users["users"] as? [[String: Any]])?.first?["id"] as? Int)
            let mine = try await f.app.request(.get, "/api/admin/usage.csv?user_id=\(id)&from=2000-01-01", session: f.admin)
            #expect(mine.text.split(separator: "\n").count == 3)
            let nobody = try await f.app.request(.get, "/api/admin/usage.csv?user_id=99999", session: f.admin)
            #expect(nobody.text.split(separator: "\n").count == 1)
            let bad = try await f.app.request(.get, "/api/admin/usage.csv?from=yesterday", session: f.admin)
            #expect(bad.status == .badRequest)
            let reversed = try await f.app.request(.get, "/api/admin/usage.csv?from=2026-12-10&to=2026-12-01", session: f.admin)
            #expect(reversed.status == .badRequest)
            let usage = try await f.app.request(.get, "/api/admin/users/\(id)/usage", session: f.admin).json()
            #expect((usage["by_model"] as? [[String: Any]])?.first?["requests"] as? Int == 2)
            #expect(try await f.app.request(.get, "/api/admin/stats", session: f.user).status == .forbidden)
        }
    }

    @Test func adminWritesAreAuditedWithoutSecrets() async throws {
        try await Harness.withApp { app in
            let admin = try await app.loginAdmin()
            let (id, _) = try await app.makeUser("audited", admin: admin)
            _ = try await app.request(.patch, "/api/admin/users/\(id)", json: #"{"password":"secret-password-9"}"#, session: admin)
            try await app.addAccount(baseURL: "http://127.0.0.1:9/v1", admin: admin)
            let log = try await app.request(.get, "/api/admin/audit", session: admin)
            #expect(!log.text.contains("secret-password-9"))
            #expect(!log.text.contains("sk-test-key-1234"))
            let entries = try #require(try log.json()["entries"] as? [[String: Any]])
            #expect(entries.map { $0["action"] as? String } == ["account.create", "user.update", "user.create"])
            #expect(entries.allSatisfy { $0["actor"] as? String == "admin" })
            let filtered = try await app.request(.get, "/api/admin/audit?action=user.", session: admin).json()
            #expect((filtered["entries"] as? [Any])?.count == 2)
            let byActor = try await app.request(.get, "/api/admin/audit?actor=nobody", session: admin).json()
            #expect((byActor["entries"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func updatesAreAuditedWithWhatChangedBeforeAndAfter() async throws {
        try await Harness.withApp { app in
            // setup
            let admin = try await app.loginAdmin()
            let (id, _) = try await app.makeUser("carol", admin: admin)
            _ = try await app.request(.patch, "/api/admin/users/\(id)", json: #"{"display_name":"Carol A"}"#, session: admin)

            // act: change her name and password, the site's timezone, acknowledge all alerts
            _ = try await app.request(.patch, "/api/admin/users/\(id)", json: #"{"display_name":"Carol B","password":"another-secret-1"}"#, session: admin)
            _ = try await app.request(.put, "/api/admin/settings", json: #"{"timezone":"Asia/Shanghai"}"#, session: admin)
            _ = try await app.request(.post, "/api/admin/alerts/ack", session: admin)

            // check: each entry names only what changed, before and after, and never the password
            let log = try await app.request(.get, "/api/admin/audit", session: admin)
            #expect(!log.text.contains("another-secret-1"))
            let entries = try #require(try log.json()["entries"] as? [[String: Any]])
            #expect(entries.prefix(3).map { $0["action"] as? String } == ["alert.ack_all", "settings.update", "user.update"])
            let settings = try #require((entries[1]["details"] as? [String: Any])?["changes"] as? [String: [String: Any]])
            #expect(Array(settings.keys) == ["timezone"])
            #expect(settings["timezone"]?["after"] as? String == "Asia/Shanghai")
            let user = try #require(entries[2]["details"] as? [String: Any])
            let changes = try #require(user["changes"] as? [String: [String: Any]])
            #expect(Array(changes.keys) == ["display_name"])
            #expect(changes["display_name"]?["before"] as? String == "Carol A")
            #expect(changes["display_name"]?["after"] as? String == "Carol B")
            #expect(user["password"] as? String == "(changed)")
        }
    }
}
