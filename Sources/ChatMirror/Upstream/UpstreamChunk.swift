import Foundation

/// One piece of an answer in OpenAI's `chat.completion.chunk` vocabulary, which every adapter speaks: the chunk as
/// JSON (relayed to `/v1` clients with its fields intact) and the parts ChatMirror reads from it.
struct UpstreamChunk: Sendable, Equatable {
    /// The chunk as the upstream sent it (or, for Anthropic, as the adapter translated it).
    var json: [String: JSONValue]
    /// Each choice's delta, read from `json`.
    var choices: [ChoiceDelta]
    /// Token counts, when this chunk reports them.
    var usage: UsageReport?

    /// Reads the parts ChatMirror uses from a chunk object.
    init(json: [String: JSONValue]) {
        self.json = json
        if case .array(let list)? = json["choices"] {
            choices = list.enumerated().compactMap { offset, item in
                guard case .object(let choice) = item else { return nil }
                return ChoiceDelta(choice, position: offset)
            }
        } else {
            choices = []
        }
        if case .object(let usage)? = json["usage"] { self.usage = UsageReport(usage) } else { usage = nil }
    }

    /// A chunk whose JSON is not in the chat vocabulary (a Responses API event), with what ChatMirror reads from it.
    init(event: [String: JSONValue], choices: [ChoiceDelta], usage: UsageReport?) {
        json = event
        self.choices = choices
        self.usage = usage
    }

    /// Whether a client would see something in this chunk (text, thinking, a tool call or a refusal).
    var isVisible: Bool { choices.contains { $0.isVisible } }
}

/// What one choice of a chunk adds.
struct ChoiceDelta: Sendable, Equatable {
    var index: Int
    var content: String?
    /// Thinking text, from `reasoning_content` (DeepSeek, Qwen) or `reasoning` (vLLM ≥ 0.18, OpenRouter).
    var reasoning: String?
    var refusal: String?
    var toolCalls: [ToolCallDelta]
    var finishReason: String?
    /// `logprobs` of this piece as sent (`{"content": [...]}` or `{"refusal": [...]}`).
    var logprobs: JSONValue?

    init(index: Int = 0, content: String? = nil, reasoning: String? = nil, refusal: String? = nil,
         toolCalls: [ToolCallDelta] = [], finishReason: String? = nil, logprobs: JSONValue? = nil) {
        self.index = index
        self.content = content
        self.reasoning = reasoning
        self.refusal = refusal
        self.toolCalls = toolCalls
        self.finishReason = finishReason
        self.logprobs = logprobs
    }

    init?(_ choice: [String: JSONValue], position: Int) {
        index = choice["index"]?.intValue ?? position
        let delta = choice["delta"]?.objectValue ?? choice["message"]?.objectValue ?? [:]
        content = delta["content"]?.stringValue
        reasoning = delta["reasoning_content"]?.stringValue ?? delta["reasoning"]?.stringValue
        refusal = delta["refusal"]?.stringValue
        if case .array(let calls)? = delta["tool_calls"] {
            toolCalls = calls.enumerated().compactMap { offset, call in call.objectValue.map { ToolCallDelta($0, position: offset) } }
        } else {
            toolCalls = []
        }
        finishReason = choice["finish_reason"]?.stringValue
        logprobs = choice["logprobs"].flatMap { $0 == .null ? nil : $0 }
    }

    var isVisible: Bool {
        !(content ?? "").isEmpty || !(reasoning ?? "").isEmpty || !(refusal ?? "").isEmpty || !toolCalls.isEmpty
    }
}

/// A piece of one tool call: the first piece names it, the following ones add argument text.
struct ToolCallDelta: Sendable, Equatable {
    /// The upstream's `index` (position within the delta when it sent none).
    var index: Int
    var id: String?
    var type: String?
    var name: String?
    var arguments: String?

    init(index: Int, id: String? = nil, type: String? = nil, name: String? = nil, arguments: String? = nil) {
        self.index = index
        self.id = id
        self.type = type
        self.name = name
        self.arguments = arguments
    }

    init(_ call: [String: JSONValue], position: Int) {
        index = call["index"]?.intValue ?? position
        id = call["id"]?.stringValue
        type = call["type"]?.stringValue
        let function = call["function"]?.objectValue ?? [:]
        name = function["name"]?.stringValue
        arguments = function["arguments"]?.stringValue
    }
}

/// Token counts an upstream reported, clamped so that no hostile number can overflow what is added up from them.
struct UsageReport: Sendable, Equatable {
    /// The largest count taken from an upstream for one answer.
    static let maxTokens = 100_000_000

    var prompt: Int
    var completion: Int
    var cachedPrompt: Int?
    var reasoning: Int?
    /// The usage object as sent (with its `*_details`), for relaying.
    var raw: [String: JSONValue]

    init(prompt: Int, completion: Int, cachedPrompt: Int? = nil, reasoning: Int? = nil, raw: [String: JSONValue]? = nil) {
        self.prompt = Self.clamp(prompt)
        self.completion = Self.clamp(completion)
        self.cachedPrompt = cachedPrompt.map(Self.clamp)
        self.reasoning = reasoning.map(Self.clamp)
        self.raw = raw ?? [:]
        self.raw["prompt_tokens"] = .int(self.prompt)
        self.raw["completion_tokens"] = .int(self.completion)
        self.raw["total_tokens"] = .int(total)
    }

    init(_ usage: [String: JSONValue]) {
        let cached = usage["prompt_tokens_details"]?.objectValue?["cached_tokens"]?.clampedInt
        let reasoning = usage["completion_tokens_details"]?.objectValue?["reasoning_tokens"]?.clampedInt
        self.init(prompt: usage["prompt_tokens"]?.clampedInt ?? 0, completion: usage["completion_tokens"]?.clampedInt ?? 0,
                  cachedPrompt: cached, reasoning: reasoning, raw: usage)
    }

    /// Prompt and completion together (both are clamped, so this cannot overflow).
    var total: Int { prompt + completion }

    static func clamp(_ value: Int) -> Int { min(max(value, 0), maxTokens) }
}

extension JSONValue {
    /// The integer payload (a whole number sent as a float counts too).
    var intValue: Int? {
        switch self {
        case .int(let value): value
        case .number(let value) where value.isFinite && value == value.rounded() && abs(value) < 1e15: Int(value)
        default: nil
        }
    }

    /// An integer clamped into 0...`UsageReport.maxTokens` (any number, however large, is safe to add up after this).
    var clampedInt: Int? {
        switch self {
        case .int(let value): UsageReport.clamp(value)
        case .number(let value) where value.isFinite: UsageReport.clamp(value >= Double(UsageReport.maxTokens) ? UsageReport.maxTokens : Int(max(0, value)))
        default: nil
        }
    }

    /// The object payload, if this is an object.
    var objectValue: [String: JSONValue]? { if case .object(let value) = self { value } else { nil } }

    /// The array payload, if this is an array.
    var arrayValue: [JSONValue]? { if case .array(let value) = self { value } else { nil } }
}
