import Foundation
import Testing
@testable import ChatMirror

/// The per-address connection cap and the Host header check, on a live server over bare sockets (issue #18).
@Suite struct ConnectionGuardTests {
    static let healthz = "GET /healthz HTTP/1.1\r\nHost: chat.test\r\n\r\n"

    /// A connection that has been answered, so the server has counted it.
    private func servedConnection(_ port: Int) async throws -> RawConnection {
        let connection = try RawConnection(port: port)
        connection.send(Self.healthz)
        #expect(try await connection.response()?.status == 200)
        return connection
    }

    @Test func anAddressOverItsConnectionCapIsAnswered503AndClosed() async throws {
        // Loopback is not a trusted proxy here, so the test's own connections count.
        try await Harness.withApp(.live, configure: { $0.maxConnectionsPerAddress = 3; $0.trustedProxies = TrustedProxies(ranges: []) }) { app in
            let port = try #require(app.client.port)
            // Setup: the test client's connection and two more fill the cap.
            #expect(try await app.request(.get, "/healthz").status == .ok)
            let first = try await servedConnection(port)
            let second = try await servedConnection(port)

            // Act: one more.
            let refused = try RawConnection(port: port)

            // Check: answered at once, 503 with a JSON error, and closed.
            let answer = try await refused.response()
            #expect(answer?.status == 503)
            #expect(answer?.error?["code"] as? String == "too_many_connections")
            #expect(try await refused.waitUntilClosed(timeout: 10))
            #expect(try await second.response(timeout: 0.2) == nil && !second.isClosed, "the connections within the cap are untouched")

            // A connection that closes makes room for another.
            first.close()
            #expect(try await eventually(timeout: 10) {
                let next = try RawConnection(port: port)
                next.send(Self.healthz)
                return try await next.response()?.status == 200
            })
        }
    }

    @Test func trustedProxiesAreNotCapped() async throws {
        try await Harness.withApp(.live, configure: { $0.maxConnectionsPerAddress = 1 }) { app in
            let port = try #require(app.client.port)
            #expect(try await app.request(.get, "/healthz").status == .ok)
            let connections = try await [servedConnection(port), servedConnection(port), servedConnection(port)]
            #expect(connections.allSatisfy { !$0.isClosed })
        }
    }

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
