import Foundation
import Hummingbird
import HTTPTypes
import ServiceLifecycle

/// Follows an answer that another instance is generating, through the store: the text that instance flushes
/// arrives as `reasoning` and `delta` events, its end as `done` or `error`, the same events a local answer sends.
struct StoreFollower: Sendable {
    let conversations: ConversationRepository
    let userId: Int
    /// How often the store is read (about half the writer's flush interval).
    let poll: Duration
    let heartbeat: Duration
    /// Longest a follow may last: the writer's own limit, plus a margin.
    let deadline: Duration

    init(conversations: ConversationRepository, userId: Int, config: AppConfig) {
        self.conversations = conversations
        self.userId = userId
        poll = Self.pollInterval(config)
        heartbeat = .milliseconds(Int(config.heartbeatSeconds * 1000))
        deadline = .seconds(config.maxGenerationSeconds + 60)
    }

    /// How often to read an answer another instance writes: about half its flush interval, 0.1-1 s.
    static func pollInterval(_ config: AppConfig) -> Duration {
        .milliseconds(Int(max(100, min(1000, config.flushIntervalSeconds * 500))))
    }

    /// The SSE response for `answer`, a streaming assistant message.
    func response(for answer: Message) -> Response {
        return Response(status: .ok, headers: SSEEncoder.headers, body: .init { writer in
            try await writer.write(SSEEncoder.event("meta", json: JSONValue.object([
                "conversation_id": .string(answer.conversationId), "user_message_id": .string(answer.parentId ?? ""),
                "assistant_message_id": .string(answer.id), "model": .string(answer.model ?? ""),
            ]).encoded()))
            var sent = ""
            var sentReasoning = ""
            let clock = ContinuousClock()
            let start = clock.now
            var lastWrite = start
            while clock.now - start < deadline, !Task.isCancelled, !Task.isShuttingDownGracefully {
                guard let current = try await conversations.message(id: answer.id, userId: userId) else { break }
                let reasoning = current.reasoning ?? ""
                if reasoning.count > sentReasoning.count, reasoning.hasPrefix(sentReasoning) {
                    try await writer.write(SSEEncoder.reasoning(String(reasoning.dropFirst(sentReasoning.count))))
                    sentReasoning = reasoning
                    lastWrite = clock.now
                }
                if current.content.count > sent.count, current.content.hasPrefix(sent) {
                    try await writer.write(SSEEncoder.delta(String(current.content.dropFirst(sent.count))))
                    sent = current.content
                    lastWrite = clock.now
                }
                if let end = Self.endEvent(of: current) {
                    try await writer.write(SSEEncoder.encode(end))
                    break
                }
                if clock.now - lastWrite >= heartbeat {
                    try await writer.write(SSEEncoder.encode(.heartbeat))
                    lastWrite = clock.now
                }
                try await Task.sleep(for: poll)
            }
            try await writer.finish(nil)
        })
    }

    /// The closing event of a message that is no longer streaming (as TurnRunner sent it); nil while it streams.
    static func endEvent(of message: Message) -> GenerationEvent? {
        guard message.status != MessageStatus.streaming.rawValue else { return nil }
        if message.status == MessageStatus.error.rawValue || message.errorCode != nil {
            return .failed(code: message.errorCode ?? "upstream_error", message: message.errorMessage ?? "the answer failed",
                           status: message.status)
        }
        return .done(status: message.status, finishReason: message.finishReason ?? "stop",
                     promptTokens: message.promptTokens ?? 0, completionTokens: message.completionTokens ?? 0)
    }
}
