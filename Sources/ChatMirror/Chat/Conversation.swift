import Foundation

/// A conversation as stored.
struct Conversation: Sendable, Decodable {
    let id: String
    let userId: Int
    var title: String
    var model: String?
    var accountId: Int?
    var currentLeafId: String?
    var archived: Int
    let createdAt: Int
    var updatedAt: Int
    /// When it was pinned to the top of the sidebar; `nil` when it is not pinned.
    var pinnedAt: Int? = nil
}

/// A message as stored; messages form a tree through `parentId`.
struct Message: Sendable, Decodable {
    let id: String
    let conversationId: String
    let userId: Int
    let parentId: String?
    let role: String
    var content: String
    /// The model's thinking, shown apart from the answer and never sent back upstream.
    var reasoning: String? = nil
    var model: String?
    var status: String
    var finishReason: String?
    var errorCode: String?
    var errorMessage: String?
    var promptTokens: Int?
    var completionTokens: Int?
    var accountId: Int?
    let createdAt: Int
    var updatedAt: Int
}

/// States of a message.
enum MessageStatus: String, Sendable {
    case complete, incomplete, error, streaming
}

/// A conversation as the API shows it.
struct ConversationView: Encodable {
    let id: String
    let title: String
    let model: String?
    let archived: Bool
    let pinned: Bool
    let pinnedAt: String?
    let createdAt: String?
    let updatedAt: String?
    /// Where a search (`q`) matched; only in search results.
    let match: SearchMatch?

    init(_ conversation: Conversation, match: SearchMatch? = nil) {
        id = conversation.id
        title = conversation.title
        model = conversation.model
        archived = conversation.archived != 0
        pinned = conversation.pinnedAt != nil
        pinnedAt = conversation.pinnedAt.flatMap { ISOTime.string(millis: $0) }
        createdAt = ISOTime.string(millis: conversation.createdAt)
        updatedAt = ISOTime.string(millis: conversation.updatedAt)
        self.match = match
    }
}

/// A message as the API shows it.
struct MessageView: Encodable {
    struct ErrorInfo: Encodable {
        let code: String
        let message: String
    }
    let id: String
    let conversationId: String
    let parentId: String?
    let role: String
    let content: String
    let reasoning: String?
    let model: String?
    let status: String
    let finishReason: String?
    let error: ErrorInfo?
    let promptTokens: Int?
    let completionTokens: Int?
    let createdAt: String?

    init(_ message: Message) {
        id = message.id
        conversationId = message.conversationId
        parentId = message.parentId
        role = message.role
        content = message.content
        reasoning = message.reasoning
        model = message.model
        status = message.status
        finishReason = message.finishReason
        error = message.errorCode.map { ErrorInfo(code: $0, message: message.errorMessage ?? "") }
        promptTokens = message.promptTokens
        completionTokens = message.completionTokens
        createdAt = ISOTime.string(millis: message.createdAt)
    }
}
