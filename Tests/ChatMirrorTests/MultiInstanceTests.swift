import Foundation
import HTTPTypes
import HummingbirdTesting
import MockUpstream
import Testing
@testable import ChatMirror

/// Two ChatMirror instances on one store, as behind a load balancer: a reload or a stop that lands on the other
/// instance still reaches the answer in progress.
@Suite struct MultiInstanceTests {
    /// Runs two live apps on one fresh store, with one mock account and a signed-in user (valid on both).
    private func withTwoInstances(
        mock configuration: MockUpstreamConfiguration,
        _ body: @Sendable (_ first: AppTester, _ second: AppTester, _ user: TestSession, _ conversation: String, _ mock: RunningMockUpstream) async throws -> Void
    ) async throws {
        try await RunningMockUpstream.withRunning(configuration: configuration) { mock in
            var config = Harness.config()
            let cleanup = try await TestDatabase.prepare(&config)
            do {
                let shared = config
                let firstApp = try await buildApplication(shared, console: { _ in })
                try await firstApp.test(.live) { firstClient in
                    let first = AppTester(client: firstClient, config: shared)
                    let admin = try await first.loginAdmin()
                    try await first.addAccount(baseURL: mock.baseURL, admin: admin)
                    let (_, user) = try await first.makeUser("roamer", admin: admin)
                    let conversation = try await first.createConversation(user)
                    // The second instance starts after the first is set up (as a rolling deploy would).
                    let secondApp = try await buildApplication(shared, console: { _ in })
                    try await secondApp.test(.live) { secondClient in
                        try await body(first, AppTester(client: secondClient, config: shared), user, conversation, mock)
                    }
                }
                await cleanup()
            } catch {
                await cleanup()
                throw error
            }
        }
    }

    private func startAnswer(on app: AppTester, _ user: TestSession, _ conversation: String, _ content: String) throws -> Task<String, any Error> {
        let port = try #require(app.client.port)
        return Task {
            try await LiveStream.readPartially(port: port, path: "/api/conversations/\(conversation)/messages",
                                               body: #"{"content":"\#(content)"}"#, session: user) { SSE.ended($0) }
        }
    }

    @Test func aReloadOnTheOtherInstanceFollowsTheThinkingToo() async throws {
        var mock = MockUpstreamConfiguration()
        mock.chunkCount = 80  // about 4 s: long enough to be caught in flight on a loaded machine
        mock.chunkDelayMs = 50
        try await withTwoInstances(mock: mock) { first, second, user, conversation, _ in
            let original = try startAnswer(on: first, user, conversation, "ponder [[mock:reasoning=vllm]]")
            #expect(try await eventually {
                let shown = try await second.request(.get, "/api/conversations/\(conversation)", session: user).json()
                return (shown["active_generation"] as? [String: Any])?["assistant_message_id"] != nil
            })
            let followed = try await second.request(.get, "/api/conversations/\(conversation)/stream", session: user)
            let (events, _) = SSE.parse(followed.text)
            #expect(events.last?.name == "done")
            let stored = try await second.request(.get, "/api/conversations/\(conversation)", session: user).json()
            let answer = try #require((stored["messages"] as? [[String: Any]])?.last)
            let thinking = events.filter { $0.name == "reasoning" }.compactMap(\.text).joined()
            #expect(!thinking.isEmpty)
            #expect(answer["reasoning"] as? String == thinking)
            #expect(answer["content"] as? String == SSE.text(events))
            _ = try await original.value
        }
    }

    @Test func aReloadOnTheOtherInstanceFollowsTheAnswerToItsEnd() async throws {
        var mock = MockUpstreamConfiguration()
        mock.chunkCount = 100  // about 5 s: long enough to be caught in flight on a loaded machine
        mock.chunkDelayMs = 50
        try await withTwoInstances(mock: mock) { first, second, user, conversation, _ in
            // setup: an answer generating on the first instance
            let original = try startAnswer(on: first, user, conversation, "a long story")
            #expect(try await eventually {
                let shown = try await second.request(.get, "/api/conversations/\(conversation)", session: user).json()
                return (shown["active_generation"] as? [String: Any])?["assistant_message_id"] != nil
            })

            // check: the second instance refuses a second answer in the same conversation
            let clash = try await second.request(.post, "/api/conversations/\(conversation)/messages", json: #"{"content":"me too"}"#, session: user)
            #expect(clash.status == .conflict, "\(clash.status) \(String(clash.text.prefix(300)))")

            // act: re-attach through the second instance
            let followed = try await second.request(.get, "/api/conversations/\(conversation)/stream", session: user)

            // check: the whole answer arrived, then its end, and it equals what was saved and what the first sent
            #expect(followed.status == .ok)
            let (events, _) = SSE.parse(followed.text)
            #expect(events.first?.name == "meta")
            #expect(events.last?.name == "done")
            #expect(events.last?.data["status"] == "complete")
            let stored = try await second.request(.get, "/api/conversations/\(conversation)", session: user).json()
            let answer = try #require((stored["messages"] as? [[String: Any]])?.last)
            #expect(SSE.text(events) == answer["content"] as? String)
            #expect((answer["content"] as? String)?.hasSuffix("word99") == true)
            #expect(SSE.text(SSE.parse(try await original.value).events) == answer["content"] as? String)
        }
    }

    @Test func aStopOnTheOtherInstanceStopsTheAnswerAndKeepsWhatWasWritten() async throws {
        var mock = MockUpstreamConfiguration()
        mock.chunkCount = 300
        mock.chunkDelayMs = 40
        try await withTwoInstances(mock: mock) { first, second, user, conversation, mock in
            // setup: an answer generating on the first instance, with some text flushed to the store
            let original = try startAnswer(on: first, user, conversation, "go on and on")
            #expect(try await eventually {
                let shown = try await second.request(.get, "/api/conversations/\(conversation)", session: user).json()
                let last = (shown["messages"] as? [[String: Any]])?.last
                return last?["role"] as? String == "assistant" && !((last?["content"] as? String) ?? "").isEmpty
            })

            // act: stop through the second instance
            let stop = try await second.request(.post, "/api/conversations/\(conversation)/stop", session: user)

            // check: stopped at once, the upstream call cancelled, the partial answer kept as incomplete
            #expect(stop.status == .ok)
            #expect(try stop.json()["stopped"] as? Bool == true)
            let events = SSE.parse(try await original.value).events
            #expect(events.last?.name == "done")
            #expect(events.last?.data["finish_reason"] == "cancelled")
            let stored = try await second.request(.get, "/api/conversations/\(conversation)", session: user).json()
            let answer = try #require((stored["messages"] as? [[String: Any]])?.last)
            #expect(answer["status"] as? String == "incomplete")
            #expect(answer["content"] as? String == SSE.text(events))
            #expect(try await eventually { mock.state.snapshot.streamsCancelled == 1 })
            let again = try await second.request(.post, "/api/conversations/\(conversation)/stop", session: user)
            #expect(try again.json()["stopped"] as? Bool == false)
        }
    }
}
