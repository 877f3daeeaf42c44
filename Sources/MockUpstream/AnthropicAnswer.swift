import Foundation

/// A `MockReply` in Anthropic's Messages shape: the event stream, or one `message`.
struct AnthropicAnswer {
    let reply: MockReply
    let model: String

    /// What the mock signs its thinking with (base64 of "mock-signature").
    static let signature = "bW9jay1zaWduYXR1cmU="

    private var stopReason: String { reply.toolCalls.isEmpty ? "end_turn" : "tool_use" }
    private var hasText: Bool { !reply.content.isEmpty || reply.toolCalls.isEmpty }

    /// message_start, a thinking block (thinking_delta pieces, then signature_delta), a text block, tool_use blocks
    /// (input_json_delta pieces), message_delta with the stop reason and usage, message_stop.
    func events() -> [MockEvent] {
        let message: [String: Any] = [
            "id": "msg_mock", "type": "message", "role": "assistant", "model": model, "content": [Any](),
            "stop_reason": NSNull(), "stop_sequence": NSNull(),
            "usage": ["input_tokens": reply.promptTokens, "output_tokens": 1],
        ]
        var events = [frame("message_start", ["message": message])]
        var index = 0
        func block(_ start: [String: Any], _ deltas: [[String: Any]], closing: [[String: Any]] = []) {
            events.append(frame("content_block_start", ["index": index, "content_block": start]))
            if index == 0 { events.append(frame("ping", [:])) }
            events += deltas.map { .piece(Self.event("content_block_delta", ["index": index, "delta": $0])) }
            events += closing.map { frame("content_block_delta", ["index": index, "delta": $0]) }
            events.append(frame("content_block_stop", ["index": index]))
            index += 1
        }
        if !reply.reasoning.isEmpty {
            let thinking = reply.reasoning.map { ["type": "thinking_delta", "thinking": $0] }
            let signature = ["type": "signature_delta", "signature": Self.signature]
            block(["type": "thinking", "thinking": "", "signature": ""], thinking, closing: [signature])
        }
        if hasText { block(["type": "text", "text": ""], reply.content.map { ["type": "text_delta", "text": $0] }) }
        for call in reply.toolCalls {
            let pieces = call.argumentPieces.map { ["type": "input_json_delta", "partial_json": $0] }
            block(["type": "tool_use", "id": call.id, "name": call.name, "input": [String: Any]()], pieces)
        }
        let stop: [String: Any] = ["stop_reason": stopReason, "stop_sequence": NSNull()]
        events.append(frame("message_delta", ["delta": stop, "usage": ["output_tokens": reply.completionTokens]]))
        events.append(frame("message_stop", [:]))
        return events
    }

    /// The non-streamed `message`.
    func message() -> String {
        var content: [[String: Any]] = []
        if !reply.reasoning.isEmpty {
            content.append(["type": "thinking", "thinking": reply.reasoningText, "signature": Self.signature])
        }
        if hasText { content.append(["type": "text", "text": reply.text]) }
        for call in reply.toolCalls {
            let input = MockJSON.object(Data(call.arguments.utf8)) ?? [:]
            content.append(["type": "tool_use", "id": call.id, "name": call.name, "input": input])
        }
        return MockJSON.string(
            [
                "id": "msg_mock", "type": "message", "role": "assistant", "model": model, "content": content,
                "stop_reason": stopReason, "stop_sequence": NSNull(),
                "usage": ["input_tokens": reply.promptTokens, "output_tokens": reply.completionTokens],
            ] as [String: Any])
    }

    private func frame(_ type: String, _ fields: [String: Any]) -> MockEvent { .frame(Self.event(type, fields)) }

    /// `event: TYPE` with the fields plus `"type": TYPE` as its data.
    private static func event(_ type: String, _ fields: [String: Any]) -> String {
        MockStream.named(type, MockJSON.string(fields.merging(["type": type]) { _, new in new }))
    }
}
