import AsyncHTTPClient
import Foundation
import NIOCore

/// Anthropic Messages, both ways: the request is translated by `AnthropicRequest`, the answer's events
/// (`content_block_*` with text, `tool_use` and thinking blocks, `message_delta`, `message_stop`, `error`) become
/// OpenAI chunks in `AnthropicChunkReader`.
struct AnthropicAdapter: UpstreamAdapter {
    let clients: UpstreamClients
    static let version = "2023-06-01"

    func open(account: UpstreamAccount, apiKey: String?, request: UpstreamChatRequest, timeouts: UpstreamTimeouts) async throws -> OpenedStream {
        let body = AnthropicRequest.body(request, model: account.upstreamModel(for: request.model))
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

    func reader(for stream: OpenedStream) -> any UpstreamChunkReader {
        AnthropicChunkReader(source: SSEBodySource(stream.response))
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
        case "end_turn", "stop_sequence", "pause_turn": "stop"
        case "max_tokens", "model_context_window_exceeded": "length"
        case "tool_use": "tool_calls"
        case "refusal": "content_filter"
        default: reason
        }
    }
}

/// Turns Anthropic stream events into OpenAI chunks: text deltas into `content`, thinking into
/// `reasoning_content`, `tool_use` blocks into tool calls (numbered from 0, arguments from `input_json_delta`),
/// the stop reason into `finish_reason`, and the usage into a final usage chunk.
final class AnthropicChunkReader: UpstreamChunkReader, @unchecked Sendable {
    private let source: SSEBodySource
    private var pending: [UpstreamChunk] = []
    private var done = false
    private var id = "msg"
    private var model = ""
    private var inputTokens = 0
    private var cachedTokens = 0
    /// Content block index → our tool-call index, for `tool_use` blocks.
    private var toolOfBlock: [Int: Int] = [:]

    init(source: SSEBodySource) {
        self.source = source
    }

    func next() async throws -> UpstreamChunk? {
        while pending.isEmpty, !done {
            guard let item = try await source.next() else {
                throw UpstreamFailure(kind: .brokenStream, status: nil, message: "the stream ended without message_stop")
            }
            guard case .data(_, let payload) = item else { continue }
            try translate(try SSEBodySource.object(payload))
        }
        return pending.isEmpty ? nil : pending.removeFirst()
    }

    private func translate(_ event: [String: JSONValue]) throws {
        let delta = event["delta"]?.objectValue ?? [:]
        switch event["type"]?.stringValue {
        case "message_start":
            let message = event["message"]?.objectValue ?? [:]
            id = message["id"]?.stringValue ?? id
            model = message["model"]?.stringValue ?? model
            let usage = message["usage"]?.objectValue ?? [:]
            cachedTokens = usage["cache_read_input_tokens"]?.clampedInt ?? 0
            inputTokens = (usage["input_tokens"]?.clampedInt ?? 0) + cachedTokens + (usage["cache_creation_input_tokens"]?.clampedInt ?? 0)
            emit(["role": .string("assistant"), "content": .string("")])
        case "content_block_start":
            let block = event["content_block"]?.objectValue ?? [:]
            let index = event["index"]?.intValue ?? 0
            switch block["type"]?.stringValue {
            case "tool_use":
                let ours = toolOfBlock.count
                toolOfBlock[index] = ours
                emit(["tool_calls": .array([.object([
                    "index": .int(ours), "id": .string(block["id"]?.stringValue ?? "toolu_\(ours)"), "type": .string("function"),
                    "function": .object(["name": .string(block["name"]?.stringValue ?? ""), "arguments": .string("")]),
                ])])])
            case "text":
                if let text = block["text"]?.stringValue, !text.isEmpty { emit(["content": .string(text)]) }
            default:
                break
            }
        case "content_block_delta":
            switch delta["type"]?.stringValue {
            case "text_delta":
                if let text = delta["text"]?.stringValue, !text.isEmpty { emit(["content": .string(text)]) }
            case "thinking_delta":
                if let text = delta["thinking"]?.stringValue, !text.isEmpty { emit(["reasoning_content": .string(text)]) }
            case "input_json_delta":
                let ours = toolOfBlock[event["index"]?.intValue ?? 0] ?? 0
                if let piece = delta["partial_json"]?.stringValue, !piece.isEmpty {
                    emit(["tool_calls": .array([.object(["index": .int(ours), "function": .object(["arguments": .string(piece)])])])])
                }
            default:
                break
            }
        case "message_delta":
            if let reason = delta["stop_reason"]?.stringValue {
                emit([:], finishReason: AnthropicAdapter.finishReason(reason))
            }
            if let output = event["usage"]?.objectValue?["output_tokens"]?.clampedInt {
                var usage = UsageReport(prompt: inputTokens, completion: output, cachedPrompt: cachedTokens).raw
                usage["prompt_tokens_details"] = .object(["cached_tokens": .int(cachedTokens)])
                pending.append(UpstreamChunk(json: base(choices: [], usage: .object(usage))))
            }
        case "message_stop":
            done = true
        case "error":
            let error = event["error"]?.objectValue ?? [:]
            let message = SecretRedactor.redact(error["message"]?.stringValue ?? "error in stream", limit: 500)
            let kind: UpstreamFailureKind = switch error["type"]?.stringValue {
            case "rate_limit_error"?: .rateLimited
            case "invalid_request_error"?: .badRequest
            case "authentication_error"?, "permission_error"?: .authentication
            default: .server
            }
            throw UpstreamFailure(kind: kind, status: nil, message: message)
        default:
            break
        }
    }

    private func emit(_ delta: [String: JSONValue], finishReason: String? = nil) {
        let choice: JSONValue = .object(["index": .int(0), "delta": .object(delta),
                                         "finish_reason": finishReason.map(JSONValue.string) ?? .null])
        pending.append(UpstreamChunk(json: base(choices: [choice], usage: nil)))
    }

    private func base(choices: [JSONValue], usage: JSONValue?) -> [String: JSONValue] {
        var json: [String: JSONValue] = ["id": .string(id), "object": .string("chat.completion.chunk"), "created": .int(0),
                                         "model": .string(model), "choices": .array(choices)]
        if let usage { json["usage"] = usage }
        return json
    }
}
