import Foundation
import NIOCore

/// Writes a Responses API answer from chat completion chunks (accounts without the `responses` capability): the
/// event sequence `response.created` … `response.completed`, with reasoning, message and function-call output
/// items, and the response object they add up to.
struct ResponsesEncoder: Sendable {
    let id: String
    let createdAt: Int
    let model: String
    let echoed: [String: JSONValue]
    private var sequence = 0
    /// Output items in the order they were opened: `reasoning`, `message`, or `call:N` (our tool-call number).
    private var order: [String] = []
    private var open: String?
    private var messagePart: String?

    init(id: String, createdAt: Int, model: String, echoed: [String: JSONValue]) {
        self.id = id
        self.createdAt = createdAt
        self.model = model
        self.echoed = echoed
    }

    /// `resp_…`.
    static func responseId() -> String { "resp_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased() }

    private func itemId(_ key: String) -> String {
        let suffix = id.dropFirst(5)
        switch key {
        case "reasoning": return "rs_\(suffix)"
        case "message": return "msg_\(suffix)"
        default: return "fc_\(suffix)_\(key.dropFirst(5))"
        }
    }

    /// `response.created` and `response.in_progress`.
    mutating func opening() -> [ByteBuffer] {
        let response = object(status: "in_progress", output: [], usage: .null)
        return [event("response.created", ["response": response]), event("response.in_progress", ["response": response])]
    }

    /// The events one chunk adds (`answer` already holds it).
    mutating func events(for chunk: UpstreamChunk, answer: AnswerAccumulator) -> [ByteBuffer] {
        var frames: [ByteBuffer] = []
        for choice in chunk.choices where choice.index == 0 {
            if let text = choice.reasoning, !text.isEmpty {
                frames += enter("reasoning", answer: answer)
                frames.append(event("response.reasoning_text.delta", ["item_id": .string(itemId("reasoning")),
                                                                      "output_index": .int(position("reasoning")),
                                                                      "content_index": .int(0), "delta": .string(text)]))
            }
            for (kind, text) in [("output_text", choice.content), ("refusal", choice.refusal)] {
                guard let text, !text.isEmpty else { continue }
                frames += enter("message", answer: answer)
                if messagePart == nil {
                    messagePart = kind
                    frames.append(event("response.content_part.added", ["item_id": .string(itemId("message")),
                                                                        "output_index": .int(position("message")), "content_index": .int(0),
                                                                        "part": part(kind, text: "")]))
                }
                frames.append(event(kind == "refusal" ? "response.refusal.delta" : "response.output_text.delta", [
                    "item_id": .string(itemId("message")), "output_index": .int(position("message")), "content_index": .int(0),
                    "delta": .string(text),
                ]))
            }
            for call in choice.toolCalls {
                let key = "call:\(call.index)"
                frames += enter(key, answer: answer)
                if let arguments = call.arguments, !arguments.isEmpty {
                    frames.append(event("response.function_call_arguments.delta", [
                        "item_id": .string(itemId(key)), "output_index": .int(position(key)), "delta": .string(arguments),
                    ]))
                }
            }
        }
        return frames
    }

    /// Closes the open item and ends the stream: `response.completed` (or `response.incomplete` at the output
    /// limit), `response.failed` after a failure or the time limit; nothing when the client went away.
    mutating func closing(ending: CallEnding, answer: AnswerAccumulator, outcome: CallOutcome) -> [ByteBuffer] {
        var frames = close(answer: answer)
        switch ending {
        case .completed:
            let status = outcome.finishReason == "length" ? "incomplete" : "completed"
            frames.append(event("response.\(status)", ["response": response(answer, outcome: outcome)]))
        case .failed(let failure):
            frames.append(event("response.failed", ["response": object(
                status: "failed", output: items(answer), usage: .null,
                error: .object(["code": .string(failure.appError.code), "message": .string(failure.appError.message)]))]))
        case .stopped(let reason):
            guard let error = reason.clientError else { return [] }
            frames.append(event("response.failed", ["response": object(
                status: "failed", output: items(answer), usage: .null,
                error: .object(["code": .string(error.code), "message": .string(error.message)]))]))
        case .refused:
            return []
        }
        return frames
    }

    /// The response object an answer adds up to (the non-streamed answer, and `response.completed`'s).
    func response(_ answer: AnswerAccumulator, outcome: CallOutcome) -> JSONValue {
        let usage = answer.usage ?? UsageReport(prompt: outcome.promptTokens, completion: outcome.completionTokens)
        let usageObject: [String: JSONValue] = [
            "input_tokens": .int(usage.prompt), "output_tokens": .int(usage.completion), "total_tokens": .int(usage.total),
            "input_tokens_details": .object(["cached_tokens": .int(usage.cachedPrompt ?? 0)]),
            "output_tokens_details": .object(["reasoning_tokens": .int(usage.reasoning ?? 0)]),
        ]
        let incomplete = outcome.finishReason == "length"
        return object(status: incomplete ? "incomplete" : "completed", output: items(answer), usage: .object(usageObject),
                      incomplete: incomplete ? .object(["reason": .string("max_output_tokens")]) : .null)
    }

    private func object(status: String, output: [JSONValue], usage: JSONValue, error: JSONValue = .null,
                        incomplete: JSONValue = .null) -> JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(id), "object": .string("response"), "created_at": .int(createdAt), "status": .string(status),
            "model": .string(model), "output": .array(output), "usage": usage, "error": error, "incomplete_details": incomplete,
            "parallel_tool_calls": .bool(true), "tool_choice": .string("auto"), "tools": .array([]),
        ]
        for (key, value) in echoed { object[key] = value }
        return .object(object)
    }

    /// The output items, in the order they were streamed (reasoning, message, calls when nothing was streamed).
    private func items(_ answer: AnswerAccumulator) -> [JSONValue] {
        var keys = order
        if !answer.reasoning.isEmpty, !keys.contains("reasoning") { keys.append("reasoning") }
        if !answer.content.isEmpty || answer.refusal != nil, !keys.contains("message") { keys.append("message") }
        for index in answer.toolCalls.indices where !keys.contains("call:\(index)") { keys.append("call:\(index)") }
        return keys.map { item($0, answer: answer, done: true) }
    }

    private func item(_ key: String, answer: AnswerAccumulator, done: Bool) -> JSONValue {
        let status = JSONValue.string(done ? "completed" : "in_progress")
        switch key {
        case "reasoning":
            return .object(["id": .string(itemId(key)), "type": .string("reasoning"), "summary": .array([]),
                            "content": .array(done ? [.object(["type": .string("reasoning_text"), "text": .string(answer.reasoning)])] : []),
                            "status": status])
        case "message":
            let parts: [JSONValue] = !done ? [] : answer.refusal.map { [part("refusal", text: $0)] } ?? [part("output_text", text: answer.content)]
            return .object(["id": .string(itemId(key)), "type": .string("message"), "role": .string("assistant"),
                            "content": .array(parts), "status": status])
        default:
            let index = Int(key.dropFirst(5)) ?? 0
            let call = index < answer.toolCalls.count ? answer.toolCalls[index] : AnswerAccumulator.ToolCall(id: "", type: "function", name: "", arguments: "")
            return .object(["id": .string(itemId(key)), "type": .string("function_call"), "call_id": .string(call.id),
                            "name": .string(call.name), "arguments": .string(done ? call.arguments : ""), "status": status])
        }
    }

    private func part(_ kind: String, text: String) -> JSONValue {
        kind == "refusal" ? .object(["type": .string("refusal"), "refusal": .string(text)])
            : .object(["type": .string("output_text"), "text": .string(text), "annotations": .array([])])
    }

    private func position(_ key: String) -> Int { order.firstIndex(of: key) ?? order.count }

    /// Opens `key` as the current item (closing the one before).
    private mutating func enter(_ key: String, answer: AnswerAccumulator) -> [ByteBuffer] {
        guard open != key else { return [] }
        var frames = close(answer: answer)
        if !order.contains(key) { order.append(key) }
        open = key
        frames.append(event("response.output_item.added", ["output_index": .int(position(key)), "item": item(key, answer: answer, done: false)]))
        return frames
    }

    /// The `…done` events of the open item.
    private mutating func close(answer: AnswerAccumulator) -> [ByteBuffer] {
        guard let key = open else { return [] }
        open = nil
        let index = JSONValue.int(position(key))
        var frames: [ByteBuffer] = []
        let itemId = JSONValue.string(self.itemId(key))
        switch key {
        case "reasoning":
            frames.append(event("response.reasoning_text.done", ["item_id": itemId, "output_index": index, "content_index": .int(0),
                                                                 "text": .string(answer.reasoning)]))
        case "message":
            let kind = messagePart ?? "output_text"
            let text = kind == "refusal" ? answer.refusal ?? "" : answer.content
            frames.append(event(kind == "refusal" ? "response.refusal.done" : "response.output_text.done", [
                "item_id": itemId, "output_index": index, "content_index": .int(0), kind == "refusal" ? "refusal" : "text": .string(text),
            ]))
            frames.append(event("response.content_part.done", ["item_id": itemId, "output_index": index, "content_index": .int(0),
                                                               "part": part(kind, text: text)]))
        default:
            let number = Int(key.dropFirst(5)) ?? 0
            let arguments = number < answer.toolCalls.count ? answer.toolCalls[number].arguments : ""
            frames.append(event("response.function_call_arguments.done", ["item_id": itemId, "output_index": index,
                                                                          "arguments": .string(arguments)]))
        }
        frames.append(event("response.output_item.done", ["output_index": index, "item": item(key, answer: answer, done: true)]))
        return frames
    }

    private mutating func event(_ type: String, _ fields: [String: JSONValue]) -> ByteBuffer {
        var fields = fields
        fields["type"] = .string(type)
        fields["sequence_number"] = .int(sequence)
        sequence += 1
        return Self.frame(type: type, json: fields)
    }

    /// One SSE frame with its event name.
    static func frame(type: String, json: [String: JSONValue]) -> ByteBuffer {
        SSEEncoder.event(type, json: JSONValue.object(json).encoded())
    }
}
