import Foundation
import Hummingbird

/// The one error type every handler throws; renders `{"error":{"code","message"}}` with its status.
public struct AppError: Error, HTTPResponseError, CustomStringConvertible, Equatable {
    /// HTTP status of the response.
    public let status: HTTPResponse.Status
    /// Stable machine-readable code, e.g. `invalid_request`.
    public let code: String
    /// Human-readable explanation, naming the field or the problem.
    public let message: String
    /// Extra headers, e.g. `Retry-After`.
    public var headers: HTTPFields
    /// Extra fields placed next to `code` and `message` in the body (e.g. quota details).
    public var details: [String: JSONValue]

    /// Creates an error with a status, code and message.
    public init(
        _ status: HTTPResponse.Status, _ code: String, _ message: String,
        headers: HTTPFields = [:], details: [String: JSONValue] = [:]
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
        self.details = details
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    /// Renders the error in ChatMirror's shape.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Self.jsonResponse(status: status, headers: headers, body: body(openAI: false))
    }

    /// Renders the error in OpenAI's shape, used on `/v1`.
    public func openAIResponse() -> Response {
        Self.jsonResponse(status: status, headers: headers, body: body(openAI: true))
    }

    /// The body: `{"error":{"code","message"}}`, or on `/v1` OpenAI's `{"error":{"message","type","param","code"}}`.
    func body(openAI: Bool) -> JSONValue {
        var error: [String: JSONValue] = details
        error["code"] = .string(code)
        error["message"] = .string(message)
        if openAI {
            error["type"] = .string(openAIType)
            error["param"] = details["param"] ?? .null
        }
        return .object(["error": .object(error)])
    }

    private var openAIType: String {
        switch status.code {
        case 400, 404, 409, 413, 415: return "invalid_request_error"
        case 401: return "authentication_error"
        case 403: return "permission_error"
        case 429: return code == "quota_exceeded" ? "insufficient_quota" : "rate_limit_error"
        default: return "api_error"
        }
    }

    static func jsonResponse(status: HTTPResponse.Status, headers: HTTPFields, body: JSONValue) -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        fields[.cacheControl] = "no-store"
        let buffer = ByteBuffer(bytes: body.encoded())
        return Response(status: status, headers: fields, body: .init(byteBuffer: buffer))
    }
}

extension AppError {
    static func invalid(_ message: String) -> AppError { AppError(.badRequest, "invalid_request", message) }
    static func notFound(_ what: String = "resource") -> AppError { AppError(.notFound, "not_found", "\(what) not found") }
    static let unauthenticated = AppError(.unauthorized, "unauthenticated", "sign in first")
    static let forbidden = AppError(.forbidden, "forbidden", "this needs the admin role")
    static let accountDisabled = AppError(.forbidden, "account_disabled", "this account is disabled; ask your admin")
    static func conflict(_ message: String) -> AppError { AppError(.conflict, "conflict", message) }
    /// The database does not answer (stopped, frozen, or out of connections); the client should retry shortly.
    static let storeUnavailable = AppError(
        .serviceUnavailable, "not_ready", "the database does not answer; try again shortly", headers: [.retryAfter: "5"])
}
