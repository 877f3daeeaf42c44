import AsyncHTTPClient
import Foundation
import NIOCore

/// Anthropic Messages: maps our chat to its request (system prompt apart, `max_tokens` required) and its SSE
/// events (`content_block_delta`, `message_delta`, `message_stop`, `error`) to our stream.
struct AnthropicAdapter: UpstreamAdapter {
    let clients: UpstreamClients
    static let version = "2023-06-01"
    static let defaultMaxTokens = 4096

    private struct Event: Decodable {
        struct Delta: Decodable {
            let type: String?
            let text: String?
            let stopReason: String?
        }
        struct Usage: Decodable {
            let inputTokens: Int?
            let outputTokens: Int?
        }
        struct Message: Decodable { let usage: Usage? }
        let type: String
        let delta: Delta?
        let usage: Usage?
        let message: Message?
        let error: ErrorBody.Detail?
    }

    func open(account: UpstreamAccount, apiKey: String?, request: UpstreamChatRequest, timeouts: UpstreamTimeouts) async throws -> OpenedStream {
        let system = request.messages.filter { $0.role == "system" }.map(\.content).joined(separator: "\n\n")
        var turns: [JSONValue] = []
        for message in request.messages where message.role != "system" {
            let role = message.role == "assistant" ? "assistant" : "user"
            turns.append(.object(["role": .string(role), "content": .string(message.content.isEmpty ? " " : message.content)]))
        }
        var body: [String: JSONValue] = [
            "model": .string(account.upstreamModel(for: request.model)),
            "messages": .array(turns),
            "stream": .bool(true),
            "max_tokens": request.extraFields["max_tokens"] ?? request.extraFields["max_completion_tokens"] ?? .int(Self.defaultMaxTokens),
        ]
        if !system.isEmpty { body["system"] = .string(system) }
        if let endUser = request.endUser { body["metadata"] = .object(["user_id": .string(endUser)]) }
        for key in ["temperature", "top_p", "top_k"] { if let value = request.extraFields[key] { body[key] = value } }
        if let stop = request.extraFields["stop"] {
            if case .string(let text) = stop { body["stop_sequences"] = .array([.string(text)]) } else { body["stop_sequences"] = stop }
        }
        var httpRequest = HTTPClientRequest(url: OpenAIAdapter.endpoint(account.baseUrl, "messages"))
        httpRequest.method = .POST
        httpRequest.headers.add(name: "Content-Type", value: "application/json")
        httpRequest.headers.add(name: "anthropic-version", value: Self.version)
        if let apiKey, !apiKey.isEmpty { httpRequest.headers.add(name: "x-api-key", value: apiKey) }
        httpRequest.body = .bytes(ByteBuffer(bytes: JSONValue.object(body).encoded()))
        let response = try await UpstreamHTTP.execute(clients.client(for: account), httpRequest, timeouts: timeouts)
        guard response.status == .ok else { throw await UpstreamHTTP.failure(from: response) }
        return OpenedStream(response: response)
    }

    func consume(_ stream: OpenedStream, onEvent: (UpstreamEvent) async throws -> Void) async throws {
        let decoder = JSONCoding.makeDecoder()
        var parser = SSELineParser()
        var input = 0
        var finished = false
        do {
            for try await buffer in stream.response.body {
                for item in parser.feed(buffer) {
                    guard case .data(_, let payload) = item else { continue }
                    guard let event = try? decoder.decode(Event.self, from: Data(payload)) else {
                        throw UpstreamFailure(kind: .badResponse, status: nil, message: "a stream event was not valid JSON")
                    }
                    switch event.type {
                    case "message_start":
                        input = event.message?.usage?.inputTokens ?? 0
                    case "content_block_delta":
                        if event.delta?.type == "text_delta", let text = event.delta?.text, !text.isEmpty { try await onEvent(.delta(text)) }
                    case "message_delta":
                        if let reason = event.delta?.stopReason { try await onEvent(.finish(Self.finishReason(reason))) }
                        if let output = event.usage?.outputTokens { try await onEvent(.usage(prompt: input, completion: output)) }
                    case "message_stop":
                        finished = true
                    case "error":
                        let kind: UpstreamFailureKind = event.error?.type == "overloaded_error" ? .server : .server
                        throw UpstreamFailure(kind: kind, status: nil, message: event.error?.message ?? "error in stream")
                    default:
                        break
                    }
                }
            }
        } catch let failure as UpstreamFailure {
            throw failure
        } catch let closed as DownstreamClosed {
            throw closed
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw UpstreamHTTP.classify(error, duringBody: true)
        }
        if !finished { throw UpstreamFailure(kind: .brokenStream, status: nil, message: "the stream ended without message_stop") }
    }

    func listModels(account: UpstreamAccount, apiKey: String?, timeouts: UpstreamTimeouts) async throws -> [String] {
        var request = HTTPClientRequest(url: OpenAIAdapter.endpoint(account.baseUrl, "models"))
        request.headers.add(name: "anthropic-version", value: Self.version)
        if let apiKey, !apiKey.isEmpty {
            request.headers.add(name: "x-api-key", value: apiKey)
            request.headers.add(name: "Authorization", value: "Bearer \(apiKey)")
        }
        return try await UpstreamHTTP.modelList(clients.client(for: account), request, timeouts: timeouts)
    }

    static func finishReason(_ reason: String) -> String {
        switch reason {
        case "end_turn", "stop_sequence": "stop"
        case "max_tokens": "length"
        case "tool_use": "tool_calls"
        default: reason
        }
    }
}
