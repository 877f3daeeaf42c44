import Foundation
import Hummingbird
import NIOCore

/// `POST /v1/responses` (OpenAI's Responses API), streamed and not, on personal keys with the same plans, pool
/// and ledger as chat: passed through to accounts with the `responses` capability (events relayed as they are),
/// translated to chat completions for the rest (text, images, function tools; built-in tools need the former).
struct ResponsesController {
    let pool: AccountPool
    let engine: UpstreamCallEngine
    let clock: any AppClock
    let config: AppConfig
    let gate: ShutdownGate

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("responses", use: createResponse)
    }

    @Sendable func createResponse(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let body = try await request.decodeJSON(JSONValue.self, limit: max(config.maxBodyBytes, 8 << 20))
        let parsed = try ResponsesRequest(body)
        let admission = try await OpenAIController.admit(pool: pool, engine: engine, user: user, model: parsed.model, context: context,
                                                         promptEstimate: parsed.promptEstimate)
        let upstream = UpstreamChatRequest(model: parsed.model, messages: parsed.messages, fields: parsed.chatFields,
                                           endUser: config.upstreamSendUserId ? engine.sealer.opaqueUserId(user.id) : nil,
                                           responses: parsed.passthrough)
        let call: ActiveCall
        do {
            call = try await engine.failover(admission, accept: { !parsed.needsPassthrough || Self.servesResponses($0) }) { account, reservation in
                try await engine.attempt(account, request: upstream, admission: admission, reservation: reservation)
            }
        } catch let refused as CallRefused {
            if parsed.needsPassthrough, refused.accountId == nil {
                throw AppError.invalid("built-in tools and previous_response_id need an upstream account that serves the Responses API, and none serves '\(parsed.model)' for you")
            }
            throw refused.appError
        }
        let encoder = ResponsesEncoder(id: ResponsesEncoder.responseId(), createdAt: clock.nowMillis() / 1000, model: parsed.model,
                                       echoed: parsed.echoed)
        let passthrough = Self.servesResponses(call.account)
        if parsed.stream { return stream(call: call, encoder: encoder, passthrough: passthrough) }
        return try await complete(call: call, encoder: encoder, passthrough: passthrough,
                                  stop: StopReason.first(of: [gate.stopAtGraceEnd, context.clientLeft]))
    }

    static func servesResponses(_ account: UpstreamAccount) -> Bool {
        account.provider == UpstreamProvider.openai.rawValue && account.options.has(.responses)
    }

    private func stream(call: ActiveCall, encoder: ResponsesEncoder, passthrough: Bool) -> Response {
        let maxDuration = Duration.seconds(config.maxGenerationSeconds)
        let stop = gate.stopAtGraceEnd
        return Response(status: .ok, headers: SSEEncoder.headers, body: .init { writer in
            var encoder = encoder
            if !passthrough {
                for frame in encoder.opening() { try await writer.write(frame) }
            }
            let ending = await call.drain(maxDuration: maxDuration, stop: stop) { chunk in
                let frames = passthrough
                    ? [ResponsesEncoder.frame(type: chunk.json["type"]?.stringValue ?? "message", json: chunk.json)]
                    : encoder.events(for: chunk, answer: call.answer)
                do { for frame in frames { try await writer.write(frame) } } catch { throw DownstreamClosed() }
            }
            let outcome = await call.finish(ending)
            if !passthrough {
                for frame in encoder.closing(ending: ending, answer: call.answer, outcome: outcome) { try? await writer.write(frame) }
            } else if let error = ending.clientError {
                try? await writer.write(ResponsesEncoder.frame(type: "error", json: [
                    "type": .string("error"), "code": .string(error.code), "message": .string(error.message),
                ]))
            }
            try? await writer.finish(nil)
        })
    }

    private func complete(call: ActiveCall, encoder: ResponsesEncoder, passthrough: Bool,
                          stop: @escaping @Sendable () async -> StopReason) async throws -> Response {
        var final: JSONValue?
        let ending = await call.drain(maxDuration: .seconds(config.maxGenerationSeconds), stop: stop) { chunk in
            if let type = chunk.json["type"]?.stringValue, type == "response.completed" || type == "response.incomplete" {
                final = chunk.json["response"]
            }
        }
        let outcome = await call.finish(ending)
        switch ending {
        case .completed:
            let body = passthrough ? final ?? encoder.response(call.answer, outcome: outcome) : encoder.response(call.answer, outcome: outcome)
            return AppError.jsonResponse(status: .ok, headers: [:], body: body)
        case .failed(let failure):
            throw failure.appError
        case .stopped(let reason):
            throw reason.clientError ?? CancellationError()
        case .refused:
            throw CancellationError()
        }
    }
}
