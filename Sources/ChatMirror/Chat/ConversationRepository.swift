import Foundation
import SQLKit

/// SQL for conversations and messages; every query is scoped to the owning user.
struct ConversationRepository: Sendable {
    let db: any AppDatabase
    let clock: any AppClock
    /// This process's instance id, written on the answers it generates (`OpenCalls`): an answer is live while
    /// its instance's heartbeat is.
    var instanceId = ""

    static let conversationColumns = "id, user_id, title, model, account_id, current_leaf_id, archived, created_at, updated_at, pinned_at"
    static let messageColumns = """
        id, conversation_id, user_id, parent_id, role, content, model, status, finish_reason, error_code, error_message, \
        prompt_tokens, completion_tokens, account_id, created_at, updated_at, reasoning
        """

    func create(userId: Int, title: String, model: String?) async throws -> Conversation {
        let now = clock.nowMillis()
        let conversation = Conversation(id: UUID().uuidString.lowercased(), userId: userId, title: title, model: model,
                                        accountId: nil, currentLeafId: nil, archived: 0, createdAt: now, updatedAt: now)
        try await db.withSQL { sql in
            try await sql.insert(into: "conversations")
                .columns("id", "user_id", "title", "model", "archived", "created_at", "updated_at")
                .values(SQLBind(conversation.id), SQLBind(userId), SQLBind(title), SQLBind(model), SQLBind(0), SQLBind(now), SQLBind(now))
                .run()
        }
        return conversation
    }

