import Foundation
import HTTPTypes
import MockUpstream
import Testing
@testable import ChatMirror

@Suite struct PoolTests {
    private func chat(_ app: AppTester, _ session: TestSession, _ content: String = "hi") async throws -> [SSEEvent] {
        let conversation = try await app.createConversation(session)
        let response = try await app.request(.post, "/api/conversations/\(conversation)/messages", json: #"{"content":"\#(content)"}"#, session: session)
        return SSE.parse(response.text).events
    }

    @Test func anthropicAccountsStreamThroughTheMessagesAPI() async throws {
        var mock = MockUpstreamConfiguration()
        mock.models = ["claude-mock"]
        mock.apiKey = "sk-test-key-1234"
        mock.chunkCount = 4
        try await RunningMockUpstream.withRunning(configuration: mock) { upstream in
            try await Harness.withApp(.live) { app in
                let admin = try await app.loginAdmin()
                try await app.addAccount(baseURL: upstream.baseURL, admin: admin, models: ["claude-mock"], extra: #","provider":"anthropic""#)
                let (_, user) = try await app.makeUser("ann", admin: admin)
                let events = try await chat(app, user, "hello claude")
                #expect(events.last?.name == "done")
                #expect(events.filter { $0.name == "delta" }.count == 4)
                #expect(SSE.text(events).hasPrefix("Mock answer to: hello claude"))
                let body = try #require(upstream.state.snapshot.lastRequestBody)
                #expect(body.contains("\"max_tokens\":4096"))
                #expect(upstream.state.snapshot.lastAuthorization == "sk-test-key-1234")
                upstream.state.update { $0.failure = "close" }
                let broken = try await chat(app, user)
                #expect(broken.last?.name == "error")
                #expect(broken.last?.status == "incomplete")
                upstream.state.update { $0.failure = "429" }
                let limited = try await chat(app, user)
                #expect(limited.last?.code == "upstream_unavailable")
            }
        }
    }

    @Test func dedicatedUsersUseOnlyTheirBoundAccountsAndMixedFallBackToShared() async throws {
        try await RunningMockUpstream.withRunning { shared in
            try await RunningMockUpstream.withRunning { personal in
                try await Harness.withApp(.live) { app in
                    let admin = try await app.loginAdmin()
                    try await app.addAccount(baseURL: shared.baseURL, admin: admin)
                    let dedicatedId = try await app.addAccount(baseURL: personal.baseURL, admin: admin, extra: #","pool":"dedicated""#)
                    let (dedicatedUser, dedicated) = try await app.makeUser("ded", admin: admin, accessMode: "dedicated")
                    let (mixedUser, mixed) = try await app.makeUser("mix", admin: admin, accessMode: "mixed")
                    let (_, sharedOnly) = try await app.makeUser("sha", admin: admin, accessMode: "shared")
                    #expect(try await chat(app, dedicated).first?.name == nil)
                    for id in [dedicatedUser, mixedUser] {
                        let bound = try await app.request(.put, "/api/admin/users/\(id)/bindings", json: #"{"account_ids":[\#(dedicatedId)]}"#, session: admin)
                        #expect(bound.status == .ok)
                    }
                    let bad = try await app.request(.put, "/api/admin/users/\(dedicatedUser)/bindings", json: #"{"account_ids":[999]}"#, session: admin)
                    #expect(bad.status == .badRequest)
                    _ = try await chat(app, dedicated)
                    _ = try await chat(app, mixed)
                    _ = try await chat(app, sharedOnly)
                    #expect(personal.state.snapshot.streamsCompleted == 2)
                    #expect(shared.state.snapshot.streamsCompleted == 1)
                    personal.state.update { $0.failure = "500" }
                    let fallback = try await chat(app, mixed)
                    #expect(fallback.last?.name == "done")
                    #expect(shared.state.snapshot.streamsCompleted == 2)
                    let users = try await app.request(.get, "/api/admin/accounts/\(dedicatedId)/bindings", session: admin).json()
                    #expect((users["users"] as? [Any])?.count == 2)
                }
            }
        }
    }
}
