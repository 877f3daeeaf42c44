import Foundation

/// A `MockReply` in OpenAI's chat completions shape: chunks for a stream, or one `chat.completion`.
struct OpenAIChatAnswer {
    let reply: MockReply
    let model: String
    /// "deepseek" sends reasoning as `reasoning_content`, "vllm" as `reasoning`.
    let reasoningStyle: String?

    private var reasoningField: String { reasoningStyle == "vllm" ? "reasoning" : "reasoning_content" }
    private var finishReason: String { reply.toolCalls.isEmpty ? "stop" : "tool_calls" }

    /// The stream: role chunk, reasoning, text or tool call pieces, the finish chunk, usage when asked, `[DONE]`.
    func events(includeUsage: Bool) -> [MockEvent] {
        let role: [String: Any] = ["role": "assistant", "content": reply.toolCalls.isEmpty ? "" : NSNull() as Any]
        var events = [MockEvent.frame(chunk(role))]
        events += reply.reasoning.map { .piece(chunk(reasoningDelta($0))) }
        events += reply.content.map { .piece(chunk(["content": $0])) }
        for (index, call) in reply.toolCalls.enumerated() {
            let head: [String: Any] = [
                "index": index, "id": call.id, "type": "function", "function": ["name": call.name, "arguments": ""],
            ]
            events.append(.frame(chunk(["tool_calls": [head]])))
            events += call.argumentPieces.map {
                .piece(chunk(["tool_calls": [["index": index, "function": ["arguments": $0]]]]))
            }
        }
        events.append(.frame(chunk([:], finishReason: finishReason)))
        if includeUsage {
            events.append(.frame("data: " + MockJSON.string(envelope(choices: [], usage: usage()))))
        }
        events.append(.frame("data: [DONE]"))
        return events
    }

    /// The non-streamed `chat.completion`.
    func completion() -> String {
        var message: [String: Any] = ["role": "assistant", "content": reply.toolCalls.isEmpty ? reply.text : NSNull()]
        if !reply.reasoning.isEmpty { message[reasoningField] = reply.reasoningText }
        if !reply.toolCalls.isEmpty {
            message["tool_calls"] = reply.toolCalls.map { call -> [String: Any] in
                ["id": call.id, "type": "function", "function": ["name": call.name, "arguments": call.arguments]]
            }
        }
        var object = envelope(
            choices: [["index": 0, "message": message, "finish_reason": finishReason]], usage: usage())
        object["object"] = "chat.completion"
        object["id"] = "chatcmpl-mock"
        return MockJSON.string(object)
    }

    private func reasoningDelta(_ piece: String) -> [String: Any] {
        reasoningStyle == "vllm" ? ["reasoning": piece] : ["content": NSNull(), "reasoning_content": piece]
    }

    private func chunk(_ delta: [String: Any], finishReason: String? = nil) -> String {
        let choice: [String: Any] = ["index": 0, "delta": delta, "finish_reason": finishReason ?? NSNull()]
        return "data: " + MockJSON.string(envelope(choices: [choice], usage: nil))
    }

    private func envelope(choices: [[String: Any]], usage: [String: Any]?) -> [String: Any] {
        var object: [String: Any] = [
            "id": "chatcmpl-mock", "object": "chat.completion.chunk", "created": 1_700_000_000, "model": model,
            "choices": choices,
        ]
        if let usage { object["usage"] = usage }
        return object
    }

    private func usage() -> [String: Any] {
        let completion = reply.completionTokens
        var usage: [String: Any] = [
            "prompt_tokens": reply.promptTokens, "completion_tokens": completion,
            "total_tokens": reply.promptTokens + completion,
        ]
        if !reply.reasoning.isEmpty { usage["completion_tokens_details"] = ["reasoning_tokens": reply.reasoningTokens] }
        return usage
    }
}
