import Foundation

/// What the mock answers a chat request with, before it is written in a vendor's shape: reasoning, text and
/// tool calls, each already cut into the pieces a stream sends.
struct MockReply {
    /// A call of one of the request's tools.
    struct ToolCall {
        var id: String
        var name: String
        var argumentPieces: [String]
        var arguments: String { argumentPieces.joined() }
    }

    var reasoning: [String] = []
    var content: [String] = []
    var toolCalls: [ToolCall] = []
    var promptTokens = 1

    var reasoningText: String { reasoning.joined() }
    var text: String { content.joined() }
    var reasoningTokens: Int { reasoning.isEmpty ? 0 : MockAnswer.tokens(reasoningText) }
    var completionTokens: Int {
        MockAnswer.tokens(text + toolCalls.map(\.arguments).joined()) + reasoningTokens
    }

    /// Plans the answer: tool results are acknowledged, offered tools are called (ids `<idPrefix>1`, ...), anything
    /// else gets the usual text; `reasoning` adds reasoning first, in as many pieces as the text.
    static func plan(
        _ chat: MockChatRequest, prompt: String, configuration: MockUpstreamConfiguration, reasoning: Bool,
        idPrefix: String
    ) -> MockReply {
        var reply = MockReply(promptTokens: MockAnswer.tokens(chat.promptText))
        let pieces = max(1, configuration.chunkCount)
        if reasoning {
            let thought =
                "The user wrote \"\(prompt.prefix(40))\". Let me think about what they need, weigh the options, "
                + "and keep the answer short and direct."
            reply.reasoning = MockAnswer.split(thought, into: pieces)
        }
        let calls = configuration.toolCalls ?? 1
        if !chat.toolResults.isEmpty {
            let text = chat.toolResults.map { "Tool result: \($0)" }.joined(separator: "\n")
            reply.content = MockAnswer.split(text, into: pieces)
        } else if !chat.tools.isEmpty, chat.toolChoice != .none, calls > 0 {
            reply.toolCalls = (0..<calls).map { index in
                let name =
                    if case .named(let forced) = chat.toolChoice { forced } else {
                        chat.tools[index % chat.tools.count]
                    }
                let arguments = MockJSON.string(["query": prompt])
                return ToolCall(
                    id: "\(idPrefix)\(index + 1)", name: name, argumentPieces: MockAnswer.split(arguments, into: 4))
            }
        } else {
            reply.content = MockAnswer.pieces(for: prompt, configuration: configuration)
        }
        return reply
    }
}
