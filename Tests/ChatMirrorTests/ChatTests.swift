import Foundation
import HTTPTypes
import HummingbirdTesting
import MockUpstream
import Testing
@testable import ChatMirror

/// A live app with one mock account and a signed-in user.
struct ChatFixture: Sendable {
    let app: AppTester
    let mock: RunningMockUpstream
    let admin: TestSession
    let user: TestSession
    let conversation: String

    static func with(
        mock configuration: MockUpstreamConfiguration = .init(), clock: any AppClock = SystemClock(), configure: @escaping @Sendable (inout AppConfig) -> Void = { _ in },
        _ body: @Sendable (ChatFixture) async throws -> Void
    ) async throws {
        try await RunningMockUpstream.withRunning(configuration: configuration) { mock in
            try await Harness.withApp(.live, clock: clock, configure: configure) { app in
                let admin = try await app.loginAdmin()
                try await app.addAccount(baseURL: mock.baseURL, admin: admin)
                let (_, user) = try await app.makeUser("alice", admin: admin)
                let conversation = try await app.createConversation(user)
                try await body(ChatFixture(app: app, mock: mock, admin: admin, user: user, conversation: conversation))
            }
        }
    }

    func send(_ content: String, to conversation: String? = nil, parent: String? = nil, session: TestSession? = nil) async throws -> TestResponse {
        var body: [String: Any] = ["content": content]
        if let parent { body["parent_id"] = parent }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
        return try await app.request(.post, "/api/conversations/\(conversation ?? self.conversation)/messages", json: json, session: session ?? user)
    }

    func conversationBody(_ id: String? = nil) async throws -> [String: Any] {
        try await app.request(.get, "/api/conversations/\(id ?? conversation)", session: user).json()
    }

    func messages(_ id: String? = nil) async throws -> [[String: Any]] {
        try await conversationBody(id)["messages"] as? [[String: Any]] ?? []
    }
}

@Suite struct ChatTests {
    @Test func anAnswerStreamsAsEventsAndIsSaved() async throws {
        var mock = MockUpstreamConfiguration()
        mock.chunkCount = 5
        try await ChatFixture.with(mock: mock) { f in
            let response = try await f.send("Hello there, how are you?")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/event-stream") == true)
            let (events, _) = SSE.parse(response.text)
            #expect(events.first?.name == "meta")
            #expect(events.filter { $0.name == "delta" }.count == 5)
            #expect(events.last?.name == "done")
            #expect(events.last?.status == "complete")
            let messages = try await f.messages()
            #expect(messages.count == 2)
            #expect(messages[0]["role"] as? String == "user")
            #expect(messages[1]["content"] as? String == SSE.text(events))
            #expect(messages[1]["status"] as? String == "complete")
            #expect((messages[1]["completion_tokens"] as? Int ?? 0) > 0)
            #expect(try await f.conversationBody()["title"] as? String == "Hello there, how are you?")
            let list = try await f.app.request(.get, "/api/conversations", session: f.user).json()
            #expect((list["conversations"] as? [[String: Any]])?.first?["title"] as? String == "Hello there, how are you?")
        }
    }

    @Test func followUpsSendTheHistoryOfTheBranch() async throws {
        var mock = MockUpstreamConfiguration()
        mock.echo = true
        try await ChatFixture.with(mock: mock) { f in
            _ = try await f.send("first question")
            _ = try await f.send("second question")
            let body = try #require(f.mock.state.snapshot.lastRequestBody)
            #expect(body.contains("first question"))
            #expect(body.contains("Echo: first question"))
            #expect(body.contains("second question"))
            #expect(!body.contains("alice"))
        }
    }

