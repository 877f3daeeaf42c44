import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// OpenAI-compatible chat completions (OpenAI, DeepSeek, vLLM, Ollama, llama.cpp, gateways).
struct OpenAIAdapter: UpstreamAdapter {
    let clients: UpstreamClients

    private struct Chunk: Decodable {
        struct Choice: Decodable {
            struct Delta: Decodable { let content: String? }
            let delta: Delta?
            let finishReason: String?
        }
        struct Usage: Decodable {
            let promptTokens: Int?
            let completionTokens: Int?
        }
        let choices: [Choice]?
        let usage: Usage?
        let error: ErrorBody.Detail?
    }

    func open(account: UpstreamAccount, apiKey: String?, request: UpstreamChatRequest, timeouts: UpstreamTimeouts) async throws -> OpenedStream {
        var body = request.extraFields
        body["model"] = .string(account.upstreamModel(for: request.model))
        body["messages"] = request.rawMessages
            ?? .array(request.messages.map { .object(["role": .string($0.role), "content": .string($0.content)]) })
        body["stream"] = .bool(true)
        body["stream_options"] = .object(["include_usage": .bool(true)])
        body["user"] = request.endUser.map(JSONValue.string)
        var httpRequest = HTTPClientRequest(url: Self.endpoint(account.baseUrl, "chat/completions"))
        httpRequest.method = .POST
        httpRequest.headers.add(name: "Content-Type", value: "application/json")
        httpRequest.headers.add(name: "Accept", value: "text/event-stream")
        if let apiKey, !apiKey.isEmpty { httpRequest.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        httpRequest.body = .bytes(ByteBuffer(bytes: JSONValue.object(body).encoded()))

        let response = try await UpstreamHTTP.execute(clients.client(for: account), httpRequest, timeouts: timeouts)
        guard response.status == .ok else { throw await UpstreamHTTP.failure(from: response) }
        return OpenedStream(response: response)
    }

    func consume(_ stream: OpenedStream, onEvent: (UpstreamEvent) async throws -> Void) async throws {
        let response = stream.response
        let decoder = JSONCoding.makeDecoder()
        var parser = SSELineParser()
        var finished = false
        do {
            for try await buffer in response.body {
                for item in parser.feed(buffer) {
                    guard case .data(_, let payload) = item else { continue }
                    if payload == Array("[DONE]".utf8) {
                        finished = true
                        continue
                    }
                    let chunk: Chunk
                    do {
                        chunk = try decoder.decode(Chunk.self, from: Data(payload))
                    } catch {
                        throw UpstreamFailure(kind: .badResponse, status: nil, message: "a stream chunk was not valid JSON")
                    }
                    if let error = chunk.error {
                        throw UpstreamFailure(kind: .server, status: nil, message: error.message ?? "error in stream")
                    }
                    for choice in chunk.choices ?? [] {
                        if let text = choice.delta?.content, !text.isEmpty { try await onEvent(.delta(text)) }
                        if let reason = choice.finishReason { try await onEvent(.finish(reason)) }
                    }
                    if let usage = chunk.usage {
                        try await onEvent(.usage(prompt: usage.promptTokens ?? 0, completion: usage.completionTokens ?? 0))
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
        if !finished {
            throw UpstreamFailure(kind: .brokenStream, status: nil, message: "the stream ended without [DONE]")
        }
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

/// The error body shapes of OpenAI and Anthropic.
struct ErrorBody: Decodable {
    struct Detail: Decodable {
        let message: String?
        let type: String?
        let code: String?
    }
    let error: Detail?
}
