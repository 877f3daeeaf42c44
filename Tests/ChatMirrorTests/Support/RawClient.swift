import AsyncHTTPClient
import Foundation
import NIOCore

/// A bearer-authenticated streaming request that a test reads partly and then drops.
enum HTTPClientRequestBox {
    static func make(port: Int, path: String, key: String, body: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        return request
    }

    static func readUntil(_ request: inout HTTPClientRequest, _ done: (String) -> Bool) async throws -> String {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        var seen = ""
        do {
            let response = try await client.execute(request, timeout: .seconds(20))
            for try await buffer in response.body {
                seen += String(buffer: buffer)
                if done(seen) { break }
            }
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
        return seen
    }
}
