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

/// What a turn asks of an upstream.
struct UpstreamChatRequest: Sendable {
    var model: String
    var messages: [ChatMessage]
    /// Extra OpenAI fields a `/v1` client sent (temperature, max_tokens, ...), passed through.
    var extraFields: [String: JSONValue] = [:]
    /// The `/v1` client's messages exactly as sent (tool calls, content parts), for OpenAI-compatible upstreams.
    var rawMessages: JSONValue?
    /// The opaque per-user id sent upstream when `upstream.send_user_id` is on (`KeySealer.opaqueUserId`).
    var endUser: String?
}

/// What comes back, piece by piece.
enum UpstreamEvent: Sendable, Equatable {
    case delta(String)
    case usage(prompt: Int, completion: Int)
    case finish(String)
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
struct UpstreamFailure: Error, Sendable, CustomStringConvertible {
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

    /// How the failure is told to the user.
    var appError: AppError {
        switch kind {
        case .authentication: AppError(.badGateway, "upstream_auth_failed", "the upstream account refused our credentials")
        case .rateLimited: AppError(.serviceUnavailable, "upstream_unavailable", "the upstream is rate limiting; try again shortly")
        case .modelNotFound: AppError(.notFound, "model_not_found", "the upstream does not offer this model")
        case .badRequest: AppError(.badRequest, "invalid_request", "the upstream refused the request: \(message)")
        case .server, .connect: AppError(.badGateway, "upstream_error", "the upstream failed: \(message)")
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
}

/// The client of a `/v1` stream went away; not the upstream's fault.
struct DownstreamClosed: Error {}

/// A wire protocol to an upstream (OpenAI-compatible, Anthropic Messages).
protocol UpstreamAdapter: Sendable {
    /// Sends a streaming chat request and waits for the answer's head. Throws `UpstreamFailure`.
    func open(account: UpstreamAccount, apiKey: String?, request: UpstreamChatRequest, timeouts: UpstreamTimeouts) async throws -> OpenedStream

    /// Reads an opened answer; `onEvent` gets every piece as it arrives. Throws `UpstreamFailure`.
    func consume(_ stream: OpenedStream, onEvent: (UpstreamEvent) async throws -> Void) async throws

    /// Lists the models the upstream offers (for "test connection").
    func listModels(account: UpstreamAccount, apiKey: String?, timeouts: UpstreamTimeouts) async throws -> [String]
}

extension UpstreamAdapter {
    /// Opens and reads a chat in one go.
    func streamChat(
        account: UpstreamAccount, apiKey: String?, request: UpstreamChatRequest, timeouts: UpstreamTimeouts,
        onEvent: (UpstreamEvent) async throws -> Void
    ) async throws {
        try await consume(try await open(account: account, apiKey: apiKey, request: request, timeouts: timeouts), onEvent: onEvent)
    }
}
