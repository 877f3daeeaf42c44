import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Shared HTTP plumbing of the adapters: deadlines and failure classification.
enum UpstreamHTTP {
    static func execute(_ http: HTTPClient, _ request: HTTPClientRequest, timeouts: UpstreamTimeouts) async throws -> HTTPClientResponse {
        do {
            return try await http.execute(request, timeout: .seconds(Int64(timeouts.firstByteSeconds)))
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw classify(error, duringBody: false)
        }
    }

    /// GETs a `{"data": [{"id": ...}]}` model list (the shape OpenAI and Anthropic share).
    static func modelList(_ http: HTTPClient, _ request: HTTPClientRequest, timeouts: UpstreamTimeouts) async throws -> [String] {
        let response = try await execute(http, request, timeouts: timeouts)
        guard response.status == .ok else { throw await failure(from: response) }
        struct List: Decodable {
            struct Model: Decodable { let id: String }
            let data: [Model]
        }
        let body = try await collect(response, limit: 4 << 20)
        guard let list = try? JSONDecoder().decode(List.self, from: body) else {
            throw UpstreamFailure(kind: .badResponse, status: 200, message: "the model list was not in the expected format")
        }
        return list.data.map(\.id)
    }

    static func classify(_ error: any Error, duringBody: Bool) -> UpstreamFailure {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout:
                return UpstreamFailure(kind: .timeout, status: nil, message: "no answer in time")
            case .remoteConnectionClosed:
                return UpstreamFailure(kind: duringBody ? .brokenStream : .connect, status: nil, message: "the connection was closed")
            default:
                break
            }
        }
        if error is ChannelError || error is IOError || "\(error)".contains("connect") {
            return UpstreamFailure(kind: duringBody ? .brokenStream : .connect, status: nil, message: "cannot connect")
        }
        return UpstreamFailure(kind: duringBody ? .brokenStream : .connect, status: nil, message: "\(error)")
    }

    static func collect(_ response: HTTPClientResponse, limit: Int) async throws -> Data {
        do {
            var buffer = try await response.body.collect(upTo: limit)
            return Data(buffer.readBytes(length: buffer.readableBytes) ?? [])
        } catch {
            throw UpstreamFailure(kind: .badResponse, status: Int(response.status.code), message: "the answer body could not be read")
        }
    }

    /// Maps a non-2xx upstream answer to a typed failure, keeping the upstream's own message.
    static func failure(from response: HTTPClientResponse) async -> UpstreamFailure {
        let status = Int(response.status.code)
        let data = (try? await collect(response, limit: 65_536)) ?? Data()
        let detail = (try? JSONDecoder().decode(ErrorBody.self, from: data))?.error
        // Redacted here, once: the message reaches alerts, the account's status and (for a 400) the user.
        let message = SecretRedactor.redact(detail?.message ?? String(decoding: data, as: UTF8.self), limit: 500)
        let retryAfter = response.headers.first(name: "retry-after").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let kind: UpstreamFailureKind
        switch status {
        case 401, 403: kind = .authentication
        case 429: kind = .rateLimited
        case 404: kind = .modelNotFound
        case 400...499:
            // Only the upstream's explicit code turns a model off: a message that merely says "does not exist" may
            // be about something the client sent (a tool, a file), and must not take the model away from everyone.
            kind = detail?.code == "model_not_found" ? .modelNotFound : .badRequest
        default: kind = .server
        }
        var failure = UpstreamFailure(kind: kind, status: status, message: message.isEmpty ? "HTTP \(status)" : message)
        failure.retryAfterSeconds = retryAfter
        return failure
    }
}