    func find(id: String, userId: Int) async throws -> Conversation? {
        try await db.withSQL { sql in
            try await sql.raw("SELECT \(unsafeRaw: Self.conversationColumns) FROM conversations WHERE id = \(bind: id) AND user_id = \(bind: userId)")
                .first(decoding: Conversation.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
    }

    /// Pinned first, then newest first. `archived`: only archived (true), only not archived (false), or both (nil);
    /// `query` matches titles and message text, case-insensitively.
    func list(userId: Int, query: String?, archived: Bool?, limit: Int, offset: Int) async throws -> ([Conversation], Int) {
        struct Count: Decodable { let n: Int }
        return try await db.withSQL { sql in
            var condition: SQLQueryString = "c.user_id = \(bind: userId)"
            if let archived { condition = condition + " AND c.archived = \(bind: archived ? 1 : 0)" }
            if let query, !query.isEmpty {
                let pattern = Self.likePattern(query)
                condition = condition + " AND (LOWER(c.title) LIKE \(bind: pattern) ESCAPE '\\' OR EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.user_id = \(bind: userId) AND LOWER(m.content) LIKE \(bind: pattern) ESCAPE '\\'))"
            }
            let total = try await sql.raw("SELECT COUNT(*) AS n FROM conversations c WHERE \(condition)").first(decoding: Count.self)?.n ?? 0
            let rows = try await sql.raw("""
                SELECT \(unsafeRaw: Self.conversationColumns.split(separator: ",").map { "c." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")) \
                FROM conversations c WHERE \(condition) \
                ORDER BY CASE WHEN c.pinned_at IS NULL THEN 1 ELSE 0 END, c.updated_at DESC, c.id DESC \
                LIMIT \(bind: limit) OFFSET \(bind: offset)
                """).all(decoding: Conversation.self, keyDecodingStrategy: .convertFromSnakeCase)
            return (rows, total)
        }
    }

    /// The first message of a conversation (oldest first) whose text contains `query`, case-insensitively.
    func firstMessage(matching query: String, conversationId: String, userId: Int) async throws -> (id: String, content: String)? {
        struct Row: Decodable { let id, content: String }
        return try await db.withSQL { sql in
            try await sql.raw("""
                SELECT id, content FROM messages WHERE conversation_id = \(bind: conversationId) AND user_id = \(bind: userId) \
                AND LOWER(content) LIKE \(bind: Self.likePattern(query)) ESCAPE '\\' ORDER BY created_at, id LIMIT 1
                """).first(decoding: Row.self).map { ($0.id, $0.content) }
        }
    }

    func update(_ conversation: Conversation) async throws {
        try await db.withSQL { sql in
            try await sql.update("conversations")
                .set("title", to: SQLBind(conversation.title))
                .set("model", to: SQLBind(conversation.model))
                .set("account_id", to: SQLBind(conversation.accountId))
                .set("current_leaf_id", to: SQLBind(conversation.currentLeafId))
                .set("archived", to: SQLBind(conversation.archived))
                .set("pinned_at", to: SQLBind(conversation.pinnedAt))
                .set("updated_at", to: SQLBind(conversation.updatedAt))
                .where("id", .equal, SQLBind(conversation.id))
                .where("user_id", .equal, SQLBind(conversation.userId))
                .run()
        }
    }

    func delete(id: String, userId: Int) async throws {
        try await db.transaction { sql in
            try await sql.raw("DELETE FROM messages WHERE conversation_id = \(bind: id) AND user_id = \(bind: userId)").run()
            try await sql.raw("DELETE FROM conversations WHERE id = \(bind: id) AND user_id = \(bind: userId)").run()
        }
    }

    func messages(conversationId: String, userId: Int) async throws -> [Message] {
        try await db.withSQL { sql in
            try await sql.raw("""
                SELECT \(unsafeRaw: Self.messageColumns) FROM messages \
                WHERE conversation_id = \(bind: conversationId) AND user_id = \(bind: userId) ORDER BY created_at, id
                """).all(decoding: Message.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
    }

    /// Saves the user message and the assistant placeholder of a turn in one transaction, and moves the leaf.
    func beginTurn(conversation: Conversation, userMessage: Message?, assistant: Message) async throws {
        try await db.transaction { sql in
            if let userMessage { try await insert(userMessage, sql) }
            try await insert(assistant, sql)
            try await sql.update("conversations")
                .set("title", to: SQLBind(conversation.title))
                .set("model", to: SQLBind(conversation.model))
                .set("current_leaf_id", to: SQLBind(assistant.id))
                .set("updated_at", to: SQLBind(assistant.createdAt))
                .where("id", .equal, SQLBind(conversation.id))
                .run()
        }
    }

    private func insert(_ message: Message, _ sql: any SQLDatabase) async throws {
        try await sql.insert(into: "messages")
            .columns("id", "conversation_id", "user_id", "parent_id", "role", "content", "model", "status", "account_id",
                     "created_at", "updated_at", "instance_id")
            .values(SQLBind(message.id), SQLBind(message.conversationId), SQLBind(message.userId), SQLBind(message.parentId),
                    SQLBind(message.role), SQLBind(message.content), SQLBind(message.model), SQLBind(message.status),
                    SQLBind(message.accountId), SQLBind(message.createdAt), SQLBind(message.updatedAt),
                    SQLBind(message.status == MessageStatus.streaming.rawValue ? instanceId : nil))
            .run()
    }

    /// Writes the partial text of an answer in progress; true when a stop was asked for it (on any instance).
    func flush(messageId: String, content: String, reasoning: String) async throws -> Bool {
        struct Row: Decodable { let stopRequestedAt: Int? }
        return try await db.withSQL { sql in
            try await sql.raw("""
                UPDATE messages SET content = \(bind: content), reasoning = \(bind: reasoning.isEmpty ? nil : reasoning), \
                updated_at = \(bind: clock.nowMillis()) \
                WHERE id = \(bind: messageId) RETURNING stop_requested_at
                """).first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)?.stopRequestedAt != nil
        }
    }

    /// One message of a user, by id.
    func message(id: String, userId: Int) async throws -> Message? {
        try await db.withSQL { sql in
            try await sql.raw("SELECT \(unsafeRaw: Self.messageColumns) FROM messages WHERE id = \(bind: id) AND user_id = \(bind: userId)")
                .first(decoding: Message.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
    }

    /// The answer of a conversation that some instance is generating now, if any: a streaming row whose instance
    /// is alive (its heartbeat within `OpenCalls.deadAfterMillis`). The one place that decides "live elsewhere".
    func liveAnswer(conversationId: String, userId: Int) async throws -> Message? {
        try await db.withSQL { sql in
            try await sql.raw("""
                SELECT \(unsafeRaw: Self.messageColumns) FROM messages WHERE conversation_id = \(bind: conversationId) \
                AND user_id = \(bind: userId) AND status = 'streaming' \
                AND instance_id IN (SELECT id FROM instances WHERE heartbeat_at > \(bind: clock.nowMillis() - OpenCalls.deadAfterMillis)) \
                ORDER BY created_at DESC LIMIT 1
                """).first(decoding: Message.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
    }

    /// Asks whichever instance generates an answer to stop it; it sees this at its next flush or heartbeat.
    func requestStop(messageId: String, userId: Int) async throws {
        try await db.withSQL { sql in
            try await sql.raw("""
                UPDATE messages SET stop_requested_at = \(bind: clock.nowMillis()) \
                WHERE id = \(bind: messageId) AND user_id = \(bind: userId) AND status = 'streaming'
                """).run()
        }
    }

    /// Writes the final state of an answer, and pins the conversation to the account that served it.
    func finish(_ message: Message, conversationId: String) async throws {
        try await db.transaction { sql in
            try await sql.update("messages")
                .set("content", to: SQLBind(message.content))
                .set("reasoning", to: SQLBind(message.reasoning))
                .set("status", to: SQLBind(message.status))
                .set("finish_reason", to: SQLBind(message.finishReason))
                .set("error_code", to: SQLBind(message.errorCode))
                .set("error_message", to: SQLBind(message.errorMessage))
                .set("prompt_tokens", to: SQLBind(message.promptTokens))
                .set("completion_tokens", to: SQLBind(message.completionTokens))
                .set("account_id", to: SQLBind(message.accountId))
                .set("model", to: SQLBind(message.model))
                .set("updated_at", to: SQLBind(clock.nowMillis()))
                .where("id", .equal, SQLBind(message.id))
                .run()
            if let accountId = message.accountId {
                try await sql.raw("UPDATE conversations SET account_id = \(bind: accountId), updated_at = \(bind: clock.nowMillis()) WHERE id = \(bind: conversationId)").run()
            }
        }
    }

    /// Answers left "streaming" by an instance that is gone (no heartbeat for `OpenCalls.deadAfterMillis`) are
    /// kept as incomplete (`interrupted`).
    func markInterruptedAnswers() async throws {
        let now = clock.nowMillis()
        try await db.withSQL { sql in
            try await sql.raw("""
                UPDATE messages SET status = 'incomplete', finish_reason = 'interrupted', updated_at = \(bind: now) \
                WHERE status = 'streaming' AND (instance_id IS NULL OR (instance_id <> \(bind: instanceId) AND instance_id NOT IN \
                (SELECT id FROM instances WHERE heartbeat_at > \(bind: now - OpenCalls.deadAfterMillis))))
                """).run()
        }
    }

    /// Marks answers in progress on this instance as alive; returns those of them whose stop was asked for.
    func touchStreaming(_ ids: [String]) async throws -> [String] {
        guard !ids.isEmpty else { return [] }
        let now = clock.nowMillis()
        return try await db.withSQL { sql in
            let list = ids.map { id -> SQLQueryString in "\(bind: id)" }.joined(separator: ", ")
            return try await sql.raw("""
                UPDATE messages SET updated_at = \(bind: now) WHERE status = 'streaming' AND id IN (\(list)) \
                RETURNING id, stop_requested_at
                """).all(decoding: StopRow.self, keyDecodingStrategy: .convertFromSnakeCase)
                .filter { $0.stopRequestedAt != nil }.map(\.id)
        }
    }

    private struct StopRow: Decodable {
        let id: String
        let stopRequestedAt: Int?
    }

    /// A LIKE pattern for "contains `query`", compared with a `LOWER(...)` column.
    static func likePattern(_ query: String) -> String {
        "%" + escapeLike(query.lowercased()) + "%"
    }

    static func escapeLike(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
    }
}
