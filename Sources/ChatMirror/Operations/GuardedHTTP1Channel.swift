import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1

/// What the server holds its clients to: how long they may take, and how many connections one address may open.
struct ConnectionPolicy: Sendable {
    let headerTimeout: TimeAmount
    let idleTimeout: TimeAmount
    let counter: ConnectionCounter

    init(_ config: AppConfig) {
        headerTimeout = .nanoseconds(Int64(config.headerTimeoutSeconds * 1e9))
        idleTimeout = .nanoseconds(Int64(config.idleTimeoutSeconds * 1e9))
        counter = ConnectionCounter(limit: config.maxConnectionsPerAddress, exempt: config.trustedProxies)
    }
}

/// Hummingbird's HTTP/1 connection with ChatMirror's guards in its pipeline: the per-address cap, the header and
/// idle timeouts (`RequestTimeouts`), the Host check (`RequestGate`), and the `ConnectionWatch` that tells handlers
/// when their client left.
struct GuardedHTTP1Channel: ServerChildChannel {
    /// A connection served over HTTP/1, or one refused (answered 503 and closing).
    enum Value: ServerChildChannelValue {
        case served(HTTP1Channel.Value)
        case refused(any Channel)

        var channel: any Channel {
            switch self {
            case .served(let value): value.channel
            case .refused(let channel): channel
            }
        }
    }

    static let tooManyConnections = AppError(.serviceUnavailable, "too_many_connections",
                                             "this address has too many connections open to the server; close some and retry")

    let http1: HTTP1Channel
    let policy: ConnectionPolicy

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let peer = channel.remoteAddress?.ipAddress
        switch policy.counter.admit(peer) {
        case .refused(let firstRefusal):
            if firstRefusal {
                logger.warning("refusing connections from an address over http.max_connections_per_address",
                               metadata: ["http.peer": "\(peer ?? "-")", "http.max_connections_per_address": "\(policy.counter.limit)"])
            }
            return channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandlers([
                    HTTPResponseEncoder(), ByteToMessageHandler(HTTPRequestDecoder()), RequestGate(refusal: Self.tooManyConnections),
                ])
                return .refused(channel)
            }
        case .counted:
            channel.closeFuture.whenComplete { [counter = policy.counter] _ in counter.release(peer) }
        case .exempt:
            break
        }
        return http1.setup(channel: channel, logger: logger).flatMapThrowing { [policy] served in
            let pipeline = channel.pipeline.syncOperations
            let timeouts = RequestTimeouts(header: policy.headerTimeout, idle: policy.idleTimeout, logger: logger)
            try pipeline.addHandler(ByteArrivals(timeouts), position: .first)
            let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try pipeline.addHandlers([timeouts, RequestGate()], position: .after(decoder))
            return .served(served)
        }
    }

    func handle(value: Value, logger: Logger) async {
        switch value {
        case .served(let served): await http1.handle(value: served, logger: logger)
        case .refused(let channel): try? await channel.closeFuture.get()
        }
    }
}

extension HTTPServerBuilder {
    /// HTTP/1 with ChatMirror's connection guards.
    static func guardedHTTP1(_ policy: ConnectionPolicy) -> HTTPServerBuilder {
        .init { responder in
            GuardedHTTP1Channel(http1: HTTP1Channel(responder: responder, configuration: .init(additionalChannelHandlers: [ConnectionWatch()])),
                                policy: policy)
        }
    }
}
