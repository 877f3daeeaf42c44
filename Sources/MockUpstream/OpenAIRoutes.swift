import Foundation
import Hummingbird
import ServiceLifecycle

/// OpenAI-compatible `/v1/models` and `/v1/chat/completions` with the configured failures.
struct OpenAIRoutes {
    let state: MockUpstreamState

    func add(to router: Router<BasicRequestContext>) {
        router.get("/v1/models") { request, _ -> Response in
            let configuration = state.configuration
            if let key = configuration.apiKey, request.headers[.authorization] != "Bearer \(key)" { return Self.error(401, "invalid api key") }
            if let failure = configuration.failure, ["401", "403", "429", "500", "503"].contains(failure),
               let response = try await Self.immediateFailure(failure, configuration: configuration) {
                return response
            }
            let data = configuration.models.map { #"{"id":\#(MockJSON.quote($0)),"object":"model","created":1700000000,"owned_by":"mock"}"# }
            return MockJSON.response(.ok, #"{"object":"list","data":[\#(data.joined(separator: ","))]}"#)
        }
        router.post("/v1/chat/completions") { request, _ in try await chat(request) }
    }

    static func error(_ status: Int, _ message: String, code: String? = nil, headers: HTTPFields = [:]) -> Response {
        let type: String = switch status {
        case 401: "authentication_error"
        case 403: "permission_error"
        case 404, 400: "invalid_request_error"
        case 429: "rate_limit_error"
        default: "server_error"
        }
        let codeJSON = code.map(MockJSON.quote) ?? "null"
        return MockJSON.response(.init(code: status),
                                 #"{"error":{"message":\#(MockJSON.quote(message)),"type":"\#(type)","param":null,"code":\#(codeJSON)}}"#,
                                 headers: headers)
    }

    private func chat(_ request: Request) async throws -> Response {
        let buffer = try await request.body.collect(upTo: 16 << 20)
        let data = Data(buffer.readableBytesView)
        state.recordRequest(body: String(decoding: data, as: UTF8.self), authorization: request.headers[.authorization])
        var configuration = state.configuration
        if let key = configuration.apiKey, request.headers[.authorization] != "Bearer \(key)" {
            return Self.error(401, "Incorrect API key provided", code: "invalid_api_key")
        }
        guard let chat = MockChatRequest(json: data) else {
            return Self.error(400, "'messages' and 'model' are required", code: "invalid_request")
        }
        let prompt = MockDirectives.apply(chat.lastUserText, to: &configuration)
        if let failure = configuration.failure, let response = try await Self.immediateFailure(failure, configuration: configuration) {
            return response
        }
        if configuration.unknownModelsAre404, !configuration.models.contains(chat.model) {
            return Self.error(404, "The model `\(chat.model)` does not exist", code: "model_not_found")
        }
        let pieces = MockAnswer.pieces(for: prompt, configuration: configuration)
        let promptTokens = MockAnswer.tokens(chat.promptText)
        let completionTokens = MockAnswer.tokens(pieces.joined())
        if !chat.stream {
            try await mockSleep(milliseconds: configuration.firstTokenDelayMs)
            let text = MockJSON.quote(pieces.joined())
            return MockJSON.response(.ok, """
                {"id":"chatcmpl-mock","object":"chat.completion","created":1700000000,"model":\(MockJSON.quote(chat.model)),\
                "choices":[{"index":0,"message":{"role":"assistant","content":\(text)},"finish_reason":"stop"}],\
                "usage":{"prompt_tokens":\(promptTokens),"completion_tokens":\(completionTokens),"total_tokens":\(promptTokens + completionTokens)}}
                """)
        }
        let model = MockJSON.quote(chat.model)
        let includeUsage = configuration.includeUsage && chat.includeUsage
        let state = self.state
        let settings = configuration
        let prefix = #"data: {"id":"chatcmpl-mock","object":"chat.completion.chunk","created":1700000000,"model":\#(model),"choices":["#
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: .init { writer in
            state.recordStream(.started)
            do {
                try await writer.write(ByteBuffer(string: prefix + #"{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}"# + "\n\n"))
                if settings.failure == "hang_after_headers" {
                    try await gracefulSleep(seconds: 600)
                }
                try await mockSleep(milliseconds: settings.firstTokenDelayMs)
                for (index, piece) in pieces.enumerated() {
                    if index > 0 {
                        try await mockSleep(milliseconds: settings.failure == "slow" ? settings.slowDripMs : settings.chunkDelayMs)
                    }
                    if index == settings.failAfterChunks {
                        if settings.failure == "close" {
                            state.recordStream(.completed)
                            try await writer.finish(nil)
                            return
                        }
                        if settings.failure == "malformed" {
                            try await writer.write(ByteBuffer(string: "data: {not json\n\n"))
                            state.recordStream(.completed)
                            try await writer.finish(nil)
                            return
                        }
                    }
                    try await writer.write(ByteBuffer(string: prefix + #"{"index":0,"delta":{"content":\#(MockJSON.quote(piece))},"finish_reason":null}]}"# + "\n\n"))
                }
                try await writer.write(ByteBuffer(string: prefix + #"{"index":0,"delta":{},"finish_reason":"stop"}]}"# + "\n\n"))
                if includeUsage {
                    try await writer.write(ByteBuffer(string: """
                        data: {"id":"chatcmpl-mock","object":"chat.completion.chunk","created":1700000000,"model":\(model),"choices":[],\
                        "usage":{"prompt_tokens":\(promptTokens),"completion_tokens":\(completionTokens),"total_tokens":\(promptTokens + completionTokens)}}


                        """))
                }
                try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
                try await writer.finish(nil)
                state.recordStream(.completed)
            } catch {
                state.recordStream(.cancelled)
                throw error
            }
        })
    }

    /// Failures answered before any body: status errors and hangs.
    static func immediateFailure(_ failure: String, configuration: MockUpstreamConfiguration) async throws -> Response? {
        switch failure {
        case "401": return error(401, "Incorrect API key provided", code: "invalid_api_key")
        case "403": return error(403, "This account is not allowed to use this model", code: "forbidden")
        case "404": return error(404, "The model does not exist", code: "model_not_found")
        case "429":
            return error(429, "Rate limit reached", code: "rate_limit_exceeded", headers: [.retryAfter: String(configuration.retryAfterSeconds)])
        case "500": return error(500, "The server had an error while processing your request")
        case "503": return error(503, "The engine is currently overloaded")
        case "hang":
            try await gracefulSleep(seconds: 600)
            return error(504, "hung")
        default: return nil
        }
    }
}

/// Sleeps, ending early when the server shuts down.
func gracefulSleep(seconds: Int) async throws {
    try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(seconds)) }
}
