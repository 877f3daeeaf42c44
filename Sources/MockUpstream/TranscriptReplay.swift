import Foundation
import Hummingbird

/// Answers a chat request from a recorded transcript: streamed event by event, or added up when not streamed.
struct TranscriptReplay {
    let state: MockUpstreamState
    let configuration: MockUpstreamConfiguration

    /// `/v1/chat/completions` with `transcript` set.
    func openAI(_ name: String, chat: MockChatRequest) async throws -> Response {
        let transcript: MockTranscript
        do {
            transcript = try MockTranscript.load(name, for: .openAI, configuration: configuration)
        } catch {
            return OpenAIRoutes.error(400, error.message, code: "unknown_transcript")
        }
        if chat.stream { return stream(transcript, malformed: "data: {not json") }
        try await mockSleep(milliseconds: configuration.firstTokenDelayMs)
        if let recorded = transcript.recordedAnswer { return MockJSON.response(.ok, recorded) }
        let answer = OpenAITranscriptAnswer(transcript, promptTokens: MockAnswer.tokens(chat.promptText))
        return MockJSON.response(.init(code: answer.status), answer.body)
    }

    /// `/v1/messages` with `transcript` set.
    func anthropic(_ name: String, chat: MockChatRequest) async throws -> Response {
        let transcript: MockTranscript
        do {
            transcript = try MockTranscript.load(name, for: .anthropic, configuration: configuration)
        } catch {
            return AnthropicRoutes.error(400, "invalid_request_error", error.message)
        }
        if chat.stream { return stream(transcript, malformed: "event: content_block_delta\ndata: {not json") }
        try await mockSleep(milliseconds: configuration.firstTokenDelayMs)
        if let recorded = transcript.recordedAnswer { return MockJSON.response(.ok, recorded) }
        let answer = AnthropicTranscriptAnswer(transcript)
        return MockJSON.response(.init(code: answer.status), answer.body)
    }

    private func stream(_ transcript: MockTranscript, malformed: String) -> Response {
        MockStream.response(
            transcript.events.map(MockEvent.piece), settings: configuration, state: state, malformed: malformed)
    }
}
