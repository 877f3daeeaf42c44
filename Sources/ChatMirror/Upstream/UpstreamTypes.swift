import AsyncHTTPClient
import Foundation

/// One message of a chat sent upstream.
public struct ChatMessage: Sendable, Equatable {
    public var role: String
    public var content: String
    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// What a turn asks of an upstream, in OpenAI's chat vocabulary (each adapter translates it for its upstream).
struct UpstreamChatRequest: Sendable {
    var model: String
    /// OpenAI-shaped messages: string or part contents, assistant `tool_calls`, `tool` results.
    var messages: [JSONValue]
    /// The client's other request fields (tools, temperature, max_tokens, ...); each adapter forwards what its
    /// upstream takes (`OpenAIRequestFields`).
    var fields: [String: JSONValue] = [:]
    /// The opaque per-user id sent upstream when `upstream.send_user_id` is on (`KeySealer.opaqueUserId`).
    var endUser: String?
    /// A `/v1/responses` request as sent, for accounts that serve the Responses API themselves (the messages and
    /// fields above are its translation, for the others).
    var responses: [String: JSONValue]?

    init(model: String, messages: [JSONValue], fields: [String: JSONValue] = [:], endUser: String? = nil,
         responses: [String: JSONValue]? = nil) {
        self.model = model
        self.messages = messages
        self.fields = fields
        self.endUser = endUser
        self.responses = responses
    }

    /// A web turn: plain text messages.
    init(model: String, history: [ChatMessage], endUser: String?) {
        self.init(model: model, messages: history.map { .object(["role": .string($0.role), "content": .string($0.content)]) },
                  endUser: endUser)
    }
}

/// Why an upstream call failed, typed so the pool can react to each kind.
enum UpstreamFailureKind: String, Sendable {
    case authentication      // 401/403: the credential is bad
    case rateLimited         // 429
    case modelNotFound       // 404 / model_not_found
    case badRequest          // 400: our request (the client's input) was refused
    case server              // 5xx
    case connect             // could not connect
    case timeout             // no answer in time
    case badResponse         // unreadable stream
    case brokenStream        // connection ended mid-answer
}

/// A failed upstream call.
struct UpstreamFailure: Error, Sendable, Equatable, CustomStringConvertible {
    let kind: UpstreamFailureKind
    let status: Int?
    let message: String
    var retryAfterSeconds: Int?

    var description: String { "\(kind.rawValue)\(status.map { " \($0)" } ?? ""): \(message)" }

    /// Whether another account could succeed where this one failed.
    var isRetryableElsewhere: Bool {
        switch kind {
        case .authentication, .rateLimited, .modelNotFound, .server, .connect, .timeout, .badResponse: true
        case .badRequest, .brokenStream: false
        }
    }

    /// Whether the failure may pass by itself (the account stays in the pool), as opposed to one that takes the
    /// account or the model out of the pool at once.
    var isTransient: Bool {
        switch kind {
        case .server, .connect, .timeout, .badResponse, .brokenStream: true
        case .authentication, .rateLimited, .modelNotFound, .badRequest: false
        }
    }

    /// How the failure is told to the user: a typed message with the upstream's status, never the upstream's own
    /// body (it can carry keys, host names or database URLs). Only a refused request (400), which the client
    /// can fix, carries the upstream's explanation, with anything that looks like a credential removed.
    var appError: AppError {
        let status = self.status.map { " (HTTP \($0))" } ?? ""
        return switch kind {
        case .authentication: AppError(.badGateway, "upstream_auth_failed", "the upstream account refused our credentials\(status)")
        case .rateLimited: AppError(.serviceUnavailable, "upstream_unavailable", "the upstream is rate limiting\(status); try again shortly")
        case .modelNotFound: AppError(.notFound, "model_not_found", "the upstream does not offer this model\(status)")
        case .badRequest:
            AppError(.badRequest, "invalid_request", "the upstream refused the request\(status): \(SecretRedactor.redact(message, limit: 300))")
        case .server: AppError(.badGateway, "upstream_error", "the upstream failed\(status)")
        case .connect: AppError(.badGateway, "upstream_error", "the upstream could not be reached")
        case .timeout: AppError(.gatewayTimeout, "upstream_timeout", "the upstream did not answer in time")
        case .badResponse: AppError(.badGateway, "upstream_bad_response", "the upstream sent an unreadable answer")
        case .brokenStream: AppError(.badGateway, "upstream_error", "the upstream connection broke mid-answer")
        }
    }
}

/// Timeouts of one upstream call.
struct UpstreamTimeouts: Sendable {
    var firstByteSeconds: Int
}

/// An upstream answer whose head arrived with 200: its body is read by `UpstreamAdapter.consume`.
struct OpenedStream: Sendable {
    let response: HTTPClientResponse
    /// Whether the body is a Responses API event stream (else chat completion chunks or Anthropic events).
    var isResponses = false
}

/// The client of a `/v1` stream went away; not the upstream's fault.
struct DownstreamClosed: Error {}

/// A wire protocol to an upstream (OpenAI-compatible, Anthropic Messages).
protocol UpstreamAdapter: Sendable {
    /// Sends a streaming chat request and waits for the answer's head. Throws `UpstreamFailure`.
    func open(account: UpstreamAccount, apiKey: String?, request: UpstreamChatRequest, timeouts: UpstreamTimeouts) async throws -> OpenedStream

    /// A reader of an opened answer's chunks, in OpenAI's chunk vocabulary.
    func reader(for stream: OpenedStream) -> any UpstreamChunkReader

    /// Lists the models the upstream offers (for "test connection").
    func listModels(account: UpstreamAccount, apiKey: String?, timeouts: UpstreamTimeouts) async throws -> [String]
}

/// Reads an answer chunk by chunk. Used by one task at a time.
protocol UpstreamChunkReader: AnyObject, Sendable {
    /// The next chunk; nil once the upstream finished the answer. Throws `UpstreamFailure` (a broken or failed
    /// stream) or `CancellationError`.
    func next() async throws -> UpstreamChunk?
}
