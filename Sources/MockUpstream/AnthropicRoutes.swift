import Foundation
import HTTPTypes
import Hummingbird

/// Anthropic Messages `POST /v1/messages`, streaming with the real event sequence.
struct AnthropicRoutes {
    let state: MockUpstreamState

    func add(to router: Router<BasicRequestContext>) {
        router.post("/v1/messages") { request, _ in try await messages(request) }
    }

    /// An error in Anthropic's shape.
    static func error(_ status: Int, _ type: String, _ message: String, headers: HTTPFields = [:]) -> Response {
        MockJSON.response(
            .init(code: status), #"{"type":"error","error":{"type":"\#(type)","message":\#(MockJSON.quote(message))}}"#,
            headers: headers)
    }

    private func messages(_ request: Request) async throws -> Response {
        let buffer = try await request.body.collect(upTo: 16 << 20)
        let data = Data(buffer.readableBytesView)
        let key = request.headers[HTTPField.Name("x-api-key")!]
        state.recordRequest(path: request.uri.path, body: String(decoding: data, as: UTF8.self), authorization: key)
        var configuration = state.configuration
        if let expected = configuration.apiKey, key != expected {
            return Self.error(401, "authentication_error", "invalid x-api-key")
        }
        guard let chat = MockChatRequest(json: data) else {
            return Self.error(400, "invalid_request_error", "model and messages are required")
        }
        let prompt = MockDirectives.apply(chat.lastUserText, to: &configuration)
        if let failure = try await Self.immediateFailure(configuration, model: chat.model) { return failure }
        if configuration.unknownModelsAre404, !configuration.models.contains(chat.model) {
            return Self.error(404, "not_found_error", "model: \(chat.model)")
        }
        if let name = configuration.transcript {
            return try await TranscriptReplay(state: state, configuration: configuration).anthropic(name, chat: chat)
        }
        let thinking = chat.thinking || configuration.reasoning != nil
        let reply = MockReply.plan(
            chat, prompt: prompt, configuration: configuration, reasoning: thinking, idPrefix: "toolu_mock_")
        let answer = AnthropicAnswer(reply: reply, model: chat.model)
        guard chat.stream else {
            try await mockSleep(milliseconds: configuration.firstTokenDelayMs)
            return MockJSON.response(.ok, answer.message())
        }
        return MockStream.response(
            answer.events(), settings: configuration, state: state,
            malformed: "event: content_block_delta\ndata: {not json")
    }

    private static func immediateFailure(
        _ configuration: MockUpstreamConfiguration, model: String
    ) async throws -> Response? {
        switch configuration.failure {
        case "401": return error(401, "authentication_error", "invalid x-api-key")
        case "403": return error(403, "permission_error", "not allowed")
        case "404": return error(404, "not_found_error", "model: \(model)")
        case "429":
            return error(
                429, "rate_limit_error", "rate limited", headers: [.retryAfter: String(configuration.retryAfterSeconds)]
            )
        case "500": return error(500, "api_error", "internal error")
        case "503": return error(529, "overloaded_error", "Overloaded")
        case "hang":
            try await gracefulSleep(seconds: 600)
            return error(504, "api_error", "hung")
        default: return nil
        }
    }
}
