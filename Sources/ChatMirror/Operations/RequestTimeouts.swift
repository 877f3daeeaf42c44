import Logging
import NIOCore
import NIOHTTP1

/// Closes the connections of slow and idle clients, never one whose request is being answered.
///
/// - A request's head must arrive within `header`: the first one from the connection's start, a later one from
///   its first byte.
/// - With no request in flight (the last response written out to the socket), the next request's first byte must
///   come within `idle`.
/// - While the body of the only request in flight arrives, a pause of `idle` without a byte closes the connection.
/// - From a request's last byte until its response is written out there is no deadline: an answer that is quiet
///   while a model thinks, a long event stream, and a client that reads slowly are never cut.
///
/// Sits right after the HTTP/1 decoder, where whole heads and responses pass; `ByteArrivals`, at the front of the
/// pipeline, tells it when bytes arrive (the decoder passes nothing on until a head is complete).
final class RequestTimeouts: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// What the connection waits for.
    private enum Phase: String {
        case head = "a request's head"
        case nextRequest = "the next request"
        case body = "the rest of a request's body"
        case response = "a response"
    }

    private let header: TimeAmount
    private let idle: TimeAmount
    private let logger: Logger
    private var context: ChannelHandlerContext?
    private var phase = Phase.head
    private var deadline: Scheduled<Void>?
    private var started = false
    /// Requests whose head was read and whose response is not yet written out.
    private var requestsInFlight = 0
    private var readingBody = false

    init(header: TimeAmount, idle: TimeAmount, logger: Logger) {
        self.header = header
        self.idle = idle
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { start() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        start()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            requestsInFlight += 1
            readingBody = true
            settle()
        case .end:
            readingBody = false
            settle()
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .end = unwrapOutboundIn(data) else { return context.write(data, promise: promise) }
        let writtenOut = promise ?? context.eventLoop.makePromise()
        context.write(data, promise: writtenOut)
        writtenOut.futureResult.assumeIsolated().whenComplete { _ in
            self.requestsInFlight -= 1
            self.settle()
        }
    }

    /// Bytes arrived, before the decoder saw them.
    func bytesArrived() {
        switch phase {
        case .nextRequest: enter(.head, timeout: header)
        case .body: enter(.body, timeout: idle)
        case .head, .response: break
        }
    }

    private func start() {
        guard !started else { return }
        started = true
        enter(.head, timeout: header)
    }

    /// The phase that follows a request read or a response written out.
    private func settle() {
        if readingBody, requestsInFlight <= 1 {
            enter(.body, timeout: idle)
        } else if requestsInFlight > 0 {
            enter(.response, timeout: nil)
        } else {
            enter(.nextRequest, timeout: idle)
        }
    }

    private func enter(_ phase: Phase, timeout: TimeAmount?) {
        self.phase = phase
        deadline?.cancel()
        deadline = nil
        guard let timeout, let context, context.channel.isActive else { return }
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            self.logger.debug("closing a connection that waited too long", metadata: [
                "http.waited_for": "\(phase.rawValue)", "http.peer": "\(context.channel.remoteAddress?.ipAddress ?? "-")",
            ])
            context.close(promise: nil)
        }
    }
}

/// Tells `RequestTimeouts` when bytes arrive; sits at the front of the pipeline, before the HTTP/1 decoder.
final class ByteArrivals: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let timeouts: RequestTimeouts

    init(_ timeouts: RequestTimeouts) { self.timeouts = timeouts }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        timeouts.bytesArrived()
        context.fireChannelRead(data)
    }
}
