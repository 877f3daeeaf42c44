import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `/v1`: OpenAI-compatible models and chat completions for users' own clients, through the same engine, pool,
/// plans and ledger as the web app. Upstream chunks are relayed with their fields intact.
struct OpenAIController {
    let pool: AccountPool
    let engine: UpstreamCallEngine
    let clock: any AppClock
    let config: AppConfig
    let gate: ShutdownGate

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("models", use: listModels)
        group.post("chat/completions", use: chatCompletions)
    }

    @Sendable func listModels(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let data = try await pool.models(for: user).map { model -> JSONValue in
            .object(["id": .string(model), "object": .string("model"), "created": .int(0), "owned_by": .string("chat-mirror")])
        }
        return AppError.jsonResponse(status: .ok, headers: [:], body: .object(["object": .string("list"), "data": .array(data)]))
    }

    @Sendable func chatCompletions(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let body = try await request.decodeJSON(JSONValue.self, limit: max(config.maxBodyBytes, 8 << 20))
        let chat = try OpenAIChatRequest(body, maxContentChars: config.maxContentChars)
        let admission = try await Self.admit(pool: pool, engine: engine, user: user, model: chat.model, context: context,
                                             promptEstimate: chat.promptEstimate)
        let upstreamRequest = UpstreamChatRequest(
            model: chat.model, messages: chat.messages, fields: chat.fields,
            endUser: config.upstreamSendUserId ? engine.sealer.opaqueUserId(user.id) : nil)
        let call: ActiveCall
        do {
            call = try await engine.start(admission, request: upstreamRequest)
        } catch let refused as CallRefused {
            throw refused.appError
        }
        let completion = ChatCompletionEncoder(id: Self.completionId(), created: clock.nowMillis() / 1000, model: chat.model,
                                               includeUsage: chat.includeUsage)
        if chat.stream { return streamResponse(call: call, encoder: completion) }
        return try await completeResponse(call: call, encoder: completion, stop: StopReason.first(of: [gate.stopAtGraceEnd, context.clientLeft]))
    }

    /// Admission of a `/v1` call: a 404 naming the model unless the user may use it, then the engine's admission
    /// (no account: 503; all cooling: 503 with `Retry-After`; a quota: 429).
    static func admit(pool: AccountPool, engine: UpstreamCallEngine, user: User, model: String, context: AppRequestContext,
                      promptEstimate: Int) async throws -> Admission {
        guard try await pool.models(for: user).contains(model) else {
            throw AppError(.notFound, "model_not_found", "The model '\(model)' does not exist or you do not have access to it").param("model")
        }
        return try await engine.admit(CallContext(user: user, model: model, source: "api", conversationId: nil,
                                                  apiKeyId: context.identity?.apiKeyId, promptEstimate: promptEstimate), pinned: nil)
    }

    static func completionId() -> String { "chatcmpl-" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased() }

    private var maxDuration: Duration { .seconds(config.maxGenerationSeconds) }

    private func streamResponse(call: ActiveCall, encoder: ChatCompletionEncoder) -> Response {
        let maxDuration = self.maxDuration
        let stop = gate.stopAtGraceEnd
        return Response(status: .ok, headers: SSEEncoder.headers, body: .init { writer in
            var encoder = encoder
            let ending = await call.drain(maxDuration: maxDuration, stop: stop) { chunk in
                guard let frame = encoder.frame(chunk) else { return }
                do { try await writer.write(frame) } catch { throw DownstreamClosed() }
            }
            let outcome = await call.finish(ending)
            for frame in encoder.closingFrames(ending: ending, answer: call.answer, outcome: outcome) {
                try? await writer.write(frame)
            }
            try? await writer.finish(nil)
        })
    }

    private func completeResponse(call: ActiveCall, encoder: ChatCompletionEncoder,
                                  stop: @escaping @Sendable () async -> StopReason) async throws -> Response {
        let ending = await call.drain(maxDuration: maxDuration, stop: stop) { _ in }
        let outcome = await call.finish(ending)
        switch ending {
        case .completed:
            return AppError.jsonResponse(status: .ok, headers: [:], body: encoder.completion(call.answer, outcome: outcome))
        case .failed(let failure):
            throw failure.appError
        case .stopped(let reason):
            throw reason.clientError ?? CancellationError()
        case .refused:
            throw CancellationError()
        }
    }
}
