import Foundation

/// A `/v1/chat/completions` body, validated. Messages go upstream as the client sent them (content parts, tool
/// calls, tool results); the other fields too, filtered per account by `OpenAIRequestFields`.
struct OpenAIChatRequest: Sendable {
    let model: String
    let messages: [JSONValue]
    let stream: Bool
    let includeUsage: Bool
    /// The other fields (tools, tool_choice, temperature, max_completion_tokens, ...).
    let fields: [String: JSONValue]
    /// The prompt's estimated tokens (its text; an image counts as a few hundred).
    let promptEstimate: Int

    static let roles: Set<String> = ["system", "developer", "user", "assistant", "tool", "function"]
    static let partTypes: Set<String> = ["text", "image_url", "input_audio", "file", "refusal"]
    /// Fields ChatMirror sets itself (`user` would identify our user to the upstream).
    static let reserved: Set<String> = ["model", "messages", "stream", "stream_options", "user"]

    init(_ body: JSONValue, maxContentChars: Int) throws {
        guard case .object(let fields) = body else { throw AppError.invalid("the body must be a JSON object").param(nil) }
        guard case .string(let model)? = fields["model"], !model.isEmpty, model.count <= 200 else {
            throw AppError.invalid("field 'model' is required and must be a model name").param("model")
        }
        guard case .array(let list)? = fields["messages"], !list.isEmpty else {
            throw AppError.invalid("field 'messages' must be a non-empty array").param("messages")
        }
        var characters = 0
        var images = 0
        for (index, item) in list.enumerated() {
            guard case .object(let message) = item, let role = message["role"]?.stringValue, Self.roles.contains(role) else {
                throw AppError.invalid("messages[\(index)] needs a 'role' of system, developer, user, assistant or tool").param("messages")
            }
            switch message["content"] {
            case .string(let text)?: characters += text.count
            case .array(let parts)?:
                for (partIndex, part) in parts.enumerated() {
                    guard let object = part.objectValue, let type = object["type"]?.stringValue, Self.partTypes.contains(type) else {
                        throw AppError.invalid("messages[\(index)].content[\(partIndex)] needs a 'type' of text, image_url, input_audio or file")
                            .param("messages")
                    }
                    if type == "image_url" { images += 1 }
                    characters += object["text"]?.stringValue?.count ?? 0
                }
            case .null?, nil:
                guard role == "assistant" else { throw AppError.invalid("messages[\(index)].content is required").param("messages") }
            default:
                throw AppError.invalid("messages[\(index)].content must be a string or an array of parts").param("messages")
            }
            if let calls = message["tool_calls"] {
                guard role == "assistant", case .array(let list) = calls else {
                    throw AppError.invalid("messages[\(index)].tool_calls must be an array on an assistant message").param("messages")
                }
                for call in list { characters += call.objectValue?["function"]?.objectValue?["arguments"]?.stringValue?.count ?? 0 }
            }
        }
        guard characters <= maxContentChars * 10 else { throw AppError.invalid("the messages are too long").param("messages") }
        var stream = false
        if let value = fields["stream"], value != .null {
            guard case .bool(let flag) = value else { throw AppError.invalid("field 'stream' must be a boolean").param("stream") }
            stream = flag
        }
        var includeUsage = false
        if let options = fields["stream_options"], options != .null {
            guard case .object(let object) = options else {
                throw AppError.invalid("field 'stream_options' must be an object").param("stream_options")
            }
            includeUsage = object["include_usage"] == .bool(true)
        }
        for name in ["max_tokens", "max_completion_tokens"] {
            if let value = fields[name], value != .null {
                guard let number = value.intValue, (1...10_000_000).contains(number) else {
                    throw AppError.invalid("field '\(name)' must be a positive integer").param(name)
                }
            }
        }
        if let n = fields["n"], n != .null, n.intValue != 1 {
            throw AppError.invalid("field 'n': only one choice per request is supported (n = 1)").param("n")
        }
        if let tools = fields["tools"], tools != .null {
            guard case .array(let list) = tools, list.allSatisfy({ $0.objectValue != nil }) else {
                throw AppError.invalid("field 'tools' must be an array of tool objects").param("tools")
            }
        }
        if let choice = fields["tool_choice"], choice != .null, choice.stringValue == nil, choice.objectValue == nil {
            throw AppError.invalid("field 'tool_choice' must be a string or an object").param("tool_choice")
        }
        self.model = model
        self.messages = list
        self.stream = stream
        self.includeUsage = includeUsage
        self.fields = fields.filter { !Self.reserved.contains($0.key) }
        promptEstimate = (characters + 3) / 4 + list.count * 4 + images * 400
    }
}

extension AppError {
    /// Names the offending request field (OpenAI's `param`).
    func param(_ name: String?) -> AppError {
        var copy = self
        copy.details["param"] = name.map(JSONValue.string) ?? .null
        return copy
    }
}
