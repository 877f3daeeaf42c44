import HTTPTypes
import NIOCore
import NIOHTTP1

/// Turns away what the server will not serve, with a JSON error and a closed connection: an HTTP/1.1 request
/// without exactly one `Host` header (400, as RFC 9112 section 3.2 requires; HTTP/1.0 may omit it), or a
/// connection over its address's cap (503 at once, before any request).
///
/// Sits right after the HTTP/1 decoder. A bad request pipelined behind others is answered after their responses.
/// After the answer the connection's output is closed and its input read and dropped until the client closes its
/// side (at most `lingerTime`), so that the client reads the answer instead of a reset.
final class RequestGate: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    static let lingerTime = TimeAmount.seconds(2)

    /// The error to answer, and whether in OpenAI's shape (a `/v1` request).
    private var verdict: (error: AppError, openAI: Bool)?
    private var answered = false
    /// Requests let through whose response has not been written yet.
    private var responsesOwed = 0

    /// A gate for requests; with `refusal`, one that answers it at once instead.
    init(refusal: AppError? = nil) {
        verdict = refusal.map { ($0, false) }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { answerIfDue(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        answerIfDue(context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard verdict == nil else { return }  // turned away: the rest is dropped
        if case .head(let head) = unwrapInboundIn(data) {
            if let problem = Self.hostProblem(head) {
                verdict = (AppError(.badRequest, "invalid_request", problem), head.uri.hasPrefix("/v1/"))
                return answerIfDue(context)
            }
            responsesOwed += 1
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        context.write(data, promise: promise)
        if case .end = unwrapOutboundIn(data) {
            responsesOwed -= 1
            answerIfDue(context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard verdict == nil else { return }  // the dropped input may not parse
        context.fireErrorCaught(error)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if answered, case ChannelEvent.inputClosed = event { return context.close(promise: nil) }
        context.fireUserInboundEventTriggered(event)
    }

    /// Why an HTTP/1.1 request's `Host` headers are not acceptable, or nil when they are.
    static func hostProblem(_ head: HTTPRequestHead) -> String? {
        let hosts = head.headers["Host"].count
        if hosts > 1 { return "the request has \(hosts) Host headers; send exactly one" }
        if hosts == 0, (head.version.major, head.version.minor) >= (1, 1) { return "an HTTP/1.1 request needs a Host header" }
        return nil
    }

    private func answerIfDue(_ context: ChannelHandlerContext) {
        guard let verdict, !answered, responsesOwed == 0 else { return }
        answered = true
        let body = ByteBuffer(bytes: verdict.error.body(openAI: verdict.openAI).encoded())
        var headers = HTTPHeaders(verdict.error.headers.map { ($0.name.rawName, $0.value) })
        headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        headers.add(name: "Cache-Control", value: "no-store")
        headers.add(name: "Connection", value: "close")
        let status = HTTPResponseStatus(statusCode: verdict.error.status.code, reasonPhrase: verdict.error.status.reasonPhrase)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            context.close(mode: .output, promise: nil)
            context.eventLoop.assumeIsolated().scheduleTask(in: Self.lingerTime) { context.close(promise: nil) }
        }
    }
}
