import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// OpenAI-compatible chat completions (OpenAI, DeepSeek, vLLM, Ollama, llama.cpp, gateways).
struct OpenAIAdapter: UpstreamAdapter {
    let clients: UpstreamClients

    func open(account: UpstreamAccount, apiKey: String?, request: UpstreamChatRequest, timeouts: UpstreamTimeouts) async throws -> OpenedStream {
        if var responses = request.responses, account.options.has(.responses) {
            responses["model"] = .string(account.upstreamModel(for: request.model))
            responses["stream"] = .bool(true)
            responses["user"] = request.endUser.map(JSONValue.string)
            var stream = try await post(account: account, apiKey: apiKey, path: "responses", body: responses, timeouts: timeouts)
            stream.isResponses = true
            return stream
        }
        var body = OpenAIRequestFields.body(request.fields, options: account.options)
        body["model"] = .string(account.upstreamModel(for: request.model))
        body["messages"] = .array(request.messages)
        body["stream"] = .bool(true)
        // Always asked, so that quota and ledger see real numbers; forwarded only to clients that asked too.
        body["stream_options"] = .object(["include_usage": .bool(true)])
        body["user"] = request.endUser.map(JSONValue.string)
        return try await post(account: account, apiKey: apiKey, path: "chat/completions", body: body, timeouts: timeouts)
    }

    /// POSTs a streamed request and waits for the answer's head.
    private func post(account: UpstreamAccount, apiKey: String?, path: String, body: [String: JSONValue],
                      timeouts: UpstreamTimeouts) async throws -> OpenedStream {
        var httpRequest = HTTPClientRequest(url: Self.endpoint(account.baseUrl, path))
        httpRequest.method = .POST
        httpRequest.headers.add(name: "Content-Type", value: "application/json")
        httpRequest.headers.add(name: "Accept", value: "text/event-stream")
        if let apiKey, !apiKey.isEmpty { httpRequest.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        httpRequest.body = .bytes(ByteBuffer(bytes: JSONValue.object(body).encoded()))

        let response = try await UpstreamHTTP.execute(clients.client(for: account), httpRequest, timeouts: timeouts)
        guard response.status == .ok else { throw await UpstreamHTTP.failure(from: response) }
        return OpenedStream(response: response)
    }

    func reader(for stream: OpenedStream) -> any UpstreamChunkReader {
        stream.isResponses ? ResponsesEventReader(source: SSEBodySource(stream.response)) : OpenAIChunkReader(source: SSEBodySource(stream.response))
    }

    func listModels(account: UpstreamAccount, apiKey: String?, timeouts: UpstreamTimeouts) async throws -> [String] {
        var request = HTTPClientRequest(url: Self.endpoint(account.baseUrl, "models"))
        if let apiKey, !apiKey.isEmpty { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        return try await UpstreamHTTP.modelList(clients.client(for: account), request, timeouts: timeouts)
    }

    /// `base` + path, tolerating a trailing slash.
    static func endpoint(_ base: String, _ path: String) -> String {
        (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/" + path
    }
}

/// Reads OpenAI `chat.completion.chunk` events as they are; an in-stream `error` object is a failure.
final class OpenAIChunkReader: UpstreamChunkReader, @unchecked Sendable {
    private let source: SSEBodySource
    private var done = false
    private var sawFinish = false

    init(source: SSEBodySource) {
        self.source = source
    }

    func next() async throws -> UpstreamChunk? {
        while !done {
            guard let item = try await source.next() else {
                // Some servers close after the finish reason without `[DONE]`: the answer is whole all the same.
                if sawFinish { done = true; return nil }
                throw UpstreamFailure(kind: .brokenStream, status: nil, message: "the stream ended without [DONE]")
            }
            guard case .data(_, let payload) = item else { continue }
            if payload == Self.doneMarker {
                done = true
                return nil
            }
            let object = try SSEBodySource.object(payload)
            if let error = object["error"], error != .null { throw SSEBodySource.failure(inStream: error) }
            let chunk = UpstreamChunk(json: object)
            if chunk.choices.contains(where: { $0.finishReason != nil }) { sawFinish = true }
            return chunk
        }
        return nil
    }

    private static let doneMarker = Array("[DONE]".utf8)
}

/// The error body shapes of OpenAI and Anthropic.
struct ErrorBody: Decodable {
    struct Detail: Decodable {
        let message: String?
        let type: String?
        let code: String?
    }
    let error: Detail?
}
