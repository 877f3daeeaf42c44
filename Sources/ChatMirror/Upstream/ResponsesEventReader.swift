import Foundation

/// Reads a Responses API event stream from an account that serves it: each event is kept whole (relayed as it
/// is), and what ChatMirror needs is read from it: text, thinking and refusal deltas, function calls (numbered by
/// their output index), the finish and the usage of the final `response.completed` / `response.incomplete`.
final class ResponsesEventReader: UpstreamChunkReader, @unchecked Sendable {
    private let source: SSEBodySource
    private var done = false
    private var sawToolCall = false

    init(source: SSEBodySource) {
        self.source = source
    }

    func next() async throws -> UpstreamChunk? {
        while !done {
            guard let item = try await source.next() else {
                throw UpstreamFailure(kind: .brokenStream, status: nil, message: "the stream ended before response.completed")
            }
            guard case .data(_, let payload) = item else { continue }
            if payload == Array("[DONE]".utf8) { continue }
            let event = try SSEBodySource.object(payload)
            return try translate(event)
        }
        return nil
    }

    private func translate(_ event: [String: JSONValue]) throws -> UpstreamChunk {
        let type = event["type"]?.stringValue ?? ""
        let delta = event["delta"]?.stringValue
        var choice = ChoiceDelta()
        var usage: UsageReport?
        switch type {
        case "response.output_text.delta":
            choice.content = delta
        case "response.reasoning_text.delta", "response.reasoning_summary_text.delta":
            choice.reasoning = delta
        case "response.refusal.delta":
            choice.refusal = delta
        case "response.output_item.added":
            if let item = event["item"]?.objectValue, item["type"]?.stringValue == "function_call" {
                sawToolCall = true
                choice.toolCalls = [ToolCallDelta(index: event["output_index"]?.intValue ?? 0, id: item["call_id"]?.stringValue,
                                                  type: "function", name: item["name"]?.stringValue,
                                                  arguments: item["arguments"]?.stringValue ?? "")]
            }
        case "response.function_call_arguments.delta":
            choice.toolCalls = [ToolCallDelta(index: event["output_index"]?.intValue ?? 0, arguments: delta ?? "")]
        case "response.completed", "response.incomplete":
            done = true
            let response = event["response"]?.objectValue ?? [:]
            usage = response["usage"]?.objectValue.map(Self.usage)
            let incomplete = type == "response.incomplete"
            choice.finishReason = incomplete ? "length" : sawToolCall ? "tool_calls" : "stop"
        case "response.failed":
            let error = event["response"]?.objectValue?["error"] ?? .null
            throw SSEBodySource.failure(inStream: error)
        case "error":
            throw SSEBodySource.failure(inStream: .object(event))
        default:
            break
        }
        return UpstreamChunk(event: event, choices: [choice], usage: usage)
    }

    /// Responses usage (`input_tokens`, `output_tokens` and their details) as chat usage.
    static func usage(_ usage: [String: JSONValue]) -> UsageReport {
        UsageReport(prompt: usage["input_tokens"]?.clampedInt ?? 0, completion: usage["output_tokens"]?.clampedInt ?? 0,
                    cachedPrompt: usage["input_tokens_details"]?.objectValue?["cached_tokens"]?.clampedInt,
                    reasoning: usage["output_tokens_details"]?.objectValue?["reasoning_tokens"]?.clampedInt)
    }
}
