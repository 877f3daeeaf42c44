import Foundation
import HTTPTypes
import Hummingbird
import ServiceLifecycle

/// The web app's conversation routes; every lookup is scoped to the signed-in user (others' ids are 404).
struct ChatController {
    let conversations: ConversationRepository
    let chat: ChatService
    let registry: GenerationRegistry
    let config: AppConfig

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("conversations", use: listConversations)
        group.post("conversations", use: createConversation)
        group.get("conversations/:id", use: getConversation)
        group.patch("conversations/:id", use: updateConversation)
        group.delete("conversations/:id", use: deleteConversation)
        group.post("conversations/:id/messages", use: sendMessage)
        group.post("conversations/:id/regenerate", use: regenerate)
        group.get("conversations/:id/stream", use: reattach)
        group.post("conversations/:id/stop", use: stop)
    }

    struct CreateBody: Decodable {
        let title: String?
        let model: String?
    }

    struct UpdateBody: Decodable {
        let title: String?
        let archived: Bool?
        let pinned: Bool?
        let currentLeafId: String?

        enum CodingKeys: String, CodingKey { case title, archived, pinned, currentLeafId }

        /// A flag given must be a boolean: `null` is refused, not taken for "unchanged".
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            title = try container.decodeIfPresent(String.self, forKey: .title)
            archived = container.contains(.archived) ? try container.decode(Bool.self, forKey: .archived) : nil
            pinned = container.contains(.pinned) ? try container.decode(Bool.self, forKey: .pinned) : nil
            currentLeafId = try container.decodeIfPresent(String.self, forKey: .currentLeafId)
        }
    }

    struct SendBody: Decodable {
        let content: String
        let model: String?
        /// `nil`: omitted (after the current leaf); `.some(nil)`: explicit null (a new root).
        let parentId: String??

        enum CodingKeys: String, CodingKey { case content, model, parentId }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            content = try container.decode(String.self, forKey: .content)
            model = try container.decodeIfPresent(String.self, forKey: .model)
            if container.contains(.parentId) {
                parentId = .some(try container.decodeNil(forKey: .parentId) ? nil : try container.decode(String.self, forKey: .parentId))
            } else {
                parentId = nil
            }
        }
    }

    struct RegenerateBody: Decodable {
        let messageId: String
        let model: String?
    }

    private func conversationId(_ context: AppRequestContext) throws -> String {
        guard let id = context.parameters.get("id"), UUID(uuidString: id) != nil else { throw AppError.notFound("conversation") }
        return id.lowercased()
    }

    /// Without `q`: the sidebar (not archived, or `archived=true` for the archived ones), pinned first. With `q`:
    /// both unless `archived` is given, each with where it matched.
    @Sendable func listConversations(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let (limit, offset) = try Paging.read(request)
        let query = request.uri.queryParameters.get("q").map { String($0.prefix(200)) }.flatMap { $0.isEmpty ? nil : $0 }
        var archived: Bool? = query == nil ? false : nil
        if let text = request.uri.queryParameters.get("archived") {
            guard let value = Bool(text) else { throw AppError.invalid("query 'archived' must be true or false") }
            archived = value
        }
        let (rows, total) = try await conversations.list(
            userId: user.id, query: query, archived: archived, limit: limit, offset: offset)
        var views: [ConversationView] = []
        for row in rows {
            let found = if let query { try await match(row, query, userId: user.id) } else { SearchMatch?.none }
            views.append(ConversationView(row, match: found))
        }
        struct Body: Encodable {
            let conversations: [ConversationView]
            let total: Int
        }
        return try JSONResponse.make(Body(conversations: views, total: total))
    }

    /// Where `query` matched a conversation the search found: its title, else its first matching message.
    private func match(_ conversation: Conversation, _ query: String, userId: Int) async throws -> SearchMatch {
        if SearchMatch.contains(conversation.title, query) { return .title(conversation.title) }
        guard let message = try await conversations.firstMessage(matching: query, conversationId: conversation.id, userId: userId)
        else { return .title(conversation.title) }
        return .message(id: message.id, content: message.content, query: query)
    }

    @Sendable func createConversation(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let body = try await request.decodeJSON(CreateBody.self, limit: config.maxBodyBytes)
        let title = body.title?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard title.count <= 200 else { throw AppError.invalid("field 'title' must be at most 200 characters") }
        if let model = body.model, model.isEmpty || model.count > 200 { throw AppError.invalid("field 'model' is not a model name") }
        let conversation = try await conversations.create(userId: user.id, title: title.isEmpty ? "New chat" : title, model: body.model)
        return try JSONResponse.make(ConversationView(conversation), status: .created)
    }

    @Sendable func getConversation(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let id = try conversationId(context)
        guard let conversation = try await conversations.find(id: id, userId: user.id) else { throw AppError.notFound("conversation") }
        let messages = try await conversations.messages(conversationId: id, userId: user.id)
        let active = registry.active(conversationId: id, userId: user.id)
        // An answer another instance is generating: its row is streaming and was touched lately.
        let elsewhere = active == nil && messages.contains(where: { $0.status == MessageStatus.streaming.rawValue })
            ? try await conversations.liveAnswer(conversationId: id, userId: user.id)
            : nil
        struct ActiveGeneration: Encodable { let assistantMessageId: String }
        struct Body: Encodable {
            let id, title: String
            let model: String?
            let archived, pinned: Bool
            let pinnedAt, createdAt, updatedAt: String?
            let messages: [MessageView]
            let currentLeafId: String?
            let activeGeneration: ActiveGeneration?
        }
        let view = ConversationView(conversation)
        var shown = messages.map(MessageView.init)
        if let active, let index = messages.firstIndex(where: { $0.id == active.assistantMessageId }) {
            var live = messages[index]
            live.content = active.text
            live.reasoning = active.reasoning.isEmpty ? nil : active.reasoning
            shown[index] = MessageView(live)
        }
        let leaf = conversation.currentLeafId.flatMap { id in messages.contains { $0.id == id } ? id : nil }
            ?? TurnPlanner.leaf(from: nil, in: messages)
        return try JSONResponse.make(Body(
            id: view.id, title: view.title, model: view.model, archived: view.archived, pinned: view.pinned,
            pinnedAt: view.pinnedAt, createdAt: view.createdAt,
            updatedAt: view.updatedAt, messages: shown, currentLeafId: leaf,
            activeGeneration: (active?.assistantMessageId ?? elsewhere?.id).map { ActiveGeneration(assistantMessageId: $0) }))
    }

    @Sendable func updateConversation(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let id = try conversationId(context)
        let body = try await request.decodeJSON(UpdateBody.self, limit: config.maxBodyBytes)
        guard var conversation = try await conversations.find(id: id, userId: user.id) else { throw AppError.notFound("conversation") }
        if let title = body.title?.trimmingCharacters(in: .whitespacesAndNewlines) {
            guard (1...200).contains(title.count) else { throw AppError.invalid("field 'title' must be 1-200 characters") }
            conversation.title = title
        }
        if let pinned = body.pinned { conversation.pinnedAt = pinned ? conversation.pinnedAt ?? conversations.clock.nowMillis() : nil }
        if let archived = body.archived {
            conversation.archived = archived ? 1 : 0
            // An archived conversation leaves the sidebar, pinned group included.
            if archived { conversation.pinnedAt = nil }
        }
        if body.pinned == true, conversation.archived != 0 {
            throw AppError.invalid("field 'pinned': an archived conversation cannot be pinned; restore it first")
        }
        if let leaf = body.currentLeafId {
            let messages = try await conversations.messages(conversationId: id, userId: user.id)
            guard messages.contains(where: { $0.id == leaf.lowercased() }) else {
                throw AppError.invalid("field 'current_leaf_id': no such message in this conversation")
            }
            conversation.currentLeafId = leaf.lowercased()
        }
        try await conversations.update(conversation)
        return try JSONResponse.make(ConversationView(conversation))
    }

    @Sendable func deleteConversation(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let id = try conversationId(context)
        guard try await conversations.find(id: id, userId: user.id) != nil else { throw AppError.notFound("conversation") }
        registry.active(conversationId: id, userId: user.id)?.requestStop(.deleted)
        try await conversations.delete(id: id, userId: user.id)
        return JSONResponse.noContent()
    }

    @Sendable func sendMessage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let id = try conversationId(context)
        let body = try await request.decodeJSON(SendBody.self, limit: config.maxBodyBytes)
        let parent: String?? = body.parentId.map { $0?.lowercased() }
        let (generation, events) = try await chat.startTurn(
            user: user, conversationId: id, input: .newMessage(content: body.content, parentId: parent), model: try Self.model(body.model))
        return eventStream(generation: generation, snapshot: nil, events: events)
    }

    @Sendable func regenerate(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let id = try conversationId(context)
        let body = try await request.decodeJSON(RegenerateBody.self, limit: config.maxBodyBytes)
        let (generation, events) = try await chat.startTurn(
            user: user, conversationId: id, input: .regenerate(userMessageId: body.messageId.lowercased()), model: try Self.model(body.model))
        return eventStream(generation: generation, snapshot: nil, events: events)
    }

    @Sendable func reattach(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let id = try conversationId(context)
        guard try await conversations.find(id: id, userId: user.id) != nil else { throw AppError.notFound("conversation") }
        guard let generation = registry.active(conversationId: id, userId: user.id) else {
            // Not generated here: maybe on another instance, followed through the store.
            guard let answer = try await conversations.liveAnswer(conversationId: id, userId: user.id) else {
                return Response(status: .noContent)
            }
            return StoreFollower(conversations: conversations, userId: user.id, config: config).response(for: answer)
        }
        let (snapshot, events) = generation.subscribe()
        return eventStream(generation: generation, snapshot: snapshot, events: events)
    }

    @Sendable func stop(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let id = try conversationId(context)
        guard try await conversations.find(id: id, userId: user.id) != nil else { throw AppError.notFound("conversation") }
        struct Body: Encodable {
            let stopped: Bool
            let assistantMessageId: String
        }
        guard let generation = registry.active(conversationId: id, userId: user.id) else {
            // Generated on another instance: ask it through the store, and wait until it has saved the answer.
            guard let answer = try await conversations.liveAnswer(conversationId: id, userId: user.id) else {
                return try JSONResponse.make(["stopped": false])
            }
            try await conversations.requestStop(messageId: answer.id, userId: user.id)
            let deadline = ContinuousClock.now + .seconds(config.heartbeatSeconds + 10)
            while ContinuousClock.now < deadline {
                if let current = try await conversations.message(id: answer.id, userId: user.id), StoreFollower.endEvent(of: current) == nil {
                    try await Task.sleep(for: StoreFollower.pollInterval(config))
                } else {
                    return try JSONResponse.make(Body(stopped: true, assistantMessageId: answer.id))
                }
            }
            throw AppError(.gatewayTimeout, "stop_pending", "the stop was asked for; the answer ends as soon as its server sees it")
        }
        let (_, events) = generation.subscribe()
        generation.requestStop(.cancelled)
        for await _ in events {}
        return try JSONResponse.make(Body(stopped: true, assistantMessageId: generation.assistantMessageId))
    }

    private static func model(_ model: String?) throws -> String? {
        guard let model else { return nil }
        guard !model.isEmpty, model.count <= 200 else { throw AppError.invalid("field 'model' is not a model name") }
        return model
    }

    /// The SSE response: `meta`, the thinking and text so far (re-attach), then live events until `done`/`error`.
    /// A shutdown does not cut it: the answer gets the grace period, and the stream ends with its final event.
    private func eventStream(generation: Generation, snapshot: (text: String, reasoning: String)?,
                             events: AsyncStream<GenerationEvent>) -> Response {
        let registry = self.registry
        return Response(status: .ok, headers: SSEEncoder.headers, body: .init { writer in
            try await writer.write(SSEEncoder.meta(generation))
            if let reasoning = snapshot?.reasoning, !reasoning.isEmpty { try await writer.write(SSEEncoder.reasoning(reasoning)) }
            if let text = snapshot?.text, !text.isEmpty { try await writer.write(SSEEncoder.delta(text)) }
            try await withGracefulShutdownHandler {
                for await event in events {
                    try await writer.write(SSEEncoder.encode(event))
                }
            } onGracefulShutdown: {
                // When the server is stopped without the gate going first (in-process), the answers still end.
                registry.beginShutdown()
            }
            try await writer.finish(nil)
        })
    }
}

/// `limit` and `offset` query parameters.
enum Paging {
    static func read(_ request: Request, defaultLimit: Int = 50) throws -> (Int, Int) {
        let query = request.uri.queryParameters
        var limit = defaultLimit
        var offset = 0
        if let text = query.get("limit") {
            guard let value = Int(text), (1...200).contains(value) else { throw AppError.invalid("query 'limit' must be 1-200") }
            limit = value
        }
        if let text = query.get("offset") {
            guard let value = Int(text), value >= 0 else { throw AppError.invalid("query 'offset' must be 0 or more") }
            offset = value
        }
        return (limit, offset)
    }
}
