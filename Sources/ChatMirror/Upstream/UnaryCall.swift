import AsyncHTTPClient
import Foundation
import NIOCore

/// A one-shot upstream answer (embeddings): its JSON body and usage.
struct UnaryAnswer: Sendable {
    var body: [String: JSONValue]
    var usage: UsageReport?
}

extension UpstreamCallEngine {
    /// A call answered in one body, with a chat answer's admission, failover, recording and settlement. Throws
    /// `CallRefused` (ledger written) or `CancellationError`.
    func unary(_ admission: Admission, accept: (UpstreamAccount) -> Bool,
               perform: (UpstreamAccount, String?) async throws -> UnaryAnswer) async throws -> UnaryAnswer {
        let (account, reservation, answer) = try await failover(admission, accept: accept) { account, reservation in
            (account, reservation, try await perform(account, try unseal(account)))
        }
        pool.release(account.id)
        await pool.record(nil, on: account)
        let outcome = CallOutcome(ending: .completed, finishReason: "stop", producedOutput: true, reported: answer.usage,
                                  promptEstimate: admission.context.promptEstimate, outputEstimate: 0)
        await conclude(admission, outcome: outcome, accountId: account.id, reservation: reservation, firstEventAt: clock.nowMillis())
        return answer
    }
}

extension OpenAIAdapter {
    /// `POST /embeddings` on an OpenAI-compatible account. Throws `UpstreamFailure`.
    func embeddings(account: UpstreamAccount, apiKey: String?, body: [String: JSONValue], timeouts: UpstreamTimeouts) async throws -> UnaryAnswer {
        var request = HTTPClientRequest(url: Self.endpoint(account.baseUrl, "embeddings"))
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let apiKey, !apiKey.isEmpty { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        request.body = .bytes(ByteBuffer(bytes: JSONValue.object(body).encoded()))
        let response = try await UpstreamHTTP.execute(clients.client(for: account), request, timeouts: timeouts)
        guard response.status == .ok else { throw await UpstreamHTTP.failure(from: response) }
        let data = try await UpstreamHTTP.collect(response, limit: 256 << 20)
        guard let object = (try? JSONDecoder().decode(JSONValue.self, from: data))?.objectValue, object["data"]?.arrayValue != nil else {
            throw UpstreamFailure(kind: .badResponse, status: 200, message: "the embeddings answer was not in the expected format")
        }
        let usage = object["usage"]?.objectValue.map { UsageReport(prompt: $0["prompt_tokens"]?.clampedInt ?? 0, completion: 0) }
        return UnaryAnswer(body: object, usage: usage)
    }
}
