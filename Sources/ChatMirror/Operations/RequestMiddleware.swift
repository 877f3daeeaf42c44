import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Gives every request an id (the client's if sane), puts it in every log line and the response,
/// works out the client IP and scheme, logs the request, and renders every error as JSON.
struct RequestMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let trustProxy: Bool
    /// The proxies whose forwarding headers count (with `trustProxy`).
    var trustedProxies = TrustedProxies.loopback
    let metrics: AppMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let requestId = Self.requestId(from: request.headers[.xRequestId])
        context.logger[metadataKey: "request.id"] = .string(requestId)
        context.logger[metadataKey: "hb.request.id"] = nil
        context.clientIP = context.peerAddress
        // Forwarding headers count only from a trusted proxy, and the client is the right-most address no trusted
        // proxy wrote: the left-most one is whatever the client sent.
        if trustProxy, trustedProxies.trusts(context.peerAddress) {
            context.clientIP = trustedProxies.clientAddress(peer: context.peerAddress, forwardedFor: request.headers[values: .xForwardedFor])
            context.isSecure = request.headers[.xForwardedProto]?.lowercased() == "https"
        }
        let started = ContinuousClock.now
        let isOpenAI = request.uri.path.hasPrefix("/v1/")
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as AppError {
            response = isOpenAI ? error.openAIResponse() : try error.response(from: request, context: context)
        } catch let error as any HTTPResponseError {
            let mapped = Self.map(error.status)
            response = isOpenAI ? mapped.openAIResponse() : try mapped.response(from: request, context: context)
        } catch {
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            let internalError = AppError(.internalServerError, "internal_error", "something went wrong on the server; it was logged")
            response = isOpenAI ? internalError.openAIResponse() : try internalError.response(from: request, context: context)
        }
        response.headers[.xRequestId] = requestId
        SecurityHeaders.apply(to: &response, secure: context.isSecure)
        let elapsed = ContinuousClock.now - started
        metrics.recordRequest(status: Int(response.status.code), duration: elapsed)
        context.logger.info("\(request.method) \(Self.loggedPath(request.uri.path)) \(response.status.code)", metadata: [
            "http.duration_ms": "\(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)",
        ])
        return response
    }

    /// The path as logged: a share link's token is a password, so it never reaches the log.
    static func loggedPath(_ path: String) -> String {
        guard path.hasPrefix("/s/") else { return path }
        return "/s/[redacted]"
    }

    static func requestId(from header: String?) -> String {
        if let header, (1...64).contains(header.count),
           header.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0) }) {
            return header
        }
        return Tokens.random(bytes: 9)
    }

    static func map(_ status: HTTPResponse.Status) -> AppError {
        switch status.code {
        case 404: AppError(.notFound, "not_found", "no such route")
        case 405: AppError(.methodNotAllowed, "method_not_allowed", "this route does not take that method")
        case 413: AppError(.contentTooLarge, "payload_too_large", "the body is too large")
        case 400: AppError(.badRequest, "invalid_request", "the request is malformed")
        default: AppError(status, "http_\(status.code)", status.reasonPhrase)
        }
    }
}
