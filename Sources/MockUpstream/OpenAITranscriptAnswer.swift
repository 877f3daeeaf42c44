import Foundation

/// The non-streamed `chat.completion` an OpenAI-compatible transcript adds up to, or the error it ends with.
struct OpenAITranscriptAnswer {
    /// The HTTP status and JSON body to answer with.
    let status: Int
    let body: String

    /// Adds up the chunks: text, refusal, reasoning (in the field the stream used), tool calls by index, logprobs,
    /// finish reason and usage (estimated from the text when the stream reported none).
    init(_ transcript: MockTranscript, promptTokens: Int) {
        var sums: [String: String] = [:]
        var calls: [Int: [String: String]] = [:]
        var logprobs: [Any] = []
        var finishReason: Any = NSNull()
        var usage: [String: Any]?
        var head: [String: Any] = [:]
        for chunk in transcript.payloads {
            if let error = chunk["error"] as? [String: Any] {
                status = Self.status(of: error)
                body = MockJSON.string(["error": error])
                return
            }
            for key in ["id", "created", "model", "system_fingerprint", "service_tier"] where head[key] == nil {
                head[key] = chunk[key]
            }
            if let reported = chunk["usage"] as? [String: Any] { usage = reported }
            for choice in chunk["choices"] as? [[String: Any]] ?? [] {
                let delta = choice["delta"] as? [String: Any] ?? [:]
                for field in ["content", "refusal", "reasoning_content", "reasoning"] {
                    if let piece = delta[field] as? String { sums[field, default: ""] += piece }
                }
                for call in delta["tool_calls"] as? [[String: Any]] ?? [] {
                    let index = call["index"] as? Int ?? 0
                    let function = call["function"] as? [String: Any] ?? [:]
                    var sum = calls[index] ?? ["arguments": ""]
                    if let id = call["id"] as? String { sum["id"] = id }
                    if let name = function["name"] as? String { sum["name"] = name }
                    sum["arguments", default: ""] += function["arguments"] as? String ?? ""
                    calls[index] = sum
                }
                logprobs += (choice["logprobs"] as? [String: Any])?["content"] as? [Any] ?? []
                if let reason = choice["finish_reason"] as? String { finishReason = reason }
            }
        }
        var message: [String: Any] = [
            "role": "assistant", "content": sums["content"] ?? NSNull(), "refusal": sums["refusal"] ?? NSNull(),
        ]
        for field in ["reasoning_content", "reasoning"] where sums[field] != nil { message[field] = sums[field] }
        if !calls.isEmpty {
            message["tool_calls"] = calls.keys.sorted().compactMap { calls[$0] }.map { sum -> [String: Any] in
                [
                    "id": sum["id"] ?? "", "type": "function",
                    "function": ["name": sum["name"] ?? "", "arguments": sum["arguments"] ?? ""],
                ]
            }
        }
        let completion = MockAnswer.tokens(sums.values.joined() + calls.values.compactMap { $0["arguments"] }.joined())
        var object = head.merging(["object": "chat.completion"]) { _, new in new }
        object["choices"] = [
            [
                "index": 0, "message": message, "finish_reason": finishReason,
                "logprobs": logprobs.isEmpty
                    ? NSNull() as Any : ["content": logprobs, "refusal": NSNull()] as [String: Any],
            ]
        ]
        object["usage"] =
            usage ?? [
                "prompt_tokens": promptTokens, "completion_tokens": completion,
                "total_tokens": promptTokens + completion,
            ]
        status = 200
        body = MockJSON.string(object)
    }

    /// The status an upstream answers a non-streamed request with when it fails this way.
    private static func status(of error: [String: Any]) -> Int {
        let kind = [error["code"], error["type"]].compactMap { $0 as? String }.joined(separator: " ")
        if kind.contains("rate_limit") || kind.contains("tokens") || kind.contains("requests") { return 429 }
        if kind.contains("invalid_request") { return 400 }
        if kind.contains("authentication") || kind.contains("invalid_api_key") { return 401 }
        return 500
    }
}
