import Foundation
import Hummingbird

/// OpenAI Responses API `POST /v1/responses`: a text answer, streamed as semantic events or as one `response`.
struct ResponsesRoutes {
    let state: MockUpstreamState

    func add(to router: Router<BasicRequestContext>) {
        router.post("/v1/responses") { request, _ in try await respond(request) }
    }

    private func respond(_ request: Request) async throws -> Response {
        let (data, received, refusal) = try await OpenAIRoutes.receive(request, state: state)
        if let refusal { return refusal }
        var configuration = received
        guard let body = MockJSON.object(data), let model = body["model"] as? String,
            let texts = Self.texts(body["input"])
        else {
            return OpenAIRoutes.error(
                400, "'model' and 'input' (a string or a list of input items) are required", code: "invalid_request")
        }
        let prompt = MockDirectives.apply(texts.lastUser, to: &configuration)
        if let refusal = try await OpenAIRoutes.refusal(model: model, served: configuration.models, configuration) {
            return refusal
        }
        let instructions = body["instructions"] as? String
        let answer = ResponsesAnswer(
            model: model, pieces: MockAnswer.pieces(for: prompt, configuration: configuration),
            inputTokens: MockAnswer.tokens(([instructions ?? ""] + texts.all).joined(separator: "\n")),
            echoed: [
                "instructions": instructions ?? NSNull(), "max_output_tokens": body["max_output_tokens"] ?? NSNull(),
                "metadata": body["metadata"] ?? [String: Any](),
                "previous_response_id": body["previous_response_id"] ?? NSNull(),
            ])
        guard body["stream"] as? Bool ?? false else {
            try await mockSleep(milliseconds: configuration.firstTokenDelayMs)
            return MockJSON.response(.ok, MockJSON.string(answer.response(completed: true)))
        }
        return MockStream.response(
            answer.events(), settings: configuration, state: state,
            malformed: "event: response.output_text.delta\ndata: {not json")
    }

    /// The texts of `input` (a string, or items whose `content` is a string or `input_text` parts), and the last
    /// user item's text, which directives are read from.
    private static func texts(_ input: Any?) -> (all: [String], lastUser: String)? {
        if let text = input as? String { return ([text], text) }
        guard let items = input as? [[String: Any]] else { return nil }
        var all: [String] = []
        var lastUser = ""
        for item in items {
            let text = content(item["content"]) ?? (item["output"] as? String) ?? ""
            all.append(text)
            if item["role"] as? String == "user" { lastUser = text }
        }
        return (all, lastUser)
    }

    private static func content(_ value: Any?) -> String? {
        if let text = value as? String { return text }
        guard let parts = value as? [[String: Any]] else { return nil }
        return parts.compactMap {
            ["input_text", "text", "output_text"].contains($0["type"] as? String) ? $0["text"] as? String : nil
        }.joined()
    }
}
