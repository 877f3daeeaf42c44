import Foundation
import Logging

/// One chat turn end to end: validate, save, pick an account, stream, fail over, save the answer, write the ledger.
struct ChatService: Sendable {
    let conversations: ConversationRepository
    let pool: AccountPool
    let registry: GenerationRegistry
    let engine: UpstreamCallEngine
    let clock: any AppClock
    let config: AppConfig
    let logger: Logger

    /// What the user asked for.
    enum TurnInput: Sendable {
        case newMessage(content: String, parentId: String??)
        case regenerate(userMessageId: String)
    }

    /// Validates and starts a turn; the returned answer runs on even if the caller goes away.
    func startTurn(user: User, conversationId: String, input: TurnInput, model requestedModel: String?) async throws -> (Generation, AsyncStream<GenerationEvent>) {
        guard var conversation = try await conversations.find(id: conversationId, userId: user.id) else {
            throw AppError.notFound("conversation")
        }
        let messages = try await conversations.messages(conversationId: conversation.id, userId: user.id)
        if messages.contains(where: { $0.status == MessageStatus.streaming.rawValue }),
           try await conversations.liveAnswer(conversationId: conversation.id, userId: user.id) != nil {
            // Another instance is generating in this conversation (a local answer is refused by the registry too).
            throw AppError(.conflict, "generation_in_progress", "an answer is still being generated in this conversation")
        }
        let available = try await pool.models(for: user)
        let model = requestedModel ?? conversation.model ?? available.first
        guard let model else {
            throw AppError(.serviceUnavailable, "no_upstream", "no upstream account is set up for you yet; ask your admin")
        }
        guard available.contains(model) else {
            throw AppError.invalid("field 'model': '\(model)' is not available to you (available: \(available.joined(separator: ", ")))")
        }

        let now = clock.nowMillis()
        let userMessage: Message?
        let userMessageId: String
        switch input {
        case .newMessage(let content, let parent):
            guard !content.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw AppError.invalid("field 'content' must not be empty")
            }
            guard content.count <= config.maxContentChars else {
                throw AppError.invalid("field 'content' is longer than \(config.maxContentChars) characters")
            }
            let parentId: String? = parent ?? conversation.currentLeafId ?? TurnPlanner.leaf(from: nil, in: messages)
            if let parentId {
                guard let parentMessage = messages.first(where: { $0.id == parentId }) else {
                    throw AppError.invalid("field 'parent_id': no such message in this conversation")
                }
                guard parentMessage.role == "assistant" else {
                    throw AppError.invalid("field 'parent_id' must be an assistant message (or null for the first message)")
                }
            }
            let id = UUID().uuidString.lowercased()
            userMessage = Message(id: id, conversationId: conversation.id, userId: user.id, parentId: parentId, role: "user",
                                  content: content, model: nil, status: MessageStatus.complete.rawValue, createdAt: now, updatedAt: now)
            userMessageId = id
            if messages.isEmpty, conversation.title.isEmpty || conversation.title == "New chat" {
                conversation.title = TurnPlanner.title(from: content)
            }
        case .regenerate(let id):
            guard let target = messages.first(where: { $0.id == id }), target.role == "user" else {
                throw AppError.invalid("field 'message_id' must be a user message of this conversation")
            }
            userMessage = nil
            userMessageId = id
        }
        let history = TurnPlanner.history(upTo: userMessageId, in: messages + (userMessage.map { [$0] } ?? []))

        let assistantId = UUID().uuidString.lowercased()
        let context = CallContext(user: user, model: model, source: "web", conversationId: conversation.id, messageId: assistantId,
                                  apiKeyId: nil, promptEstimate: TurnPlanner.estimateTokens(history))
        let admission = try await engine.admit(context, pinned: conversation.accountId)

        let assistant = Message(id: assistantId, conversationId: conversation.id, userId: user.id,
                                parentId: userMessageId, role: "assistant", content: "", model: model,
                                status: MessageStatus.streaming.rawValue, createdAt: now + 1, updatedAt: now + 1)
        let generation = Generation(conversationId: conversation.id, userId: user.id, userMessageId: userMessageId,
                                    assistantMessageId: assistant.id, model: model)
        do {
            try registry.reserve(generation)
        } catch {
            await engine.abandon(admission)
            throw error
        }
        do {
            conversation.model = model
            try await conversations.beginTurn(conversation: conversation, userMessage: userMessage, assistant: assistant)
        } catch {
            registry.release(generation)
            await engine.abandon(admission)
            throw error
        }
        let (_, events) = generation.subscribe()
        let runner = TurnRunner(service: self, generation: generation, assistant: assistant, history: history, admission: admission)
        registry.start(generation) { await runner.run() }
        return (generation, events)
    }
}

