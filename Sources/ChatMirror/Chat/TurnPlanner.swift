import Foundation

/// Pure helpers of a turn: the history sent upstream, titles, token estimates.
enum TurnPlanner {
    /// Messages from the root to `leafId`, as sent upstream (failed answers with no text are left out).
    static func history(upTo leafId: String, in messages: [Message]) -> [ChatMessage] {
        let byId = Dictionary(messages.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var path: [Message] = []
        var cursor: String? = leafId
        var guardCount = 0
        while let id = cursor, let message = byId[id], guardCount < 100_000 {
            path.append(message)
            cursor = message.parentId
            guardCount += 1
        }
        return path.reversed().compactMap { message in
            if message.role == "assistant", message.content.isEmpty { return nil }
            return ChatMessage(role: message.role, content: message.content)
        }
    }

    /// The leaf of the branch that ends at or below `messageId`, following the newest child.
    static func leaf(from messageId: String?, in messages: [Message]) -> String? {
        guard var current = messageId ?? messages.last(where: { $0.parentId == nil })?.id else { return nil }
        let children = Dictionary(grouping: messages.filter { $0.parentId != nil }, by: { $0.parentId ?? "" })
        var steps = 0
        while let next = children[current]?.max(by: { $0.createdAt < $1.createdAt }), steps < 100_000 {
            current = next.id
            steps += 1
        }
        return current
    }

    /// A title from the first message: its first line, at most 60 characters.
    static func title(from content: String) -> String {
        let line = content.split(whereSeparator: \.isNewline).first.map(String.init) ?? content
        let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return "New chat" }
        return trimmed.count > 60 ? String(trimmed.prefix(57)) + "..." : trimmed
    }

    /// Token estimate when the upstream reports none: about four characters a token.
    static func estimateTokens(_ text: String) -> Int {
        text.isEmpty ? 0 : max(1, (text.utf8.count + 3) / 4)
    }

    static func estimateTokens(_ messages: [ChatMessage]) -> Int {
        messages.reduce(0) { $0 + estimateTokens($1.content) + 4 }
    }
}
