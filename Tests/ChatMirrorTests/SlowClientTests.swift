import AsyncHTTPClient
import Foundation
import MockUpstream
import NIOCore
import NIOHTTP1
import Testing
@testable import ChatMirror

/// Slow and idle clients are closed by the header and idle timeouts; a request in flight never is (issue #18).
/// The timeouts here are a second or so; every wait for the server to act has a generous upper bound.
@Suite struct SlowClientTests {
    static let healthz = "GET /healthz HTTP/1.1\r\nHost: chat.test\r\n\r\n"

    private func withServer(
        header: Double, idle: Double, _ body: @Sendable (Int) async throws -> Void
    ) async throws {
        try await Harness.withApp(.live, configure: {
            $0.headerTimeoutSeconds = header
            $0.idleTimeoutSeconds = idle
            $0.heartbeatSeconds = 3600  // a quiet answer stays quiet, however slow the machine
        }) { app in
            try await body(try #require(app.client.port))
        }
    }

    /// Before: 40 connections sending their headers a byte at a time stayed open for a minute and more.
    @Test func aHeadSentAByteAtATimeIsCutAtTheHeaderTimeout() async throws {
        try await withServer(header: 1, idle: 60) { port in
            let connection = try RawConnection(port: port)
            connection.send("GET /healthz HTTP/1.1\r\nX-Slow: ")
            let closed = try await connection.waitUntilClosed(timeout: 20) { connection.send("a") }
            #expect(closed, "a head still incomplete after the header timeout closes the connection")
        }
    }

    @Test func aConnectionThatSendsNothingIsClosedAtTheHeaderTimeout() async throws {
        try await withServer(header: 1, idle: 60) { port in
            let connection = try RawConnection(port: port)
            #expect(try await connection.waitUntilClosed(timeout: 20))
        }
    }

    /// Before: an idle kept-alive connection stayed open for 100 s and more.
    @Test func anIdleKeptAliveConnectionIsClosedAtTheIdleTimeout() async throws {
        try await withServer(header: 60, idle: 1) { port in
            let connection = try RawConnection(port: port)
            connection.send(Self.healthz)
            #expect(try await connection.response()?.status == 200)
            let answered = Date()
            #expect(try await connection.waitUntilClosed(timeout: 20))
            #expect(Date().timeIntervalSince(answered) > 0.9, "not before the idle timeout")
        }
    }

    @Test func betweenRequestsTheConnectionWaitsTheIdleTimeoutNotTheHeaderTimeout() async throws {
        try await withServer(header: 1, idle: 60) { port in
            let connection = try RawConnection(port: port)
            connection.send(Self.healthz)
            #expect(try await connection.response()?.status == 200)
            try await Task.sleep(for: .milliseconds(2500))
            connection.send(Self.healthz)
            #expect(try await connection.response()?.status == 200, "the kept-alive connection is still open")
        }
    }

    @Test func aRequestBodyThatStopsArrivingIsCutAtTheIdleTimeout() async throws {
        try await withServer(header: 60, idle: 1) { port in
            let connection = try RawConnection(port: port)
            connection.send("POST /api/auth/login HTTP/1.1\r\nHost: chat.test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"user")
            #expect(try await connection.waitUntilClosed(timeout: 20))
        }
    }

    /// The idle timeout must not apply to a request in flight: an answer may be quiet far longer while a model thinks.
    @Test func anAnswerQuietForLongerThanTheIdleTimeoutIsNotCut() async throws {
        var mock = MockUpstreamConfiguration()
        mock.firstTokenDelayMs = 2500
        mock.chunkCount = 2
        mock.chunkDelayMs = 2500
        try await RunningMockUpstream.withRunning(configuration: mock) { upstream in
            try await withServer(header: 1, idle: 1) { port in
                // Setup: each request on a connection of its own, as the idle timeout closes kept-alive ones at once.
                let admin = try await OwnConnection.signIn(port: port)
                _ = try await OwnConnection.call(port, .POST, "/api/admin/accounts",
                                                 #"{"name":"mock","base_url":"\#(upstream.baseURL)","api_key":"sk-test-key-1234","models":["mock-gpt"]}"#,
                                                 session: admin)
                let conversation = try await OwnConnection.call(port, .POST, "/api/conversations", "{}", session: admin).json["id"] as? String ?? ""

                // Act: an answer silent for 2.5 s before its first piece and 2.5 s before its second.
                let answer = try await OwnConnection.call(port, .POST, "/api/conversations/\(conversation)/messages",
                                                          #"{"content":"think slowly"}"#, session: admin)

                // Check: the whole answer arrived.
                let (events, comments) = SSE.parse(answer.text)
                #expect(comments == 0, "nothing was sent during the silences")
                #expect(events.filter { $0.name == "delta" }.count == 2)
                #expect(events.last?.name == "done", "\(answer.text)")
            }
        }
    }
}

/// Requests each on a connection of its own (`Connection: close`): none is reused after a short idle timeout.
enum OwnConnection {
    struct Answer {
        let status: HTTPResponseStatus
        let headers: HTTPHeaders
        let text: String
        var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]) ?? [:] }
    }

    static func call(_ port: Int, _ method: HTTPMethod, _ path: String, _ body: String?, session: TestSession? = nil) async throws -> Answer {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        request.headers.add(name: "Connection", value: "close")
        request.headers.add(name: "Content-Type", value: "application/json")
        if let session {
            request.headers.add(name: "Cookie", value: "cm_session=\(session.token)")
            request.headers.add(name: "X-CSRF-Token", value: session.csrf)
        }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let text = String(buffer: try await response.body.collect(upTo: 16 << 20))
        return Answer(status: response.status, headers: response.headers, text: text)
    }

    static func signIn(port: Int) async throws -> TestSession {
        let answer = try await call(port, .POST, "/api/auth/login", #"{"username":"admin","password":"\#(testAdminPassword)"}"#)
        guard let cookie = answer.headers.first(name: "set-cookie"),
              let token = cookie.split(separator: ";").first?.split(separator: "=", maxSplits: 1).last,
              let csrf = answer.json["csrf"] as? String
        else { throw TestFailure("sign-in failed: \(answer.status) \(answer.text)") }
        return TestSession(token: String(token), csrf: csrf)
    }
}
