import Foundation

/// Translates an OpenAI-shaped chat request to Anthropic Messages: system messages hoisted, tool calls and tool
/// results as `tool_use`/`tool_result` blocks, images as image blocks, consecutive turns of one role merged,
/// `max_tokens` always set, `reasoning_effort` as extended thinking.
enum AnthropicRequest {
    static let defaultMaxTokens = 4096
    /// Thinking budgets for `reasoning_effort`.
    static let thinkingBudgets: [String: Int] = ["minimal": 1024, "low": 2048, "medium": 8192, "high": 24576]

    static func body(_ request: UpstreamChatRequest, model: String) -> [String: JSONValue] {
        var system: [String] = []
        var turns: [(role: String, blocks: [JSONValue])] = []
        func add(_ role: String, _ blocks: [JSONValue]) {
            guard !blocks.isEmpty else { return }
            if let last = turns.last, last.role == role {
                turns[turns.count - 1].blocks += blocks
            } else {
                turns.append((role, blocks))
            }
        }
        for message in request.messages {
            guard let object = message.objectValue else { continue }
            switch object["role"]?.stringValue ?? "user" {
            case "system", "developer":
                let text = textOf(object["content"])
                if !text.isEmpty { system.append(text) }
            case "assistant":
                var blocks = contentBlocks(object["content"])
                for call in object["tool_calls"]?.arrayValue ?? [] {
                    guard let call = call.objectValue, let function = call["function"]?.objectValue else { continue }
                    let arguments = function["arguments"]?.stringValue ?? "{}"
                    let input = (try? JSONDecoder().decode(JSONValue.self, from: Data(arguments.utf8)))?.objectValue ?? [:]
                    blocks.append(.object(["type": .string("tool_use"), "id": .string(call["id"]?.stringValue ?? "call"),
                                           "name": .string(function["name"]?.stringValue ?? ""), "input": .object(input)]))
                }
                add("assistant", blocks)
            case "tool", "function":
                add("user", [.object(["type": .string("tool_result"),
                                      "tool_use_id": .string(object["tool_call_id"]?.stringValue ?? object["name"]?.stringValue ?? ""),
                                      "content": .string(textOf(object["content"]))])])
            default:
                add("user", contentBlocks(object["content"]))
            }
        }
        if turns.first?.role == "assistant" { turns.insert(("user", [text(" ")]), at: 0) }
        let fields = request.fields
        var maxTokens = (fields["max_tokens"] ?? fields["max_completion_tokens"])?.intValue ?? defaultMaxTokens
        var body: [String: JSONValue] = [
            "model": .string(model),
            "messages": .array(turns.map { .object(["role": .string($0.role), "content": .array($0.blocks)]) }),
            "stream": .bool(true),
        ]
        if !system.isEmpty { body["system"] = .string(system.joined(separator: "\n\n")) }
        if let endUser = request.endUser { body["metadata"] = .object(["user_id": .string(endUser)]) }
        for key in ["temperature", "top_p", "top_k"] { if let value = fields[key], value != .null { body[key] = value } }
        // Newer Claude models refuse `temperature` and `top_p` together; the temperature is the one clients mean.
        if body["temperature"] != nil { body["top_p"] = nil }
        if let stop = fields["stop"] {
            body["stop_sequences"] = stop.stringValue.map { .array([.string($0)]) } ?? stop
        }
        if let tools = fields["tools"]?.arrayValue {
            body["tools"] = .array(tools.compactMap(tool))
        }
        if let choice = toolChoice(fields["tool_choice"], parallel: fields["parallel_tool_calls"]) { body["tool_choice"] = choice }
        if let effort = fields["reasoning_effort"]?.stringValue, let budget = thinkingBudgets[effort] {
            body["thinking"] = .object(["type": .string("enabled"), "budget_tokens": .int(budget)])
            maxTokens = max(maxTokens, budget + defaultMaxTokens)
            body["temperature"] = nil
            body["top_p"] = nil
            body["top_k"] = nil
        }
        body["max_tokens"] = .int(max(1, maxTokens))
        return body
    }

    private static func text(_ value: String) -> JSONValue { .object(["type": .string("text"), "text": .string(value)]) }

    /// The text of a string or part-list content.
    static func textOf(_ content: JSONValue?) -> String {
        if let text = content?.stringValue { return text }
        return (content?.arrayValue ?? []).compactMap { $0.objectValue?["text"]?.stringValue }.joined()
    }

    /// A user or assistant content as Anthropic blocks: text, and images from `image_url` (data URI or URL).
    private static func contentBlocks(_ content: JSONValue?) -> [JSONValue] {
        if let string = content?.stringValue { return string.isEmpty ? [] : [text(string)] }
        return (content?.arrayValue ?? []).compactMap { part -> JSONValue? in
            guard let part = part.objectValue else { return nil }
            switch part["type"]?.stringValue {
            case "text":
                return part["text"]?.stringValue.flatMap { $0.isEmpty ? nil : text($0) }
            case "image_url":
                let url = part["image_url"]?.objectValue?["url"]?.stringValue ?? part["image_url"]?.stringValue ?? ""
                return image(url)
            default:
                return nil
            }
        }
    }

    /// An image block from a `data:` URI (base64) or an http(s) URL.
    private static func image(_ url: String) -> JSONValue? {
        if url.hasPrefix("data:"), let comma = url.firstIndex(of: ",") {
            let header = url[url.index(url.startIndex, offsetBy: 5)..<comma]
            guard header.hasSuffix(";base64") else { return nil }
            let mediaType = String(header.dropLast(7))
            return .object(["type": .string("image"), "source": .object([
                "type": .string("base64"), "media_type": .string(mediaType), "data": .string(String(url[url.index(after: comma)...])),
            ])])
        }
        guard url.hasPrefix("https://") || url.hasPrefix("http://") else { return nil }
        return .object(["type": .string("image"), "source": .object(["type": .string("url"), "url": .string(url)])])
    }

    /// An OpenAI function tool as an Anthropic tool.
    private static func tool(_ value: JSONValue) -> JSONValue? {
        guard let object = value.objectValue, object["type"]?.stringValue ?? "function" == "function",
              let function = object["function"]?.objectValue, let name = function["name"]?.stringValue else { return nil }
        var tool: [String: JSONValue] = [
            "name": .string(name),
            "input_schema": function["parameters"] ?? .object(["type": .string("object"), "properties": .object([:])]),
        ]
        if let description = function["description"] { tool["description"] = description }
        return .object(tool)
    }

    private static func toolChoice(_ choice: JSONValue?, parallel: JSONValue?) -> JSONValue? {
        var result: [String: JSONValue]
        switch choice {
        case .string("required")?: result = ["type": .string("any")]
        case .string("none")?: result = ["type": .string("none")]
        case .object(let object)?:
            guard let name = object["function"]?.objectValue?["name"]?.stringValue else { return nil }
            result = ["type": .string("tool"), "name": .string(name)]
        case .string("auto")?: result = ["type": .string("auto")]
        default:
            guard parallel == .bool(false) else { return nil }
            result = ["type": .string("auto")]
        }
        if parallel == .bool(false), result["type"] != .string("none") { result["disable_parallel_tool_use"] = .bool(true) }
        return .object(result)
    }
}
