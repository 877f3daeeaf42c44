import Foundation

/// Adds up an answer's chunks: the text, thinking, refusal, tool calls and log probabilities of choice 0, the
/// finish reason and the usage. It also numbers tool calls from 0 in the order they start (rewriting the chunks'
/// `index` values), whatever indexes the upstream used.
struct AnswerAccumulator: Sendable {
    /// One tool call as it stands.
    struct ToolCall: Sendable, Equatable {
        var id: String
        var type: String
        var name: String
        var arguments: String
    }

    private(set) var content = ""
    private(set) var reasoning = ""
    /// Which field the upstream sent thinking in (`reasoning_content` or `reasoning`).
    private(set) var reasoningField: String?
    private(set) var refusal: String?
    private(set) var toolCalls: [ToolCall] = []
    private(set) var finishReason: String?
    private(set) var usage: UsageReport?
    private(set) var logprobsContent: [JSONValue] = []
    private(set) var logprobsRefusal: [JSONValue] = []
    private(set) var systemFingerprint: String?
    /// Whether anything a client sees has arrived.
    private(set) var producedOutput = false

    /// Upstream tool-call index → ours.
    private var toolIndex: [Int: Int] = [:]
    private var lastTool: Int?

    /// Takes in a chunk, numbering its tool calls; returns the chunk with the new numbers.
    mutating func absorb(_ chunk: UpstreamChunk) -> UpstreamChunk {
        var chunk = chunk
        if let usage = chunk.usage { self.usage = usage }
        if let fingerprint = chunk.json["system_fingerprint"]?.stringValue { systemFingerprint = fingerprint }
        var renumbered = false
        for position in chunk.choices.indices {
            let choice = chunk.choices[position]
            if choice.isVisible { producedOutput = true }
            guard choice.index == 0 else { continue }
            if let text = choice.content { content += text }
            if let text = choice.reasoning, !text.isEmpty {
                reasoning += text
                if reasoningField == nil { reasoningField = Self.reasoningField(of: chunk.json, position: position) }
            }
            if let text = choice.refusal { refusal = (refusal ?? "") + text }
            if let reason = choice.finishReason { finishReason = reason }
            if case .object(let logprobs)? = choice.logprobs {
                logprobsContent += logprobs["content"]?.arrayValue ?? []
                logprobsRefusal += logprobs["refusal"]?.arrayValue ?? []
            }
            for (callPosition, call) in choice.toolCalls.enumerated() {
                let ours = number(call)
                if ours != call.index { renumbered = true }
                chunk.choices[position].toolCalls[callPosition].index = ours
                merge(call, into: ours)
            }
        }
        if renumbered { chunk.json = Self.rewriteToolIndexes(chunk.json, choices: chunk.choices) }
        return chunk
    }

    /// The chunk index ours: a new `id` starts a call; an index seen before continues it; no id and no known
    /// index continues the last call.
    private mutating func number(_ call: ToolCallDelta) -> Int {
        if let id = call.id, !id.isEmpty, !toolCalls.contains(where: { $0.id == id }) {
            let ours = toolCalls.count
            toolCalls.append(ToolCall(id: id, type: call.type ?? "function", name: "", arguments: ""))
            toolIndex[call.index] = ours
            lastTool = ours
            return ours
        }
        if let id = call.id, let existing = toolCalls.firstIndex(where: { $0.id == id }) {
            lastTool = existing
            return existing
        }
        if let ours = toolIndex[call.index] {
            lastTool = ours
            return ours
        }
        if let lastTool { return lastTool }
        let ours = toolCalls.count
        toolCalls.append(ToolCall(id: "call_\(ours)", type: call.type ?? "function", name: "", arguments: ""))
        toolIndex[call.index] = ours
        lastTool = ours
        return ours
    }

    private mutating func merge(_ call: ToolCallDelta, into index: Int) {
        if let type = call.type { toolCalls[index].type = type }
        if let name = call.name { toolCalls[index].name += toolCalls[index].name == name ? "" : name }
        if let arguments = call.arguments { toolCalls[index].arguments += arguments }
    }

    private static func reasoningField(of json: [String: JSONValue], position: Int) -> String {
        guard case .array(let choices)? = json["choices"], position < choices.count,
              let delta = choices[position].objectValue?["delta"]?.objectValue ?? choices[position].objectValue?["message"]?.objectValue
        else { return "reasoning_content" }
        return delta["reasoning_content"]?.stringValue != nil ? "reasoning_content" : "reasoning"
    }

    /// `json` with each choice's tool-call `index` values replaced by ours.
    private static func rewriteToolIndexes(_ json: [String: JSONValue], choices: [ChoiceDelta]) -> [String: JSONValue] {
        guard case .array(var list)? = json["choices"] else { return json }
        for (position, choice) in choices.enumerated() where position < list.count {
            guard var object = list[position].objectValue, var delta = object["delta"]?.objectValue,
                  case .array(var calls)? = delta["tool_calls"] else { continue }
            for (callPosition, call) in choice.toolCalls.enumerated() where callPosition < calls.count {
                guard var callObject = calls[callPosition].objectValue else { continue }
                callObject["index"] = .int(call.index)
                calls[callPosition] = .object(callObject)
            }
            delta["tool_calls"] = .array(calls)
            object["delta"] = .object(delta)
            list[position] = .object(object)
        }
        var json = json
        json["choices"] = .array(list)
        return json
    }

    /// The assistant message of a non-streamed `chat.completion`, as the upstream meant it.
    var message: JSONValue {
        var message: [String: JSONValue] = [
            "role": .string("assistant"),
            "content": content.isEmpty && (!toolCalls.isEmpty || refusal != nil) ? .null : .string(content),
            "refusal": refusal.map(JSONValue.string) ?? .null,
        ]
        if !reasoning.isEmpty { message[reasoningField ?? "reasoning_content"] = .string(reasoning) }
        if !toolCalls.isEmpty {
            message["tool_calls"] = .array(toolCalls.map { call in
                .object(["id": .string(call.id), "type": .string(call.type),
                         "function": .object(["name": .string(call.name), "arguments": .string(call.arguments)])])
            })
        }
        return .object(message)
    }

    /// `logprobs` of a non-streamed choice: null unless the upstream sent some.
    var logprobs: JSONValue {
        guard !logprobsContent.isEmpty || !logprobsRefusal.isEmpty else { return .null }
        return .object(["content": logprobsContent.isEmpty ? .null : .array(logprobsContent),
                        "refusal": logprobsRefusal.isEmpty ? .null : .array(logprobsRefusal)])
    }
}
