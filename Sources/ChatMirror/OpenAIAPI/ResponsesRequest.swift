import Foundation

/// A `/v1/responses` body, validated: the Responses request as sent (for accounts that serve the Responses API
/// themselves) and its translation to chat completions (for the rest): instructions, input text and images,
/// function calls and their outputs, function tools, output limit, reasoning effort, structured output.
struct ResponsesRequest: Sendable {
    let model: String
    let stream: Bool
    /// The body forwarded to accounts with the `responses` capability (documented fields only).
    let passthrough: [String: JSONValue]
    /// The same request as chat completions.
    let messages: [JSONValue]
    let chatFields: [String: JSONValue]
    /// Built-in tools or `previous_response_id`: only an account that serves the Responses API can answer.
    let needsPassthrough: Bool
    let promptEstimate: Int
    /// Request fields a response object repeats.
    let echoed: [String: JSONValue]

    /// The documented request fields forwarded as they are (`user` and `background` are not).
    static let forwarded: Set<String> = [
        "conversation", "include", "input", "instructions", "max_output_tokens", "max_tool_calls", "metadata",
        "parallel_tool_calls", "previous_response_id", "prompt", "prompt_cache_key", "reasoning", "safety_identifier",
        "service_tier", "store", "temperature", "text", "tool_choice", "tools", "top_logprobs", "top_p", "truncation",
    ]
    static let echoedFields = ["instructions", "max_output_tokens", "metadata", "parallel_tool_calls", "reasoning", "temperature",
                               "text", "tool_choice", "tools", "top_p"]

    init(_ body: JSONValue) throws {
        guard let fields = body.objectValue else { throw AppError.invalid("the body must be a JSON object").param(nil) }
        guard let model = fields["model"]?.stringValue, (1...200).contains(model.count) else {
            throw AppError.invalid("field 'model' is required and must be a model name").param("model")
        }
        var stream = false
        if let value = fields["stream"], value != .null {
            guard case .bool(let flag) = value else { throw AppError.invalid("field 'stream' must be a boolean").param("stream") }
            stream = flag
        }
        var messages: [JSONValue] = []
        var characters = 0
        var builtIn = fields["previous_response_id"].map { $0 != .null } ?? false
        if let instructions = fields["instructions"], instructions != .null {
            guard let text = instructions.stringValue else {
                throw AppError.invalid("field 'instructions' must be a string").param("instructions")
            }
            messages.append(.object(["role": .string("system"), "content": .string(text)]))
            characters += text.count
        }
        switch fields["input"] {
        case .string(let text)?:
            messages.append(.object(["role": .string("user"), "content": .string(text)]))
            characters += text.count
        case .array(let items)?:
            for (index, item) in items.enumerated() {
                if let length = try Self.translate(item, index: index, into: &messages) {
                    characters += length
                } else {
                    builtIn = true
                }
            }
        default:
            throw AppError.invalid("field 'input' must be a string or an array of input items").param("input")
        }
        var chatFields: [String: JSONValue] = [:]
        if let tools = fields["tools"], tools != .null {
            guard let list = tools.arrayValue else { throw AppError.invalid("field 'tools' must be an array").param("tools") }
            var functions: [JSONValue] = []
            for tool in list {
                guard let object = tool.objectValue, let type = object["type"]?.stringValue else {
                    throw AppError.invalid("field 'tools' must hold tool objects with a 'type'").param("tools")
                }
                guard type == "function" else {
                    builtIn = true
                    continue
                }
                guard let name = object["name"]?.stringValue else {
                    throw AppError.invalid("a function tool needs a 'name'").param("tools")
                }
                var function: [String: JSONValue] = ["name": .string(name)]
                for key in ["description", "parameters", "strict"] { if let value = object[key], value != .null { function[key] = value } }
                functions.append(.object(["type": .string("function"), "function": .object(function)]))
            }
            if !functions.isEmpty { chatFields["tools"] = .array(functions) }
        }
        switch fields["tool_choice"] {
        case .string(let choice)?: chatFields["tool_choice"] = .string(choice)
        case .object(let choice)? where choice["type"]?.stringValue == "function":
            chatFields["tool_choice"] = .object(["type": .string("function"),
                                                 "function": .object(["name": choice["name"] ?? .string("")])])
        default: break
        }
        if let limit = fields["max_output_tokens"], limit != .null {
            guard let value = limit.intValue, (1...10_000_000).contains(value) else {
                throw AppError.invalid("field 'max_output_tokens' must be a positive integer").param("max_output_tokens")
            }
            chatFields["max_completion_tokens"] = .int(value)
        }
        for key in ["temperature", "top_p", "parallel_tool_calls", "top_logprobs", "safety_identifier", "prompt_cache_key"] {
            if let value = fields[key], value != .null { chatFields[key] = value }
        }
        if let effort = fields["reasoning"]?.objectValue?["effort"], effort != .null { chatFields["reasoning_effort"] = effort }
        if let format = fields["text"]?.objectValue?["format"]?.objectValue, let type = format["type"]?.stringValue, type != "text" {
            if type == "json_schema" {
                var schema = format
                schema["type"] = nil
                chatFields["response_format"] = .object(["type": .string("json_schema"), "json_schema": .object(schema)])
            } else {
                chatFields["response_format"] = .object(["type": .string(type)])
            }
        }
        self.model = model
        self.stream = stream
        self.messages = messages
        self.chatFields = chatFields
        needsPassthrough = builtIn
        passthrough = fields.filter { Self.forwarded.contains($0.key) }
        promptEstimate = (characters + 3) / 4 + messages.count * 4
        echoed = fields.filter { Self.echoedFields.contains($0.key) }
    }

