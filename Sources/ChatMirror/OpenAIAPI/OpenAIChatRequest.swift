import Foundation

/// A `/v1/chat/completions` body, validated, with the fields we pass through.
struct OpenAIChatRequest: Sendable {
    let model: String
    let messages: [ChatMessage]
    let rawMessages: JSONValue
    let stream: Bool
    let includeUsage: Bool
    let extraFields: [String: JSONValue]

    static let roles: Set<String> = ["system", "developer", "user", "assistant", "tool", "function"]
    /// Fields we set ourselves or never forward (`user` would identify our user to the upstream).
    static let reserved: Set<String> = ["model", "messages", "stream", "stream_options", "user"]

    init(_ body: JSONValue, maxContentChars: Int) throws {
        guard case .object(let fields) = body else { throw AppError.invalid("the body must be a JSON object").param(nil) }
        guard case .string(let model)? = fields["model"], !model.isEmpty else {
            throw AppError.invalid("field 'model' is required and must be a string").param("model")
        }
        guard case .array(let list)? = fields["messages"], !list.isEmpty else {
            throw AppError.invalid("field 'messages' must be a non-empty array").param("messages")
        }
        var messages: [ChatMessage] = []
        var total = 0
        for (index, item) in list.enumerated() {
            guard case .object(let message) = item, case .string(let role)? = message["role"], Self.roles.contains(role) else {
                throw AppError.invalid("messages[\(index)] needs a 'role' of system, developer, user, assistant or tool").param("messages")
            }
            let text: String
            switch message["content"] {
            case .string(let value)?: text = value
            case .array(let parts)?:
                text = parts.compactMap { part -> String? in
                    if case .object(let object) = part, object["type"]?.stringValue == "text" { return object["text"]?.stringValue }
                    return nil
                }.joined()
            case .null?, nil:
                guard role == "assistant" else { throw AppError.invalid("messages[\(index)].content is required").param("messages") }
                text = ""
            default:
                throw AppError.invalid("messages[\(index)].content must be a string or an array of parts").param("messages")
            }
            total += text.count
            messages.append(ChatMessage(role: role == "developer" ? "system" : role, content: text))
        }
        guard total <= maxContentChars * 10 else { throw AppError.invalid("the messages are too long").param("messages") }
        var stream = false
        if let value = fields["stream"] {
            guard case .bool(let flag) = value else { throw AppError.invalid("field 'stream' must be a boolean").param("stream") }
            stream = flag
        }
        var includeUsage = false
        if case .object(let options)? = fields["stream_options"], case .bool(let flag)? = options["include_usage"] { includeUsage = flag }
        if let maxTokens = fields["max_tokens"] {
            guard case .int(let value) = maxTokens, value > 0 else {
                throw AppError.invalid("field 'max_tokens' must be a positive integer").param("max_tokens")
            }
        }
        self.model = model
        self.messages = messages
        self.rawMessages = .array(list)
        self.stream = stream
        self.includeUsage = includeUsage
        self.extraFields = fields.filter { !Self.reserved.contains($0.key) }
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
