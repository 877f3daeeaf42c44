import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `/v1`: OpenAI-compatible models and chat completions for users' own clients, through the same pool and ledger.
struct OpenAIController {
    let pool: AccountPool
    let caller: UpstreamCaller
    let ledger: UsageLedger
    let clock: any AppClock
    let config: AppConfig

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
        let available = try await pool.models(for: user)
        guard available.contains(chat.model) else {
            throw AppError(.notFound, "model_not_found", "The model '\(chat.model)' does not exist or you do not have access to it").param("model")
        }
        let candidates: [UpstreamAccount]
        switch try await pool.candidates(for: user, model: chat.model, pinned: nil) {
        case .success(let list): candidates = list
        case .failure(.noAccountForModel):
            throw AppError(.serviceUnavailable, "no_upstream", "no upstream account serves '\(chat.model)' for you")
        case .failure(.allUnavailable):
            throw AppError(.serviceUnavailable, "upstream_unavailable", "every upstream account for '\(chat.model)' is busy or cooling down")
        }
        let upstreamRequest = UpstreamChatRequest(model: chat.model, messages: chat.messages, extraFields: chat.extraFields,
                                                  rawMessages: chat.rawMessages,
                                                  endUser: config.upstreamSendUserId ? caller.sealer.opaqueUserId(user.id) : nil)
        let started = clock.nowMillis()
        let opened: UpstreamCaller.Opened
        do {
            opened = try await caller.open(candidates: candidates, request: upstreamRequest, user: user)
        } catch let exceeded as QuotaExceeded {
            try? await ledger.record(usage(user, context, chat, started: started, account: nil, prompt: 0, completion: 0, ttft: nil, outcome: "quota"))
            throw exceeded.appError(now: clock.nowMillis())
        } catch let failure as UpstreamFailure {
            try? await ledger.record(usage(user, context, chat, started: started, account: nil, prompt: 0, completion: 0, ttft: nil, outcome: "upstream_error"))
            throw failure.appError
        }
        let recorder = CompletionRecorder(controller: self, user: user, apiKeyId: context.identity?.apiKeyId, chat: chat,
                                          started: started, opened: opened)
        if chat.stream { return streamResponse(chat: chat, recorder: recorder) }
        return try await completeResponse(chat: chat, recorder: recorder)
    }

    private func streamResponse(chat: OpenAIChatRequest, recorder: CompletionRecorder) -> Response {
        let id = "chatcmpl-" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let chunks = OpenAIChunks(id: id, created: clock.nowMillis() / 1000, model: chat.model)
        return Response(status: .ok, headers: SSEEncoder.headers, body: .init { writer in
            var state = CompletionState()
            do {
                try await writer.write(chunks.roleChunk())
                try await recorder.opened.adapter.consume(recorder.opened.stream) { event in
                    state.apply(event, clock: clock)
                    if case .delta(let text) = event {
                        do { try await writer.write(chunks.contentChunk(text)) } catch { throw DownstreamClosed() }
                    }
                }
                try await writer.write(chunks.finishChunk(state.finishReason))
                if chat.includeUsage {
                    let usage = state.usage(chat: chat)
                    try await writer.write(chunks.usageChunk(prompt: usage.prompt, completion: usage.completion))
                }
                try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
                try await writer.finish(nil)
                await recorder.finish(state: state, failure: nil, outcome: "ok")
            } catch let failure as UpstreamFailure {
                let error = failure.appError
                try? await writer.write(chunks.errorChunk(code: error.code, message: error.message))
                try? await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
                try? await writer.finish(nil)
                await recorder.finish(state: state, failure: failure, outcome: "upstream_error")
            } catch {
                await recorder.finish(state: state, failure: nil, outcome: "cancelled")
                throw error
            }
        })
    }

    private func completeResponse(chat: OpenAIChatRequest, recorder: CompletionRecorder) async throws -> Response {
        var state = CompletionState()
        var text = ""
        do {
            try await recorder.opened.adapter.consume(recorder.opened.stream) { event in
                state.apply(event, clock: clock)
                if case .delta(let piece) = event { text += piece }
            }
        } catch let failure as UpstreamFailure {
            await recorder.finish(state: state, failure: failure, outcome: "upstream_error")
            throw failure.appError
        }
        await recorder.finish(state: state, failure: nil, outcome: "ok")
        let usage = state.usage(chat: chat)
        let id = "chatcmpl-" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        return AppError.jsonResponse(status: .ok, headers: [:], body: .object([
            "id": .string(id), "object": .string("chat.completion"), "created": .int(clock.nowMillis() / 1000), "model": .string(chat.model),
            "choices": .array([.object([
                "index": .int(0), "message": .object(["role": .string("assistant"), "content": .string(text)]),
                "finish_reason": .string(state.finishReason), "logprobs": .null,
            ])]),
            "usage": .object(["prompt_tokens": .int(usage.prompt), "completion_tokens": .int(usage.completion),
                              "total_tokens": .int(usage.prompt + usage.completion)]),
        ]))
    }

    func usage(_ user: User, _ context: AppRequestContext?, _ chat: OpenAIChatRequest, started: Int, account: Int?, prompt: Int,
               completion: Int, ttft: Int?, outcome: String, apiKeyId: Int? = nil) -> UsageEvent {
        UsageEvent(userId: user.id, accountId: account, conversationId: nil, apiKeyId: apiKeyId ?? context?.identity?.apiKeyId,
                   model: chat.model, startedAt: started, ttftMs: ttft.map { $0 - started }, durationMs: clock.nowMillis() - started,
                   promptTokens: prompt, completionTokens: completion, outcome: outcome, source: "api")
    }
}

