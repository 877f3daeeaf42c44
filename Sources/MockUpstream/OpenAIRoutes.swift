import Foundation
import Hummingbird
import ServiceLifecycle

/// OpenAI-compatible `/v1/models` and `/v1/chat/completions` with the configured failures.
struct OpenAIRoutes {
    let state: MockUpstreamState

    func add(to router: Router<BasicRequestContext>) {
        router.get("/v1/models") { request, _ -> Response in
            let configuration = state.configuration
            if let key = configuration.apiKey, request.headers[.authorization] != "Bearer \(key)" {
                return Self.error(401, "invalid api key")
            }
            if let failure = configuration.failure, ["401", "403", "429", "500", "503"].contains(failure),
                let response = try await Self.immediateFailure(failure, configuration: configuration)
            {
                return response
            }
            let data = configuration.models.map {
                #"{"id":\#(MockJSON.quote($0)),"object":"model","created":1700000000,"owned_by":"mock"}"#
            }
            return MockJSON.response(.ok, #"{"object":"list","data":[\#(data.joined(separator: ","))]}"#)
        }
        router.post("/v1/chat/completions") { request, _ in try await chat(request) }
    }

    /// An error in OpenAI's shape; the type follows the status.
    static func error(_ status: Int, _ message: String, code: String? = nil, headers: HTTPFields = [:]) -> Response {
        let type: String =
            switch status {
            case 401: "authentication_error"
            case 403: "permission_error"
            case 404, 400: "invalid_request_error"
            case 429: "rate_limit_error"
            default: "server_error"
            }
        let codeJSON = code.map(MockJSON.quote) ?? "null"
        return MockJSON.response(
            .init(code: status),
            #"{"error":{"message":\#(MockJSON.quote(message)),"type":"\#(type)","param":null,"code":\#(codeJSON)}}"#,
            headers: headers)
    }

    /// Reads and records an OpenAI-route request body; the 401 answer when the API key is wrong.
    static func receive(
        _ request: Request, state: MockUpstreamState
    ) async throws -> (Data, MockUpstreamConfiguration, Response?) {
        let buffer = try await request.body.collect(upTo: 16 << 20)
        let data = Data(buffer.readableBytesView)
        state.recordRequest(
            path: request.uri.path, body: String(decoding: data, as: UTF8.self),
            authorization: request.headers[.authorization])
        let configuration = state.configuration
        if let key = configuration.apiKey, request.headers[.authorization] != "Bearer \(key)" {
            return (data, configuration, error(401, "Incorrect API key provided", code: "invalid_api_key"))
        }
        return (data, configuration, nil)
    }

    private func chat(_ request: Request) async throws -> Response {
        let (data, received, refusal) = try await Self.receive(request, state: state)
        if let refusal { return refusal }
        var configuration = received
        guard let chat = MockChatRequest(json: data) else {
            return Self.error(400, "'messages' and 'model' are required", code: "invalid_request")
        }
        let prompt = MockDirectives.apply(chat.lastUserText, to: &configuration)
        if let refusal = try await Self.refusal(model: chat.model, served: configuration.models, configuration) {
            return refusal
        }
        if let name = configuration.transcript {
            return try await TranscriptReplay(state: state, configuration: configuration).openAI(name, chat: chat)
        }
        let style = configuration.reasoning.flatMap { ["deepseek", "vllm"].contains($0) ? $0 : nil }
        let reply = MockReply.plan(
            chat, prompt: prompt, configuration: configuration, reasoning: style != nil, idPrefix: "call_mock_")
        let answer = OpenAIChatAnswer(reply: reply, model: chat.model, reasoningStyle: style)
        guard chat.stream else {
            try await mockSleep(milliseconds: configuration.firstTokenDelayMs)
            return MockJSON.response(.ok, answer.completion())
        }
        let events = answer.events(includeUsage: configuration.includeUsage && chat.includeUsage)
        return MockStream.response(events, settings: configuration, state: state, malformed: "data: {not json")
    }

    /// The answer to a request that fails before any body: the configured (or directed) failure, an unknown model.
    static func refusal(
        model: String, served: [String], _ configuration: MockUpstreamConfiguration
    ) async throws -> Response? {
        if let failure = configuration.failure,
            let response = try await immediateFailure(failure, configuration: configuration)
        {
            return response
        }
        if configuration.unknownModelsAre404, !served.contains(model) {
            return error(404, "The model `\(model)` does not exist", code: "model_not_found")
        }
        return nil
    }

    /// Failures answered before any body: status errors and hangs.
    static func immediateFailure(_ failure: String, configuration: MockUpstreamConfiguration) async throws -> Response?
    {
        switch failure {
        case "401": return error(401, "Incorrect API key provided", code: "invalid_api_key")
        case "403": return error(403, "This account is not allowed to use this model", code: "forbidden")
        case "404": return error(404, "The model does not exist", code: "model_not_found")
        case "429":
            return error(
                429, "Rate limit reached", code: "rate_limit_exceeded",
                headers: [.retryAfter: String(configuration.retryAfterSeconds)])
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
