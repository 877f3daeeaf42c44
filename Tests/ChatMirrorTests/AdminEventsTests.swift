import AsyncHTTPClient
import Foundation
import HTTPTypes
import MockUpstream
import Testing
@testable import ChatMirror

@Suite struct AdminEventsTests {
    @Test func theEventFeedIsForAdminsOnly() async throws {
        try await Harness.withApp { app in
            let admin = try await app.loginAdmin()
            let (_, user) = try await app.makeUser("viewer", admin: admin)
            #expect(try await app.request(.get, "/api/admin/events").status == .unauthorized)
            #expect(try await app.request(.get, "/api/admin/events", session: user).status == .forbidden)
        }
    }

    @Test func anAdminReceivesStatsAtOnceAndAlertsAsTheyAreRaised() async throws {
        try await ChatFixture.with { f in
            // setup: an admin listening to the feed
            let port = try #require(f.app.client.port)
            async let feed = LiveStream.readPartially(port: port, path: "/api/admin/events", method: .GET, body: nil, session: f.admin) {
                $0.contains("event: alert")
            }
            try await Task.sleep(for: .milliseconds(800))
            // act: the upstream refuses the credential, so the account fails and an alert is raised
            _ = try await f.send("[[mock:fail=401]] hello")
            let (events, _) = SSE.parse(try await feed)
            // check: a stats event came first, with the counters and the account's tile; then the alert
            let stats = try #require(events.first)
            #expect(stats.name == "stats")
            #expect(stats.data["streams_in_flight"] == "0")
            #expect(stats.data["alerts_unacknowledged"] == "0")
            #expect(stats.data["accounts"]?.contains("mock") == true)
            let alert = try #require(events.first { $0.name == "alert" })
            #expect(alert.data["to_status"] == "failing")
            #expect(alert.data["message"]?.contains("mock") == true)
        }
    }

    @Test func streamsInFlightCountsAnAnswerWhileItStreams() async throws {
        var mock = MockUpstreamConfiguration()
        mock.chunkCount = 40
        mock.chunkDelayMs = 250  // a 10 s answer: the feed (every 2 s) sees it even on a busy machine
        try await ChatFixture.with(mock: mock) { f in
            // setup: a slow answer streams on its own connection
            let port = try #require(f.app.client.port)
            async let answer = LiveStream.readPartially(port: port, path: "/api/conversations/\(f.conversation)/messages",
                                                        body: #"{"content":"a slow answer"}"#, session: f.user) { SSE.ended($0) }
            // act: the admin listens until the feed counts it, or for eight updates (16 s)
            let live = try await LiveStream.readPartially(port: port, path: "/api/admin/events", method: .GET, body: nil, session: f.admin) {
                $0.contains("\"streams_in_flight\":1") || $0.components(separatedBy: "event: stats").count > 8
            }
            // check
            #expect(live.contains("\"streams_in_flight\":1"))
            #expect(live.contains("\"in_flight\":1"))
            #expect(try await answer.contains("event: done"))
        }
    }

    @Test func streamsInFlightCountsAnOpenAIStreamToo() async throws {
        var mock = MockUpstreamConfiguration()
        mock.chunkCount = 40
        mock.chunkDelayMs = 250  // a 10 s answer: the feed (every 2 s) sees it even on a busy machine
        try await ChatFixture.with(mock: mock) { f in
            // setup: a /v1 stream with the user's own key
            let created = try await f.app.request(.post, "/api/me/api-keys", json: #"{"name":"sdk"}"#, session: f.user).json()
            let secret = try #require(created["key"] as? String)
            let port = try #require(f.app.client.port)
            let request = HTTPClientRequestBox.make(port: port, path: "/v1/chat/completions", key: secret,
                                                    body: #"{"model":"mock-gpt","stream":true,"messages":[{"role":"user","content":"x"}]}"#)
            async let answer = Self.readToTheEnd(request)
            // act
            let live = try await LiveStream.readPartially(port: port, path: "/api/admin/events", method: .GET, body: nil, session: f.admin) {
                $0.contains("\"streams_in_flight\":1") || $0.components(separatedBy: "event: stats").count > 8
            }
            // check
            #expect(live.contains("\"streams_in_flight\":1"))
            #expect(try await answer.contains("[DONE]"))
        }
    }

    private static func readToTheEnd(_ request: HTTPClientRequest) async throws -> String {
        var copy = request
        return try await HTTPClientRequestBox.readUntil(&copy) { $0.contains("[DONE]") }
    }
}
