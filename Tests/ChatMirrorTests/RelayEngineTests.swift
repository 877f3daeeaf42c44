import Foundation
import HTTPTypes
import HummingbirdTesting
import MockUpstream
import Testing
@testable import ChatMirror

/// The one upstream-call engine behaves the same on the web path and on `/v1`: where the two used to differ
/// (failover after a 200, unsealing failures, time limits, Retry-After), each case is checked on both.
@Suite struct RelayEngineTests {
    private func key(_ app: AppTester, _ session: TestSession) async throws -> String {
        let created = try await app.request(.post, "/api/me/api-keys", json: #"{"name":"engine"}"#, session: session)
        return try #require(try created.json()["key"] as? String)
    }

    private func v1(_ app: AppTester, key: String, stream: Bool, content: String = "hello") async throws -> TestResponse {
        var headers = HTTPFields()
        headers[.authorization] = "Bearer \(key)"
        return try await app.request(.post, "/v1/chat/completions", json: """
            {"model":"mock-gpt","stream":\(stream),"messages":[{"role":"user","content":"\(content)"}]}
            """, headers: headers)
    }

    private func web(_ app: AppTester, _ session: TestSession, content: String = "hello") async throws -> TestResponse {
        let conversation = try await app.createConversation(session)
        return try await app.request(.post, "/api/conversations/\(conversation)/messages", json: #"{"content":"\#(content)"}"#,
                                     session: session)
    }

    private func limitRequests(_ app: AppTester, admin: TestSession, userId: Int) async throws {
        let set = try await app.request(.put, "/api/admin/users/\(userId)/limits", json: #"{"limits":[{"window":"day","max_requests":50}]}"#,
                                        session: admin)
        #expect(set.status == .ok)
    }

    private func usedRequests(_ app: AppTester, _ session: TestSession) async throws -> Int? {
        let body = try await app.request(.get, "/api/me/quota", session: session).json()
        return (body["limits"] as? [[String: Any]])?.first?["used_requests"] as? Int
    }

    @Test func anAnswerThatFailsAfterItsHeadButBeforeAnyOutputFailsOverOnBothPaths() async throws {
        var broken = MockUpstreamConfiguration()
        broken.failure = "malformed"  // a 200, the role chunk, then a chunk that is not JSON
        broken.failAfterChunks = 0
        try await RunningMockUpstream.withRunning(configuration: broken) { bad in
            try await RunningMockUpstream.withRunning { good in
                try await Harness.withApp(.live) { app in
                    let admin = try await app.loginAdmin()
                    try await app.addAccount(baseURL: bad.baseURL, admin: admin, extra: #","weight":1000"#)
                    try await app.addAccount(baseURL: good.baseURL, admin: admin, extra: #","weight":1"#)
                    let (userId, user) = try await app.makeUser("fo", admin: admin)
                    try await limitRequests(app, admin: admin, userId: userId)
                    let secret = try await key(app, user)

                    let events = SSE.parse(try await web(app, user).text).events
                    #expect(events.last?.name == "done")
                    #expect(SSE.text(events).hasPrefix("Mock answer to: hello"))
                    let streamed = try await v1(app, key: secret, stream: true)
                    #expect(streamed.status == .ok)
                    #expect(ClientAnswer(sse: streamed.text).content.hasPrefix("Mock answer to: hello"))
                    #expect(!streamed.text.contains(#""error""#))
                    let plain = try await v1(app, key: secret, stream: false)
                    #expect(plain.status == .ok)
                    #expect(bad.state.snapshot.requests == 3)
                    // Three answers, each charged once: the failed attempts were refunded.
                    #expect(try await usedRequests(app, user) == 3)
                }
            }
        }
    }

    @Test func anAccountWhoseKeyCannotBeUnsealedIsRefundedAndFailedOverOnBothPaths() async throws {
        try await RunningMockUpstream.withRunning { mock in
            try await Harness.withApp(.live) { app in
                let admin = try await app.loginAdmin()
                let broken = try await app.addAccount(baseURL: mock.baseURL, admin: admin, extra: #","weight":1000"#)
                try await app.addAccount(baseURL: mock.baseURL, admin: admin, extra: #","weight":1"#)
                let (userId, user) = try await app.makeUser("sealed", admin: admin)
                try await limitRequests(app, admin: admin, userId: userId)
                let secret = try await key(app, user)
                // One stored key is damaged (a bad restore, a disk error): this master key cannot open it.
                try await StoreAccess.with(app.config) { db in
                    try await db.withSQL { sql in
                        try await sql.raw("UPDATE upstream_accounts SET sealed_credential = 'AAAAdamaged' WHERE id = \(bind: broken)").run()
                    }
                }
                // A write through the app drops its one-second account cache, so the damage is seen at once.
                _ = try await app.request(.patch, "/api/admin/accounts/\(broken)", json: #"{"weight":999}"#, session: admin)

                #expect(SSE.parse(try await web(app, user).text).events.last?.name == "done")
                #expect(try await v1(app, key: secret, stream: true).status == .ok)
                #expect(try await v1(app, key: secret, stream: false).status == .ok)
                #expect(try await usedRequests(app, user) == 3)
                let accounts = try await app.request(.get, "/api/admin/accounts", session: admin).json()["accounts"] as? [[String: Any]]
                let unreadable = try #require(accounts?.first { $0["id"] as? Int == broken })
                #expect(unreadable["status"] as? String == "failing")
                #expect((unreadable["status_reason"] as? String)?.contains("unsealed") == true)
            }
        }
    }

    @Test func whenEveryAccountIsCoolingBothPathsSay503WithRetryAfter() async throws {
        var limited = MockUpstreamConfiguration()
        limited.failure = "429"
        limited.retryAfterSeconds = 30
        try await ChatFixture.with(mock: limited) { f in
            let secret = try await key(f.app, f.user)
            let cooled = ContinuousClock.now
            _ = try await v1(f.app, key: secret, stream: true)  // the 429 cools the only account for 30 s
            for response in [try await v1(f.app, key: secret, stream: true), try await v1(f.app, key: secret, stream: false),
                             try await web(f.app, f.user)] {
                #expect(response.status == .serviceUnavailable)
                #expect(response.errorCode == "upstream_unavailable")
                // What is left of the 30 s, however long the requests took on a loaded machine.
                let elapsed = Int((ContinuousClock.now - cooled).components.seconds)
                let retryAfter = Int(response.headers[.retryAfter] ?? "") ?? 0
                #expect(retryAfter <= 30 && retryAfter >= 30 - elapsed - 1, "Retry-After \(retryAfter) after \(elapsed) s")
            }
        }
    }

    @Test func theMaximumGenerationTimeEndsAnswersOnBothPaths() async throws {
        var slow = MockUpstreamConfiguration()
        slow.chunkCount = 100
        slow.chunkDelayMs = 100
        try await ChatFixture.with(mock: slow, configure: { $0.maxGenerationSeconds = 1 }) { f in
            let secret = try await key(f.app, f.user)
            let streamed = try await v1(f.app, key: secret, stream: true)
            #expect(streamed.status == .ok)
            #expect(streamed.text.contains(#""code":"generation_timeout""#))
            #expect(streamed.text.hasSuffix("data: [DONE]\n\n"))
            let plain = try await v1(f.app, key: secret, stream: false)
            #expect(plain.status == .gatewayTimeout)
            let events = SSE.parse(try await f.send("slow").text).events
            #expect(events.last?.name == "done")
            #expect(events.last?.data["finish_reason"] == "timeout")
        }
    }

    @Test func upstreamErrorBodiesNeverReachUsersVerbatim() async throws {
        // An upstream whose refusal names its own key and database, as an in-stream error.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cm-leak-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let leak = #"{"error":{"message":"bad request for key sk-live-abcdefghijklmnop1234 at postgres://root:pw@db.internal/prod","type":"invalid_request_error","code":"invalid_request"}}"#
        try "data: \(leak)\n\n".write(to: directory.appendingPathComponent("openai_leak.sse"), atomically: true, encoding: .utf8)
        var mock = MockUpstreamConfiguration()
        mock.transcriptsDir = directory.path
        try await ChatFixture.with(mock: mock) { f in
            let secret = try await key(f.app, f.user)
            let refused = try await v1(f.app, key: secret, stream: false, content: "[[mock:transcript=openai_leak]]")
            #expect(refused.status == .badRequest)
            #expect(refused.text.contains("bad request for key"))
            #expect(!refused.text.contains("sk-live-abcdefghijklmnop1234"))
            #expect(!refused.text.contains("db.internal"))
            let events = SSE.parse(try await web(f.app, f.user, content: "[[mock:transcript=openai_leak]]").text).events
            #expect(events.last?.name == "error")
            let message = events.last?.data["message"] ?? ""
            #expect(!message.contains("sk-live"))
            // A client-caused 400 neither cools the account nor turns the model off.
            #expect(try await v1(f.app, key: secret, stream: false).status == .ok)
            let accounts = try await f.app.request(.get, "/api/admin/accounts", session: f.admin).json()["accounts"] as? [[String: Any]]
            #expect(accounts?.first?["status"] as? String == "active")
            #expect((accounts?.first?["disabled_models"] as? [String])?.isEmpty == true)
        }
    }

    /// A non-streamed `/v1` answer whose client hangs up is stopped: the upstream call is cancelled, the ledger
    /// says `cancelled` (not `ok`), and the request is charged only for what was produced (#18 point 15).
    @Test(arguments: ["/v1/chat/completions", "/v1/responses"])
    func aNonStreamedAnswerStopsWhenItsClientHangsUp(path: String) async throws {
        var slow = MockUpstreamConfiguration()
        slow.chunkCount = 200
        slow.chunkDelayMs = 50
        try await ChatFixture.with(mock: slow) { f in
            let secret = try await key(f.app, f.user)
            let port = try #require(f.app.client.port)
            let body = path == "/v1/responses"
                ? #"{"model":"mock-gpt","input":"go on and on"}"#
                : #"{"model":"mock-gpt","messages":[{"role":"user","content":"go on and on"}]}"#
            let waiting = Task {
                var request = HTTPClientRequestBox.make(port: port, path: path, key: secret, body: body)
                return try await HTTPClientRequestBox.readUntil(&request) { _ in false }
            }
            #expect(try await eventually { f.mock.state.snapshot.streamsStarted == 1 })
            waiting.cancel()
            _ = await waiting.result
            #expect(try await eventually { f.mock.state.snapshot.streamsCancelled == 1 })
            #expect(try await eventually {
                let csv = try await f.app.request(.get, "/api/admin/usage.csv", session: f.admin).text
                return csv.split(separator: "\n").dropFirst().contains { $0.contains(",cancelled,") }
            })
            let csv = try await f.app.request(.get, "/api/admin/usage.csv", session: f.admin).text
            #expect(!csv.contains(",ok,"))
            #expect(f.mock.state.snapshot.streamsCompleted == 0)
        }
    }
}
