import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One server-sent event as the web app receives it.
struct SSEEvent: Sendable {
    let name: String
    /// Top-level fields, strings as they are, other values as their description.
    let data: [String: String]

    var text: String? { data["text"] }
    var code: String? { data["code"] }
    var status: String? { data["status"] }
}

enum SSE {
    /// Whether a stream read so far has its closing event (`done` or `error`) whole: its data line and the blank
    /// line after it, not just its name (a read can end between the two).
    static func ended(_ text: String) -> Bool {
        guard let range = text.range(of: "event: done\n") ?? text.range(of: "event: error\n") else { return false }
        return text[range.upperBound...].contains("\n\n")
    }

    /// Parses a whole SSE body; comment lines are counted in `comments`.
    static func parse(_ body: String) -> (events: [SSEEvent], comments: Int) {
        var events: [SSEEvent] = []
        var comments = 0
        for block in body.components(separatedBy: "\n\n") where !block.isEmpty {
            var name = "message"
            var data = ""
            for line in block.split(separator: "\n") {
                if line.hasPrefix(":") { comments += 1 }
                if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { data += line.dropFirst(6) }
            }
            guard !data.isEmpty else { continue }
            let object = (try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any]) ?? [:]
            events.append(SSEEvent(name: name, data: object.mapValues { ($0 as? String) ?? "\($0)" }))
        }
        return (events, comments)
    }

    /// The concatenated `delta` text.
    static func text(_ events: [SSEEvent]) -> String { events.filter { $0.name == "delta" }.compactMap(\.text).joined() }
}

/// Streams a request with AsyncHTTPClient so a test can read part of an answer and then walk away.
enum LiveStream {
    /// Sends the request and reads until `stopAfter` returns true for the text so far; then drops the connection.
    static func readPartially(
        port: Int, path: String, method: HTTPMethod = .POST, body: String?, session: TestSession,
        stopAfter: @escaping @Sendable (String) -> Bool
    ) async throws -> String {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        request.headers.add(name: "Cookie", value: "cm_session=\(session.token)")
        request.headers.add(name: "X-CSRF-Token", value: session.csrf)
        request.headers.add(name: "Content-Type", value: "application/json")
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            let text = try await Self.read(client: client, request: request, stopAfter: stopAfter)
            try await client.shutdown()
            return text
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}

extension LiveStream {
    private static func read(client: HTTPClient, request: HTTPClientRequest, stopAfter: (String) -> Bool) async throws -> String {
        let response = try await client.execute(request, timeout: .seconds(30))
        var seen = ""
        for try await buffer in response.body {
            seen += String(buffer: buffer)
            if stopAfter(seen) { return seen }
        }
        return seen
    }
}

/// Polls until `check` holds or the time is up.
func eventually(timeout: Double = 10, _ check: @Sendable () async throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try await check() { return true }
        try await Task.sleep(for: .milliseconds(50))
    }
    return try await check()
}
