import NIOCore

/// Sits in every connection's pipeline and tells request handlers when their client closed the connection, so a
/// non-streamed `/v1` answer that nobody waits for any more is stopped instead of running to its end (a stream
/// notices on its next write).
final class ConnectionWatch: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = NIOAny

    let closed = OneShotSignal()

    func channelInactive(context: ChannelHandlerContext) {
        closed.fire()
        context.fireChannelInactive()
    }

    /// The server allows half-closed connections: a client that goes away shows first as the end of its input
    /// (Hummingbird's own inbound-close handling reads it the same way).
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { closed.fire() }
        context.fireUserInboundEventTriggered(event)
    }

    /// The watch on `channel`'s pipeline, if the server put one there (not in router-only tests).
    static func on(_ channel: any Channel) async -> ConnectionWatch? {
        try? await channel.pipeline.handler(type: ConnectionWatch.self).get()
    }
}

extension AppRequestContext {
    /// Returns `.cancelled` once the client has closed its connection (for `ActiveCall.drain`'s `stop`); waits
    /// until cancelled when the connection is not watched.
    var clientLeft: @Sendable () async -> StopReason {
        let channel = self.channel
        return {
            if let watch = await ConnectionWatch.on(channel) {
                await watch.closed.wait()
            } else {
                await OneShotSignal().wait()
            }
            return .cancelled
        }
    }
}
