import Foundation
import HTTPTypes
import Hummingbird

/// Anthropic Messages `POST /v1/messages`, streaming with the real event sequence.
struct AnthropicRoutes {
    let state: MockUpstreamState

    func add(to router: Router<BasicRequestContext>) {
        router.post("/v1/messages") { request, _ in try await messages(request) }
    }

    static func error(_ status: Int, _ type: String, _ message: String, headers: HTTPFields = [:]) -> Response {
        MockJSON.response(.init(code: status), #"{"type":"error","error":{"type":"\#(type)","message":\#(MockJSON.quote(message))}}"#, headers: headers)
    }

    private func messages(_ request: Request) async throws -> Response {
        let buffer = try await request.body.collect(upTo: 16 << 20)
        let data = Data(buffer.readableBytesView)
        let key = request.headers[HTTPField.Name("x-api-key")!]
        state.recordRequest(body: String(decoding: data, as: UTF8.self), authorization: key)
        var configuration = state.configuration
        if let expected = configuration.apiKey, key != expected { return Self.error(401, "authentication_error", "invalid x-api-key") }
        guard let chat = MockChatRequest(json: data) else { return Self.error(400, "invalid_request_error", "model and messages are required") }
        let prompt = MockDirectives.apply(chat.lastUserText, to: &configuration)
        switch configuration.failure {
        case "401": return Self.error(401, "authentication_error", "invalid x-api-key")
        case "403": return Self.error(403, "permission_error", "not allowed")
        case "404": return Self.error(404, "not_found_error", "model: \(chat.model)")
        case "429": return Self.error(429, "rate_limit_error", "rate limited", headers: [.retryAfter: String(configuration.retryAfterSeconds)])
        case "500": return Self.error(500, "api_error", "internal error")
        case "503": return Self.error(529, "overloaded_error", "Overloaded")
        case "hang":
            try await gracefulSleep(seconds: 600)
            return Self.error(504, "api_error", "hung")
        default: break
        }
        if configuration.unknownModelsAre404, !configuration.models.contains(chat.model) {
            return Self.error(404, "not_found_error", "model: \(chat.model)")
        }
        let pieces = MockAnswer.pieces(for: prompt, configuration: configuration)
        let input = MockAnswer.tokens(chat.promptText)
        let output = MockAnswer.tokens(pieces.joined())
        let model = MockJSON.quote(chat.model)
        if !chat.stream {
            try await mockSleep(milliseconds: configuration.firstTokenDelayMs)
            return MockJSON.response(.ok, """
                {"id":"msg_mock","type":"message","role":"assistant","model":\(model),"content":[{"type":"text","text":\(MockJSON.quote(pieces.joined()))}],\
                "stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":\(input),"output_tokens":\(output)}}
                """)
        }
        let state = self.state
        let settings = configuration
        @Sendable func event(_ name: String, _ json: String) -> ByteBuffer { ByteBuffer(string: "event: \(name)\ndata: \(json)\n\n") }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: .init { writer in
            state.recordStream(.started)
            do {
                try await writer.write(event("message_start", """
                    {"type":"message_start","message":{"id":"msg_mock","type":"message","role":"assistant","model":\(model),"content":[],\
                    "stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":\(input),"output_tokens":1}}}
                    """))
                try await writer.write(event("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#))
                try await writer.write(event("ping", #"{"type":"ping"}"#))
                try await mockSleep(milliseconds: settings.firstTokenDelayMs)
                for (index, piece) in pieces.enumerated() {
                    if index > 0 { try await mockSleep(milliseconds: settings.chunkDelayMs) }
                    if index == settings.failAfterChunks, settings.failure == "close" {
                        state.recordStream(.completed)
                        try await writer.finish(nil)
                        return
                    }
                    if index == settings.failAfterChunks, settings.failure == "malformed" {
                        try await writer.write(ByteBuffer(string: "event: content_block_delta\ndata: {not json\n\n"))
                        state.recordStream(.completed)
                        try await writer.finish(nil)
                        return
                    }
                    try await writer.write(event("content_block_delta",
                        #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":\#(MockJSON.quote(piece))}}"#))
                }
                try await writer.write(event("content_block_stop", #"{"type":"content_block_stop","index":0}"#))
                try await writer.write(event("message_delta",
                    #"{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":\#(output)}}"#))
                try await writer.write(event("message_stop", #"{"type":"message_stop"}"#))
                try await writer.finish(nil)
                state.recordStream(.completed)
            } catch {
                state.recordStream(.cancelled)
                throw error
            }
        })
    }
}
