import Foundation
import HTTPTypes
import MockUpstream
import Testing
@testable import ChatMirror

@Suite struct HealthTests {
    private func accountStatus(_ f: ChatFixture) async throws -> String? {
        let accounts = try await f.app.request(.get, "/api/admin/accounts", session: f.admin).json()
        return (accounts["accounts"] as? [[String: Any]])?.first?["status"] as? String
    }

    private func alerts(_ f: ChatFixture) async throws -> [[String: Any]] {
        try await f.app.request(.get, "/api/admin/alerts", session: f.admin).json()["alerts"] as? [[String: Any]] ?? []
    }

    @Test func aRefusedKeyAlertsOnceAndTheAccountComesBackWhenItRecovers() async throws {
        var mock = MockUpstreamConfiguration()
        mock.failure = "401"
        try await ChatFixture.with(mock: mock, configure: { $0.healthIntervalSeconds = 0.1 }) { f in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 { group.addTask { _ = try await f.send("hi", to: try await f.app.createConversation(f.user)) } }
                try await group.waitForAll()
            }
            #expect(try await accountStatus(f) == "failing")
            let first = try await alerts(f)
            #expect(first.count == 1)
            #expect(first.first?["to_status"] as? String == "failing")
            f.mock.state.update { $0.failure = nil }
            #expect(try await eventually(timeout: 20) { try await accountStatus(f) == "active" })
            let after = try await alerts(f)
            #expect(after.count == 2)
            #expect(after.first?["to_status"] as? String == "active")
            let summary = try await f.app.request(.get, "/api/admin/alerts", session: f.admin).json()
            #expect(summary["unacknowledged"] as? Int == 2)
            #expect(try await f.app.request(.post, "/api/admin/alerts/ack", session: f.admin).status == .noContent)
            let acked = try await f.app.request(.get, "/api/admin/alerts?open=true", session: f.admin).json()
            #expect((acked["alerts"] as? [Any])?.isEmpty == true)
            #expect(try await f.app.request(.post, "/api/admin/alerts/99999/ack", session: f.admin).status == .notFound)
            let answer = try await f.send("again", to: try await f.app.createConversation(f.user))
            #expect(SSE.parse(answer.text).events.last?.name == "done")
        }
    }

    @Test func aRateLimitCoolsUntilRetryAfterThenTheAccountServesAgain() async throws {
        // The 429 is asked for in the message, so the model list the health check reads never fails: however slow
        // the machine, the probe after the cooldown sees a healthy upstream.
        try await ChatFixture.with(configure: { $0.healthIntervalSeconds = 0.1 }) { f in
            let limited = try await f.send("hi [[mock:fail=429]] [[mock:retry_after=1]]")
            #expect(SSE.parse(limited.text).events.last?.code == "upstream_unavailable")
            #expect(try await eventually(timeout: 20) { try await accountStatus(f) == "active" })
            #expect(try await alerts(f).map { $0["to_status"] as? String } == ["active", "cooling"])
        }
    }

    @Test func repeatedServerErrorsOpenTheBreakerAndAProbeClosesIt() async throws {
        var mock = MockUpstreamConfiguration()
        mock.failure = "500"
        try await ChatFixture.with(mock: mock, configure: { $0.healthIntervalSeconds = 3600 }) { f in
            for _ in 0..<2 { _ = try await f.send("x", to: try await f.app.createConversation(f.user)) }
            #expect(try await accountStatus(f) == "active")
            _ = try await f.send("x", to: try await f.app.createConversation(f.user))
            #expect(try await accountStatus(f) == "cooling")
            let blocked = try await f.send("x", to: try await f.app.createConversation(f.user))
            #expect(blocked.status == .serviceUnavailable)
            #expect(f.mock.state.snapshot.requests == 3)
        }
    }
}

@Suite struct WebhookTests {
    @Test func alertsArePostedToTheWebhookAndRetriedWithoutSecrets() async throws {
        var mock = MockUpstreamConfiguration()
        mock.failure = "401"
        try await ChatFixture.with(mock: mock, configure: { $0.healthIntervalSeconds = 3600 }) { f in
            let hook = f.mock.baseURL + "/chat/completions"
            let set = try await f.app.request(.put, "/api/admin/settings", json: #"{"webhook_url":"\#(hook)"}"#, session: f.admin)
            #expect(set.status == .ok)
            let bad = try await f.app.request(.put, "/api/admin/settings", json: #"{"webhook_url":"not a url"}"#, session: f.admin)
            #expect(bad.status == .badRequest)
            _ = try await f.send("trigger")
            let hooks: @Sendable () -> [String] = { f.mock.state.requestBodies.filter { $0.contains("account_status") } }
            #expect(try await eventually(timeout: 10) { hooks().count >= 2 })
            let body = try #require(hooks().first)
            #expect(body.contains(#""to_status":"failing""#))
            #expect(!body.contains("sk-test-key-1234"))
        }
    }
}
