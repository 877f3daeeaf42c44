import NIOCore
import Synchronization

/// Sits in every connection's pipeline and tells request handlers when their client closed the connection, so a
/// non-streamed `/v1` answer that nobody waits for any more is stopped instead of running to its end (a stream
/// notices on its next write). Waiting costs nothing per request once it ends: waiters are removed when they
/// finish, so a long keep-alive connection keeps no list of past requests.
final class ConnectionWatch: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = NIOAny

    private struct State {
        var closed = false
        var nextId = 0
        var waiters: [Int: AsyncStream<Never>.Continuation] = [:]
    }

    private let state = Mutex(State())

    func channelInactive(context: ChannelHandlerContext) {
        closed()
        context.fireChannelInactive()
    }

    /// The server allows half-closed connections: a client that goes away shows first as the end of its input
    /// (Hummingbird's own inbound-close handling reads it the same way).
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { closed() }
        context.fireUserInboundEventTriggered(event)
    }

    private func closed() {
        let waiters = state.withLock { state -> [AsyncStream<Never>.Continuation] in
            state.closed = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.finish() }
    }

    /// Returns when the connection closes, or at once when it has; never returns early otherwise, except when the
    /// task is cancelled.
    func waitForClose() async {
        let (closing, continuation) = AsyncStream<Never>.makeStream()
        let id = state.withLock { state -> Int? in
            guard !state.closed else { return nil }
            state.nextId += 1
            state.waiters[state.nextId] = continuation
            return state.nextId
        }
        guard let id else { return }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { _ = $0.waiters.removeValue(forKey: id) }
        }
        for await _ in closing {}
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
                await watch.waitForClose()
            } else {
                for await _ in AsyncStream<Never>.makeStream().stream {}
            }
            return .cancelled
        }
    }
}
