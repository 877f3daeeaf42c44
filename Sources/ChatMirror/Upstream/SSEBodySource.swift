import AsyncHTTPClient
import Foundation
import NIOCore

/// Pulls server-sent events off an upstream answer's body, one at a time, classifying transport errors as
/// `UpstreamFailure`s. Used by one task at a time (the reader that owns it).
final class SSEBodySource: @unchecked Sendable {
    private var iterator: HTTPClientResponse.Body.AsyncIterator
    private var parser = SSELineParser()
    private var pending: [SSELineParser.Item] = []
    private var position = 0

    init(_ response: HTTPClientResponse) {
        iterator = response.body.makeAsyncIterator()
    }

    /// The next `data:` item; nil when the body ended.
    func next() async throws -> SSELineParser.Item? {
        while position >= pending.count {
            let buffer: ByteBuffer?
            do {
                buffer = try await iterator.next()
            } catch let failure as UpstreamFailure {
                throw failure
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                if Task.isCancelled { throw CancellationError() }
                throw UpstreamHTTP.classify(error, duringBody: true)
            }
            guard let buffer else { return nil }
            pending = parser.feed(buffer)
            position = 0
        }
        defer { position += 1 }
        return pending[position]
    }

    /// Parses one event payload as a JSON object.
    static func object(_ payload: [UInt8]) throws -> [String: JSONValue] {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(payload)), case .object(let object) = value else {
            throw UpstreamFailure(kind: .badResponse, status: nil, message: "a stream event was not a JSON object")
        }
        return object
    }

    /// The failure an in-stream `{"error": {...}}` object stands for.
    static func failure(inStream error: JSONValue) -> UpstreamFailure {
        let detail = error.objectValue ?? [:]
        let message = SecretRedactor.redact(detail["message"]?.stringValue ?? error.stringValue ?? "error in stream", limit: 500)
        let code = (detail["code"]?.stringValue ?? "") + " " + (detail["type"]?.stringValue ?? "")
        let kind: UpstreamFailureKind
        if code.contains("rate_limit") {
            kind = .rateLimited
        } else if code.contains("invalid_request") || code.contains("context_length") {
            kind = .badRequest
        } else {
            kind = .server
        }
        return UpstreamFailure(kind: kind, status: nil, message: message)
    }
}
