import Foundation

/// A text answer in the Responses API's shape: a `response` object, or the semantic event stream.
struct ResponsesAnswer {
    let model: String
    let pieces: [String]
    let inputTokens: Int
    /// Request fields a response repeats (instructions, max_output_tokens, metadata, previous_response_id).
    let echoed: [String: Any]

    private let itemID = "msg_mock"
    private var text: String { pieces.joined() }

    /// The `response` object, `in_progress` with no output yet or `completed` with the message and usage.
    func response(completed: Bool) -> [String: Any] {
        var response: [String: Any] = [
            "id": "resp_mock", "object": "response", "created_at": 1_700_000_000, "model": model,
            "error": NSNull(), "incomplete_details": NSNull(), "parallel_tool_calls": true,
            "reasoning": ["effort": NSNull(), "summary": NSNull()], "store": false, "temperature": 1.0,
            "text": ["format": ["type": "text"]], "tool_choice": "auto", "tools": [Any](), "top_p": 1.0,
            "truncation": "disabled", "user": NSNull(),
        ]
        response["status"] = completed ? "completed" : "in_progress"
        response["output"] = completed ? [message(completed: true)] : []
        response["usage"] = completed ? usage() : NSNull() as Any
        if completed { response["completed_at"] = 1_700_000_001 }
        return response.merging(echoed) { _, asked in asked }
    }

    /// response.created, response.in_progress, output_item.added, content_part.added, output_text.delta pieces,
    /// output_text.done, content_part.done, output_item.done, response.completed; numbered by `sequence_number`.
    func events() -> [MockEvent] {
        let at: [String: Any] = ["item_id": itemID, "output_index": 0, "content_index": 0]
        var bodies: [(String, [String: Any], Bool)] = [
            ("response.created", ["response": response(completed: false)], false),
            ("response.in_progress", ["response": response(completed: false)], false),
            ("response.output_item.added", ["output_index": 0, "item": message(completed: false)], false),
            ("response.content_part.added", at.merging(["part": part("")]) { $1 }, false),
        ]
        bodies += pieces.map {
            ("response.output_text.delta", at.merging(["delta": $0, "logprobs": [Any]()]) { $1 }, true)
        }
        bodies += [
            ("response.output_text.done", at.merging(["text": text, "logprobs": [Any]()]) { $1 }, false),
            ("response.content_part.done", at.merging(["part": part(text)]) { $1 }, false),
            ("response.output_item.done", ["output_index": 0, "item": message(completed: true)], false),
            ("response.completed", ["response": response(completed: true)], false),
        ]
        return bodies.enumerated().map { number, entry in
            let (type, fields, paced) = entry
            let payload = fields.merging(["type": type, "sequence_number": number]) { $1 }
            let text = MockStream.named(type, MockJSON.string(payload))
            return paced ? .piece(text) : .frame(text)
        }
    }

    private func message(completed: Bool) -> [String: Any] {
        let content: [[String: Any]] = completed ? [part(text)] : []
        return [
            "id": itemID, "type": "message", "role": "assistant", "status": completed ? "completed" : "in_progress",
            "content": content,
        ]
    }

    private func part(_ text: String) -> [String: Any] {
        ["type": "output_text", "text": text, "annotations": [Any](), "logprobs": [Any]()]
    }

    private func usage() -> [String: Any] {
        let output = MockAnswer.tokens(text)
        return [
            "input_tokens": inputTokens, "input_tokens_details": ["cached_tokens": 0], "output_tokens": output,
            "output_tokens_details": ["reasoning_tokens": 0], "total_tokens": inputTokens + output,
        ]
    }
}
