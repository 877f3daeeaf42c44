import Foundation

/// The parts of an OpenAI or Anthropic chat request the mock looks at.
struct MockChatRequest {
    /// Which tool the request lets the model call.
    enum ToolChoice: Equatable {
        case auto, none
        case named(String)
    }

    var model: String
    var lastUserText: String
    var promptText: String
    var stream: Bool
    var includeUsage: Bool
    /// Names of the function tools offered, in order.
    var tools: [String]
    var toolChoice: ToolChoice
    /// Results of the tool calls the conversation ends with (OpenAI `tool` messages, Anthropic `tool_result` blocks).
    var toolResults: [String]
    /// Anthropic extended thinking was asked for.
    var thinking: Bool

    /// Parses a request body; nil when it is not a chat request.
    init?(json data: Data) {
        guard let object = MockJSON.object(data), let model = object["model"] as? String,
            let messages = object["messages"] as? [[String: Any]]
        else { return nil }
        self.model = model
        let texts = messages.map { Self.text(of: $0["content"]) }
        let system = Self.text(of: object["system"])
        promptText = ([system] + texts).joined(separator: "\n")
        lastUserText = Array(zip(messages, texts)).last { $0.0["role"] as? String == "user" }?.1 ?? ""
        stream = object["stream"] as? Bool ?? false
        includeUsage = (object["stream_options"] as? [String: Any])?["include_usage"] as? Bool ?? false
        tools = (object["tools"] as? [[String: Any]] ?? []).compactMap(Self.toolName)
        toolChoice = Self.toolChoice(object["tool_choice"])
        toolResults = Self.toolResults(messages)
        let thinkingType = (object["thinking"] as? [String: Any])?["type"] as? String
        thinking = thinkingType == "enabled" || thinkingType == "adaptive"
    }

    /// Text of a `content` that is a string or an array of `{type: "text", text}` parts.
    static func text(of content: Any?) -> String {
        if let text = content as? String { return text }
        if let parts = content as? [[String: Any]] {
            return parts.compactMap { $0["type"] as? String == "text" ? $0["text"] as? String : nil }.joined()
        }
        return ""
    }

    /// `function.name` of an OpenAI tool, `name` of an Anthropic one.
    private static func toolName(_ tool: [String: Any]) -> String? {
        if let function = tool["function"] as? [String: Any] { return function["name"] as? String }
        return tool["name"] as? String
    }

    /// OpenAI: "none", "auto", "required", `{type: function, function: {name}}`; Anthropic: `{type, name}`.
    private static func toolChoice(_ value: Any?) -> ToolChoice {
        if let word = value as? String { return word == "none" ? .none : .auto }
        guard let choice = value as? [String: Any] else { return .auto }
        if let function = choice["function"] as? [String: Any], let name = function["name"] as? String {
            return .named(name)
        }
        switch choice["type"] as? String {
        case "none": return .none
        case "tool": return (choice["name"] as? String).map(ToolChoice.named) ?? .auto
        default: return .auto
        }
    }

    /// The contents of the trailing `tool` messages, or of the `tool_result` blocks of a last user message.
    private static func toolResults(_ messages: [[String: Any]]) -> [String] {
        let trailing = messages.reversed().prefix { $0["role"] as? String == "tool" }
        if !trailing.isEmpty { return trailing.reversed().map { text(of: $0["content"]) } }
        guard let last = messages.last, last["role"] as? String == "user",
            let blocks = last["content"] as? [[String: Any]]
        else { return [] }
        return blocks.filter { $0["type"] as? String == "tool_result" }.map { text(of: $0["content"]) }
    }
}