    @Test func editingAnEarlierMessageBranchesAndRegenerateAddsASibling() async throws {
        var mock = MockUpstreamConfiguration()
        mock.echo = true
        try await ChatFixture.with(mock: mock) { f in
            _ = try await f.send("one")
            _ = try await f.send("two")
            var messages = try await f.messages()
            let firstAnswer = try #require(messages[1]["id"] as? String)
            let secondUser = try #require(messages[2]["id"] as? String)
            let edited = try await f.send("two, edited", parent: firstAnswer)
            #expect(edited.status == .ok)
            let body = try #require(f.mock.state.snapshot.lastRequestBody)
            #expect(!body.contains("\"two\""))
            #expect(body.contains("two, edited"))
            let regenerated = try await f.app.request(.post, "/api/conversations/\(f.conversation)/regenerate",
                                                     json: #"{"message_id":"\#(secondUser)"}"#, session: f.user)
            #expect(regenerated.status == .ok)
            messages = try await f.messages()
            #expect(messages.count == 7)
            let siblingsOfSecond = messages.filter { $0["parent_id"] as? String == secondUser }
            #expect(siblingsOfSecond.count == 2)
            let usersAfterFirst = messages.filter { $0["parent_id"] as? String == firstAnswer }
            #expect(usersAfterFirst.count == 2)
            let leaf = try #require(try await f.conversationBody()["current_leaf_id"] as? String)
            #expect(siblingsOfSecond.contains { $0["id"] as? String == leaf })
            let switched = try await f.app.request(.patch, "/api/conversations/\(f.conversation)",
                                                   json: #"{"current_leaf_id":"\#(firstAnswer)"}"#, session: f.user)
            #expect(switched.status == .ok)
            #expect(try await f.conversationBody()["current_leaf_id"] as? String == firstAnswer)
        }
    }

    @Test func badMessagesAreRefusedAndNothingIsWritten() async throws {
        try await ChatFixture.with(configure: { $0.maxContentChars = 50 }) { f in
            let path = "/api/conversations/\(f.conversation)/messages"
            let cases: [(String, HTTPResponse.Status, String)] = [
                ("{", .badRequest, "invalid_json"),
                (#"{"content":""}"#, .badRequest, "invalid_request"),
                (#"{"content":"   "}"#, .badRequest, "invalid_request"),
                (#"{"content":5}"#, .badRequest, "invalid_request"),
                (#"{}"#, .badRequest, "invalid_request"),
                (#"{"content":"\#(String(repeating: "x", count: 51))"}"#, .badRequest, "invalid_request"),
                (#"{"content":"hi","model":"no-such-model"}"#, .badRequest, "invalid_request"),
                (#"{"content":"hi","parent_id":"00000000-0000-0000-0000-000000000000"}"#, .badRequest, "invalid_request"),
            ]
            for (body, status, code) in cases {
                let response = try await f.app.request(.post, path, json: body, session: f.user)
                #expect(response.status == status, "\(body)")
                #expect(response.errorCode == code, "\(body): \(response.text)")
            }
            #expect(try await f.messages().isEmpty)
            let notAUUID = try await f.app.request(.post, "/api/conversations/not-a-uuid/messages", json: #"{"content":"hi"}"#, session: f.user)
            #expect(notAUUID.status == .notFound)
            let tooBig = try await f.app.request(.post, path, json: #"{"content":"\#(String(repeating: "y", count: 2_000_000))"}"#, session: f.user)
            #expect(tooBig.status == .contentTooLarge)
        }
    }

    @Test func aSecondAnswerWhileOneStreamsIsAConflict() async throws {
        var mock = MockUpstreamConfiguration()
        mock.chunkCount = 40
        mock.chunkDelayMs = 50
        try await ChatFixture.with(mock: mock) { f in
            let port = try #require(f.app.client.port)
            async let first = LiveStream.readPartially(port: port, path: "/api/conversations/\(f.conversation)/messages",
                                                       body: #"{"content":"long one"}"#, session: f.user) { SSE.ended($0) }
            #expect(try await eventually { try await f.conversationBody()["active_generation"] is [String: Any] })
            let second = try await f.send("again")
            #expect(second.status == .conflict)
            #expect(second.errorCode == "generation_in_progress")
            _ = try await first
        }
    }

    @Test func theAnswerGoesOnWhenTheClientLeavesAndReattachGetsAllOfIt() async throws {
        var mock = MockUpstreamConfiguration()
        mock.chunkCount = 30
        mock.chunkDelayMs = 40
        try await ChatFixture.with(mock: mock) { f in
            let port = try #require(f.app.client.port)
            let partial = try await LiveStream.readPartially(port: port, path: "/api/conversations/\(f.conversation)/messages",
                                                             body: #"{"content":"tell me a story"}"#, session: f.user) {
                $0.components(separatedBy: "event: delta").count > 3
            }
            #expect(!partial.contains("event: done"))
            let reattached = try await f.app.request(.get, "/api/conversations/\(f.conversation)/stream", session: f.user)
            #expect(reattached.status == .ok)
            let (events, _) = SSE.parse(reattached.text)
            #expect(events.first?.name == "meta")
            #expect(events.last?.name == "done")
            let streamed = SSE.text(events)
            let messages = try await f.messages()
            let saved = try #require(messages.last?["content"] as? String)
            #expect(saved == streamed)
            #expect(saved.hasPrefix("Mock answer to: tell me a story"))
            #expect(saved.hasSuffix("word29"))
            #expect(messages.last?["status"] as? String == "complete")
            #expect(f.mock.state.snapshot.streamsCancelled == 0)
            let nothing = try await f.app.request(.get, "/api/conversations/\(f.conversation)/stream", session: f.user)
            #expect(nothing.status == .noContent)
        }
    }

    @Test func thinkingStreamsApartFromTheAnswerAndSurvivesReattach() async throws {
        var mock = MockUpstreamConfiguration()
        mock.chunkCount = 20
        mock.chunkDelayMs = 40
        try await ChatFixture.with(mock: mock) { f in
            let port = try #require(f.app.client.port)
            let partial = try await LiveStream.readPartially(port: port, path: "/api/conversations/\(f.conversation)/messages",
                                                             body: #"{"content":"think first [[mock:reasoning=deepseek]]"}"#, session: f.user) {
                $0.components(separatedBy: "event: reasoning").count > 3
            }
            #expect(!partial.contains("event: delta"), "thinking comes before the answer")
            let reattached = try await f.app.request(.get, "/api/conversations/\(f.conversation)/stream", session: f.user)
            let (events, _) = SSE.parse(reattached.text)
            #expect(events.first?.name == "meta")
            #expect(events.dropFirst().first?.name == "reasoning", "the thinking so far comes first on re-attach")
            #expect(events.last?.name == "done")
            let thinking = events.filter { $0.name == "reasoning" }.compactMap(\.text).joined()
            let messages = try await f.messages()
            #expect(!thinking.isEmpty)
            #expect(messages.last?["reasoning"] as? String == thinking)
            #expect(messages.last?["content"] as? String == SSE.text(events))
            let content = messages.last?["content"] as? String ?? ""
            #expect(content.range(of: thinking) == nil, "thinking is not part of the answer")
            // The thinking is never sent back upstream as content.
            _ = try await f.send("and now?")
            let history = f.mock.state.snapshot.lastRequestBody ?? ""
            #expect(!history.contains(thinking))
        }
    }

    @Test func anExplicitStopCancelsTheUpstreamAndKeepsThePartialAnswer() async throws {
        var mock = MockUpstreamConfiguration()
        mock.chunkCount = 100
        mock.chunkDelayMs = 40
        try await ChatFixture.with(mock: mock) { f in
            let port = try #require(f.app.client.port)
            async let stream = LiveStream.readPartially(port: port, path: "/api/conversations/\(f.conversation)/messages",
                                                        body: #"{"content":"go on and on"}"#, session: f.user) { SSE.ended($0) }
            #expect(try await eventually { (try await f.messages().last?["role"] as? String) == "assistant" })
            try await Task.sleep(for: .milliseconds(300))
            let stop = try await f.app.request(.post, "/api/conversations/\(f.conversation)/stop", session: f.user)
            #expect(try stop.json()["stopped"] as? Bool == true, "\(stop.status) \(stop.text)")
            let text = try await stream
            let (events, _) = SSE.parse(text)
            #expect(events.last?.name == "done")
            #expect(events.last?.data["finish_reason"] == "cancelled")
            let last = try #require(try await f.messages().last)
            #expect(last["status"] as? String == "incomplete")
            #expect(last["finish_reason"] as? String == "cancelled")
            #expect(!(last["content"] as? String ?? "").isEmpty)
            #expect(last["content"] as? String == SSE.text(events))
            #expect(try await eventually { f.mock.state.snapshot.streamsCancelled == 1 })
            let again = try await f.app.request(.post, "/api/conversations/\(f.conversation)/stop", session: f.user)
            #expect(try again.json()["stopped"] as? Bool == false)
        }
    }

    @Test func heartbeatsKeepASlowStreamAlive() async throws {
        var mock = MockUpstreamConfiguration()
        mock.firstTokenDelayMs = 600
        mock.chunkCount = 2
        try await ChatFixture.with(mock: mock, configure: { $0.heartbeatSeconds = 0.1 }) { f in
            let response = try await f.send("slow please")
            let (events, comments) = SSE.parse(response.text)
            #expect(comments >= 2)
            #expect(events.last?.name == "done")
        }
    }

    @Test func anAnswerOverTheMaximumDurationIsCutAndSaved() async throws {
        var mock = MockUpstreamConfiguration()
        mock.chunkCount = 100
        mock.chunkDelayMs = 50
        try await ChatFixture.with(mock: mock, configure: { $0.maxGenerationSeconds = 1 }) { f in
            let response = try await f.send("never ending")
            let (events, _) = SSE.parse(response.text)
            #expect(events.last?.data["finish_reason"] == "timeout")
            let last = try #require(try await f.messages().last)
            #expect(last["status"] as? String == "incomplete")
            #expect(last["finish_reason"] as? String == "timeout")
            // What was streamed before the cut is what is saved (on a loaded machine that may be little).
            #expect(last["content"] as? String == SSE.text(events))
        }
    }

    @Test func partialTextIsFlushedWhileStreaming() async throws {
        var mock = MockUpstreamConfiguration()
        mock.chunkCount = 60
        mock.chunkDelayMs = 50
        try await ChatFixture.with(mock: mock, configure: { $0.flushIntervalSeconds = 0.2 }) { f in
            let port = try #require(f.app.client.port)
            async let stream = LiveStream.readPartially(port: port, path: "/api/conversations/\(f.conversation)/messages",
                                                        body: #"{"content":"flush me"}"#, session: f.user) { SSE.ended($0) }
            let flushed = try await StoreAccess.with(f.app.config) { db in
                let conversations = ConversationRepository(db: db, clock: SystemClock())
                return try await eventually {
                    let rows = try await conversations.messages(conversationId: f.conversation, userId: 2)
                    return rows.contains { $0.role == "assistant" && $0.status == "streaming" && !$0.content.isEmpty }
                }
            }
            #expect(flushed)
            _ = try await stream
        }
    }

}

/// A second connection to a test app's store, to look at what was written.
enum StoreAccess {
    static func with<T: Sendable>(_ config: AppConfig, _ body: @Sendable (any AppDatabase) async throws -> T) async throws -> T {
        let (db, postgres) = try await DatabaseFactory.open(config: config, logger: .init(label: "test"))
        if let postgres { return try await postgres.whileRunning { try await body(db) } }
        let result = try await body(db)
        await db.close()
        return result
    }
}

@Suite struct InterruptedAnswerTests {
    /// An instance that stops heartbeating (kill -9, a lost machine) leaves a streaming answer and an open call
    /// with a reservation: a survivor marks the answer interrupted within seconds, settles the reservation for
    /// the text that was flushed, and writes the call's ledger row, once.
    @Test func aDeadInstancesAnswerAndCallAreSettledBySurvivors() async throws {
        let clock = ManualClock()
        try await ChatFixture.with(clock: clock) { f in
            let users = try await f.app.request(.get, "/api/admin/users?q=alice", session: f.admin).json()
            let aliceId = try #require((users["users"] as? [[String: Any]])?.first?["id"] as? Int)
            _ = try await f.app.request(.put, "/api/admin/users/\(aliceId)/limits", json: #"{"limits":[{"window":"day","max_requests":10}]}"#,
                                        session: f.admin)
            _ = try await f.send("first")
            let orphan = UUID().uuidString.lowercased()
            let call = UUID().uuidString.lowercased()
            let now = clock.nowMillis()
            try await StoreAccess.with(f.app.config) { db in
                let quota = QuotaEngine(db: db, plans: PlanRepository(db: db, clock: clock), settings: SettingsRepository(db: db, clock: clock),
                                        clock: clock, logger: .init(label: "test"))
                guard let alice = try await UserRepository(db: db, clock: clock).find(id: aliceId) else { return }
                let reservation = try await quota.reserve(user: alice, account: nil, model: "mock-gpt")
                try await db.withSQL { sql in
                    try await sql.raw("""
                        INSERT INTO messages (id, conversation_id, user_id, parent_id, role, content, model, status, created_at, updated_at, instance_id) \
                        VALUES (\(bind: orphan), \(bind: f.conversation), \(bind: aliceId), NULL, 'assistant', 'half an answer', 'mock-gpt', \
                        'streaming', \(bind: now), \(bind: now), 'dead-instance')
                        """).run()
                    try await sql.raw("INSERT INTO instances (id, started_at, heartbeat_at) VALUES ('dead-instance', \(bind: now), \(bind: now))").run()
                }
                try await OpenCalls(db: db, clock: clock, instanceId: "dead-instance").open(OpenCall(
                    id: call, instanceId: "dead-instance", reservation: reservation.id, userId: aliceId, accountId: nil,
                    conversationId: f.conversation, messageId: orphan, apiKeyId: nil, model: "mock-gpt", source: "web", startedAt: now,
                    promptEstimate: 40))
            }
            // While its instance is alive, the answer is live: a second answer in the conversation is refused.
            #expect(try await f.send("me too").status == .conflict)
            #expect(try await f.messages().first { $0["id"] as? String == orphan }?["status"] as? String == "streaming")

            clock.advance(by: Double(OpenCalls.deadAfterMillis) / 1000 + 1)  // the dead instance stays silent
            #expect(try await eventually {
                try await f.messages().first { $0["id"] as? String == orphan }?["status"] as? String == "incomplete"
            })
            let swept = try await f.messages().first { $0["id"] as? String == orphan }
            #expect(swept?["finish_reason"] as? String == "interrupted")
            #expect(swept?["content"] as? String == "half an answer")
            #expect(try await f.send("go on").status == .ok, "the conversation is free again")
            let quota = try await f.app.request(.get, "/api/me/quota", session: f.user).json()
            let used = (quota["limits"] as? [[String: Any]])?.first
            #expect(used?["used_requests"] as? Int == 3, "the interrupted call stays charged: it had text")
            let ledger = try await StoreAccess.with(f.app.config) { db in
                try await db.withSQL { sql in
                    try await sql.raw("SELECT outcome, prompt_tokens FROM usage_events WHERE outcome = 'interrupted'")
                        .all(decoding: InterruptedRow.self, keyDecodingStrategy: .convertFromSnakeCase)
                }
            }
            #expect(ledger.count == 1, "one ledger row, written once")
            #expect(ledger.first?.promptTokens == 40)
        }
    }
}

/// A ledger row as the interrupted-call test reads it.
struct InterruptedRow: Decodable, Sendable {
    let outcome: String
    let promptTokens: Int
}
