import Foundation
import NIOCore

/// Writes what `/v1/chat/completions` answers: upstream chunks with their fields intact, rewriting only what
/// ChatMirror owns (`id`, `object`, `created`, `model`, and `usage`, which goes only to clients that asked), and the
/// non-streamed `chat.completion` an answer adds up to.
struct ChatCompletionEncoder: Sendable {
    let id: String
    let created: Int
    let model: String
    let includeUsage: Bool
    private var sentUsage = false
    private var sentFinish = false

    init(id: String, created: Int, model: String, includeUsage: Bool) {
        self.id = id
        self.created = created
        self.model = model
        self.includeUsage = includeUsage
    }

    /// The SSE frame for one upstream chunk; nil when nothing of it is for this client (a usage chunk it did not
    /// ask for).
    mutating func frame(_ chunk: UpstreamChunk) -> ByteBuffer? {
        var json = chunk.json
        if chunk.choices.contains(where: { $0.finishReason != nil }) { sentFinish = true }
        if includeUsage {
            if case .object(let usage)? = json["usage"] {
                json["usage"] = .object(UsageReport(usage).raw)
                sentUsage = true
            }
        } else if json.removeValue(forKey: "usage") != nil, chunk.choices.isEmpty {
            return nil
        }
        return Self.data(rewritten(json))
    }

    /// What follows the last upstream chunk: a finish chunk if the upstream sent none, the usage chunk for a client
    /// that asked (estimated when the upstream reported none), an error chunk after a failure or the time limit,
    /// and `[DONE]`. Nothing after the client went away.
    func closingFrames(ending: CallEnding, answer: AnswerAccumulator, outcome: CallOutcome) -> [ByteBuffer] {
        var frames: [ByteBuffer] = []
        switch ending {
        case .completed:
            if !sentFinish {
                frames.append(Self.data(rewritten(["choices": .array([.object([
                    "index": .int(0), "delta": .object([:]), "finish_reason": .string(outcome.finishReason), "logprobs": .null,
                ])])])))
            }
            if includeUsage, !sentUsage {
                frames.append(Self.data(rewritten(["choices": .array([]), "usage": usage(answer, outcome: outcome)])))
            }
        case .failed(let failure):
            frames.append(Self.error(failure.appError))
        case .stopped(let reason):
            guard let error = reason.clientError else { return [] }
            frames.append(Self.error(error))
        case .refused:
            return []
        }
        frames.append(ByteBuffer(string: "data: [DONE]\n\n"))
        return frames
    }

    /// The non-streamed `chat.completion`.
    func completion(_ answer: AnswerAccumulator, outcome: CallOutcome) -> JSONValue {
        var body: [String: JSONValue] = [
            "id": .string(id), "object": .string("chat.completion"), "created": .int(created), "model": .string(model),
            "choices": .array([.object([
                "index": .int(0), "message": answer.message, "finish_reason": .string(outcome.finishReason),
                "logprobs": answer.logprobs,
            ])]),
            "usage": usage(answer, outcome: outcome),
        ]
        if let fingerprint = answer.systemFingerprint { body["system_fingerprint"] = .string(fingerprint) }
        return .object(body)
    }

    /// The upstream's usage with its details, or the estimate the quota was settled with.
    private func usage(_ answer: AnswerAccumulator, outcome: CallOutcome) -> JSONValue {
        .object(answer.usage?.raw ?? UsageReport(prompt: outcome.promptTokens, completion: outcome.completionTokens).raw)
    }

    private func rewritten(_ json: [String: JSONValue]) -> [String: JSONValue] {
        var json = json
        json["id"] = .string(id)
        json["object"] = .string("chat.completion.chunk")
        json["created"] = .int(created)
        json["model"] = .string(model)
        return json
    }

    private static func data(_ json: [String: JSONValue]) -> ByteBuffer {
        var buffer = ByteBuffer(string: "data: ")
        buffer.writeBytes(JSONValue.object(json).encoded())
        buffer.writeString("\n\n")
        return buffer
    }

    /// An in-stream error in OpenAI's shape.
    static func error(_ error: AppError) -> ByteBuffer {
        data(["error": .object(["message": .string(error.message), "type": .string("api_error"), "param": .null,
                                "code": .string(error.code)])])
    }
}
