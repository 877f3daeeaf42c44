import Foundation
import Testing
@testable import ChatMirror

/// The Host header check, on a live server over bare sockets (issue #18).
@Suite struct ConnectionGuardTests {
    static let healthz = "GET /healthz HTTP/1.1\r\nHost: chat.test\r\n\r\n"

    /// Before: a request without a Host header, or with two, was served like any other.
    @Test func anHTTP11RequestWithoutExactlyOneHostHeaderIs400() async throws {
        try await Harness.withApp(.live) { app in
            let port = try #require(app.client.port)
            let missing = try RawConnection(port: port)
            missing.send("GET /healthz HTTP/1.1\r\n\r\n")
            let missingAnswer = try #require(try await missing.response())
            #expect(missingAnswer.status == 400)
            #expect(missingAnswer.headers["content-type"]?.hasPrefix("application/json") == true)
            #expect(missingAnswer.error?["code"] as? String == "invalid_request")
            #expect((missingAnswer.error?["message"] as? String)?.contains("Host") == true)
            #expect(try await missing.waitUntilClosed(timeout: 10))

            let twice = try RawConnection(port: port)
            twice.send("GET /v1/models HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n\r\n")
            let twiceAnswer = try #require(try await twice.response())
            #expect(twiceAnswer.status == 400)
            #expect(twiceAnswer.error?["type"] as? String == "invalid_request_error", "OpenAI's error shape on /v1")

            let oldClient = try RawConnection(port: port)
            oldClient.send("GET /healthz HTTP/1.0\r\n\r\n")
            #expect(try await oldClient.response()?.status == 200, "HTTP/1.0 may leave Host out")
        }
    }

    @Test func aBadRequestPipelinedBehindAGoodOneIsAnsweredAfterIt() async throws {
        try await Harness.withApp(.live) { app in
            let connection = try RawConnection(port: try #require(app.client.port))
            connection.send(Self.healthz + "GET /healthz HTTP/1.1\r\n\r\n")
            #expect(try await connection.response()?.status == 200)
            #expect(try await connection.response()?.status == 400)
        }
    }
}