/// What one completion produced so far.
struct CompletionState: Sendable {
    var text = ""
    var finishReason = "stop"
    var reported: (prompt: Int, completion: Int)?
    var firstTokenAt: Int?

    mutating func apply(_ event: UpstreamEvent, clock: any AppClock) {
        switch event {
        case .delta(let piece):
            if firstTokenAt == nil { firstTokenAt = clock.nowMillis() }
            text += piece
        case .usage(let prompt, let completion): reported = (prompt, completion)
        case .finish(let reason): finishReason = reason
        }
    }

    func usage(chat: OpenAIChatRequest) -> (prompt: Int, completion: Int) {
        reported ?? (TurnPlanner.estimateTokens(chat.messages), TurnPlanner.estimateTokens(text))
    }
}

/// Releases the account and writes the ledger row when a completion ends.
struct CompletionRecorder: Sendable {
    let controller: OpenAIController
    let user: User
    let apiKeyId: Int?
    let chat: OpenAIChatRequest
    let started: Int
    let opened: UpstreamCaller.Opened

    func finish(state: CompletionState, failure: UpstreamFailure?, outcome: String) async {
        let usage = state.usage(chat: chat)
        await controller.caller.finish(opened, failure: failure, producedText: !state.text.isEmpty, tokens: usage.prompt + usage.completion)
        try? await controller.ledger.record(controller.usage(
            user, nil, chat, started: started, account: opened.account.id, prompt: state.text.isEmpty && failure != nil ? 0 : usage.prompt,
            completion: usage.completion, ttft: state.firstTokenAt, outcome: outcome, apiKeyId: apiKeyId))
    }
}

/// OpenAI `chat.completion.chunk` frames, built by hand (the hot path).
struct OpenAIChunks: Sendable {
    let prefix: String

    init(id: String, created: Int, model: String) {
        prefix = #"data: {"id":"\#(id)","object":"chat.completion.chunk","created":\#(created),"model":\#(JSONString.quoted(model)),"#
    }

    func roleChunk() -> ByteBuffer {
        ByteBuffer(string: prefix + #""choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}"# + "\n\n")
    }

    func contentChunk(_ text: String) -> ByteBuffer {
        ByteBuffer(string: prefix + #""choices":[{"index":0,"delta":{"content":\#(JSONString.quoted(text))},"finish_reason":null}]}"# + "\n\n")
    }

    func finishChunk(_ reason: String) -> ByteBuffer {
        ByteBuffer(string: prefix + #""choices":[{"index":0,"delta":{},"finish_reason":\#(JSONString.quoted(reason))}]}"# + "\n\n")
    }

    func usageChunk(prompt: Int, completion: Int) -> ByteBuffer {
        ByteBuffer(string: prefix + #""choices":[],"usage":{"prompt_tokens":\#(prompt),"completion_tokens":\#(completion),"total_tokens":\#(prompt + completion)}}"# + "\n\n")
    }

    func errorChunk(code: String, message: String) -> ByteBuffer {
        ByteBuffer(string: #"data: {"error":{"message":\#(JSONString.quoted(message)),"type":"api_error","param":null,"code":\#(JSONString.quoted(code))}}"# + "\n\n")
    }
}
