import Foundation
import MockUpstream
import Testing
@testable import ChatMirror

@Suite struct UpstreamFailureTests {
    /// Each mock failure mode and the error the user sees (code, message status).
    static let cases: [(failure: String, code: String, status: String)] = [
        ("401", "upstream_auth_failed", "error"),
        ("403", "upstream_auth_failed", "error"),
        ("404", "model_not_found", "error"),
        ("429", "upstream_unavailable", "error"),
        ("500", "upstream_error", "error"),
        ("503", "upstream_error", "error"),
        ("hang", "upstream_timeout", "error"),
        ("hang_after_headers", "upstream_timeout", "error"),
        ("close", "upstream_error", "incomplete"),
        ("malformed", "upstream_bad_response", "incomplete"),
    ]

    @Test(arguments: cases)
    func eachFailureModeEndsWithItsClearErrorAndKeepsTheUserMessage(failure: String, code: String, status: String) async throws {
        var mock = MockUpstreamConfiguration()
        mock.failure = failure
        mock.chunkCount = 6
        // Short timeouts only where the mock hangs: elsewhere a loaded machine must not turn an answer into a timeout.
        let timeout = failure.hasPrefix("hang") ? 1 : 30
        try await ChatFixture.with(mock: mock, configure: { $0.upstreamFirstTokenTimeoutSeconds = timeout; $0.upstreamIdleTimeoutSeconds = timeout }) { f in
            let response = try await f.send("please fail")
            #expect(response.status == .ok)
            let (events, _) = SSE.parse(response.text)
            let last = try #require(events.last)
            #expect(last.name == "error", "\(failure)")
            #expect(last.code == code, "\(failure): \(last.data)")
            #expect(last.status == status, "\(failure)")
            #expect(!(last.data["message"] ?? "").isEmpty)
            let messages = try await f.messages()
            #expect(messages.first?["content"] as? String == "please fail")
            #expect(messages.last?["status"] as? String == status)
            if status == "incomplete" {
                let content = messages.last?["content"] as? String ?? ""
                #expect(content.count > 0)
                #expect(content == SSE.text(events))
            }
        }
    }

    @Test func aRefusedCredentialMarksTheAccountFailingAndARateLimitCoolsIt() async throws {
        for (failure, status) in [("401", "failing"), ("429", "cooling")] {
            var mock = MockUpstreamConfiguration()
            mock.failure = failure
            try await ChatFixture.with(mock: mock) { f in
                _ = try await f.send("hi")
                let accounts = try await f.app.request(.get, "/api/admin/accounts", session: f.admin).json()
                let account = try #require((accounts["accounts"] as? [[String: Any]])?.first)
                #expect(account["status"] as? String == status)
                let next = try await f.send("again")
                #expect(next.status == .serviceUnavailable)
                #expect(next.errorCode == "upstream_unavailable")
                if failure == "429" { #expect(next.headers[.retryAfter] != nil) }
            }
        }
    }

    @Test func noAccountForTheUserIsAClearError() async throws {
        try await Harness.withApp { app in
            let admin = try await app.loginAdmin()
            let (_, user) = try await app.makeUser("nobody", admin: admin)
            let conversation = try await app.createConversation(user)
            let response = try await app.request(.post, "/api/conversations/\(conversation)/messages", json: #"{"content":"hi"}"#, session: user)
            #expect(response.status == .serviceUnavailable)
            #expect(response.errorCode == "no_upstream")
            let models = try await app.request(.get, "/api/models", session: user).json()
            #expect((models["models"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func failuresBeforeTheFirstTokenFailOverToAnotherAccount() async throws {
        var broken = MockUpstreamConfiguration()
        broken.failure = "500"
        try await RunningMockUpstream.withRunning(configuration: broken) { bad in
            try await RunningMockUpstream.withRunning { good in
                try await Harness.withApp(.live) { app in
                    let admin = try await app.loginAdmin()
                    try await app.addAccount(baseURL: bad.baseURL, admin: admin, extra: #","weight":1000"#)
                    try await app.addAccount(baseURL: good.baseURL, admin: admin)
                    let (_, user) = try await app.makeUser("bob", admin: admin)
                    for _ in 0..<3 {
                        let conversation = try await app.createConversation(user)
                        let response = try await app.request(.post, "/api/conversations/\(conversation)/messages", json: #"{"content":"hi"}"#, session: user)
                        let (events, _) = SSE.parse(response.text)
                        #expect(events.last?.name == "done")
                    }
                    #expect(good.state.snapshot.streamsCompleted == 3)
                    #expect(bad.state.snapshot.requests >= 1)
                }
            }
        }
    }
}