    /// Adds one input item as chat messages; returns its text length, or nil for an item only an account that
    /// serves the Responses API understands (built-in tool calls and their outputs, item references).
    private static func translate(_ item: JSONValue, index: Int, into messages: inout [JSONValue]) throws -> Int? {
        guard let object = item.objectValue else {
            throw AppError.invalid("input[\(index)] must be an object").param("input")
        }
        switch object["type"]?.stringValue ?? "message" {
        case "message":
            guard let role = object["role"]?.stringValue, ["user", "assistant", "system", "developer"].contains(role) else {
                throw AppError.invalid("input[\(index)] needs a 'role' of user, assistant, system or developer").param("input")
            }
            if let text = object["content"]?.stringValue {
                messages.append(.object(["role": .string(role), "content": .string(text)]))
                return text.count
            }
            guard let parts = object["content"]?.arrayValue else {
                throw AppError.invalid("input[\(index)].content must be a string or an array of parts").param("input")
            }
            var chatParts: [JSONValue] = []
            var characters = 0
            for part in parts {
                let partObject = part.objectValue ?? [:]
                switch partObject["type"]?.stringValue {
                case "input_text"?, "output_text"?, "text"?:
                    let text = partObject["text"]?.stringValue ?? ""
                    characters += text.count
                    chatParts.append(.object(["type": .string("text"), "text": .string(text)]))
                case "input_image"?:
                    guard let url = partObject["image_url"]?.stringValue else {
                        throw AppError.invalid("input[\(index)]: an input_image needs an 'image_url' (file ids are not supported)").param("input")
                    }
                    var image: [String: JSONValue] = ["url": .string(url)]
                    if let detail = partObject["detail"], detail != .null { image["detail"] = detail }
                    chatParts.append(.object(["type": .string("image_url"), "image_url": .object(image)]))
                case "refusal"?:
                    continue
                default:
                    throw AppError.invalid("input[\(index)]: content parts must be input_text, output_text or input_image").param("input")
                }
            }
            let content: JSONValue = role == "assistant" || role == "system" || role == "developer"
                ? .string(chatParts.compactMap { $0.objectValue?["text"]?.stringValue }.joined()) : .array(chatParts)
            messages.append(.object(["role": .string(role), "content": content]))
            return characters
        case "function_call":
            guard let callId = object["call_id"]?.stringValue, let name = object["name"]?.stringValue else {
                throw AppError.invalid("input[\(index)]: a function_call needs 'call_id' and 'name'").param("input")
            }
            let arguments = object["arguments"]?.stringValue ?? "{}"
            let call: JSONValue = .object(["id": .string(callId), "type": .string("function"),
                                           "function": .object(["name": .string(name), "arguments": .string(arguments)])])
            if case .object(var last)? = messages.last, last["role"] == .string("assistant"), var calls = last["tool_calls"]?.arrayValue {
                calls.append(call)
                last["tool_calls"] = .array(calls)
                messages[messages.count - 1] = .object(last)
            } else {
                messages.append(.object(["role": .string("assistant"), "content": .null, "tool_calls": .array([call])]))
            }
            return arguments.count
        case "function_call_output":
            guard let callId = object["call_id"]?.stringValue else {
                throw AppError.invalid("input[\(index)]: a function_call_output needs 'call_id'").param("input")
            }
            let output = object["output"]?.stringValue ?? String(decoding: (object["output"] ?? .null).encoded(), as: UTF8.self)
            messages.append(.object(["role": .string("tool"), "tool_call_id": .string(callId), "content": .string(output)]))
            return output.count
        case "reasoning":
            return 0
        default:
            return nil
        }
    }
}
