import Foundation

/// Where a search matched a conversation: its title, or a message, with a little text around the match.
struct SearchMatch: Encodable, Sendable {
    /// `title` or `message`.
    let `in`: String
    /// The matched text with some context; `…` marks where it was cut. Plain text, never markup.
    let text: String
    /// The message that matched (`in` is `message`).
    let messageId: String?

    /// Characters of context kept before and after the match.
    static let before = 40
    static let after = 80

    static func title(_ title: String) -> SearchMatch {
        SearchMatch(in: "title", text: title, messageId: nil)
    }

    static func message(id: String, content: String, query: String) -> SearchMatch {
        SearchMatch(in: "message", text: snippet(of: content, around: query), messageId: id)
    }

    /// Whether `text` contains `query`, ignoring case (as the stores' search does).
    static func contains(_ text: String, _ query: String) -> Bool {
        text.range(of: query, options: [.caseInsensitive]) != nil
    }

    /// The part of `text` around the first match of `query`, on one line (runs of white space become one space).
    static func snippet(of text: String, around query: String) -> String {
        let flat = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        guard let range = flat.range(of: query, options: [.caseInsensitive]) else {
            return flat.count > before + after ? String(flat.prefix(before + after)) + "…" : flat
        }
        let start = flat.index(range.lowerBound, offsetBy: -before, limitedBy: flat.startIndex) ?? flat.startIndex
        let end = flat.index(range.upperBound, offsetBy: after, limitedBy: flat.endIndex) ?? flat.endIndex
        return (start > flat.startIndex ? "…" : "") + flat[start..<end] + (end < flat.endIndex ? "…" : "")
    }
}
