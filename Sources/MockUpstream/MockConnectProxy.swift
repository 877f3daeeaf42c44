import NIOCore
import NIOPosix
import Synchronization

/// A forward proxy that opens `CONNECT` tunnels (the way AsyncHTTPClient reaches every host through an HTTP proxy)
/// and remembers each target it was asked for; for tests of outbound proxies. Loopback only.
public final class MockConnectProxy: Sendable {
    /// The port it listens on (127.0.0.1).
    public let port: Int
    private let channel: any Channel
    private let log: TargetLog

    private init(channel: any Channel, log: TargetLog) {
        self.channel = channel
        self.port = channel.localAddress?.port ?? 0
        self.log = log
    }

    /// The `host:port` targets of the tunnels asked for so far, oldest first.
    public var targets: [String] { log.targets.withLock { $0 } }

    /// Starts a proxy on a free loopback port.
    public static func start() async throws -> MockConnectProxy {
        let log = TargetLog()
        let record: @Sendable (String) -> Void = { target in log.targets.withLock { $0.append(target) } }
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(TunnelOpener(record: record))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return MockConnectProxy(channel: channel, log: log)
    }

    /// Runs `body` with a started proxy and stops it afterwards.
    public static func withRunning<T: Sendable>(_ body: (MockConnectProxy) async throws -> T) async throws -> T {
        let proxy = try await start()
        do {
            let result = try await body(proxy)
            try await proxy.stop()
            return result
        } catch {
            try? await proxy.stop()
            throw error
        }
    }

    /// Stops listening (open tunnels close when their ends do).
    public func stop() async throws { try await channel.close() }
}

/// The tunnel targets seen, shared by the proxy and its connections.
private final class TargetLog: Sendable {
    let targets = Mutex<[String]>([])
}

/// Reads the `CONNECT host:port` head, connects to the target, answers 200 and then relays bytes both ways.
private final class TunnelOpener: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let record: @Sendable (String) -> Void
    private var pending: ByteBuffer?
    private var connecting = false

    init(record: @escaping @Sendable (String) -> Void) { self.record = record }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if pending == nil { pending = context.channel.allocator.buffer(capacity: bytes.readableBytes) }
        pending?.writeBuffer(&bytes)
        guard !connecting, let buffered = pending else { return }
        let text = String(buffer: buffered)
        guard let headEnd = text.range(of: "\r\n\r\n") else { return }
        let requestLine = text[..<headEnd.lowerBound].split(separator: "\r\n").first ?? ""
        let parts = requestLine.split(separator: " ")
        let target = parts.count == 3 && parts[0] == "CONNECT" ? String(parts[1]) : ""
        guard let colon = target.lastIndex(of: ":"), let port = Int(target[target.index(after: colon)...]) else {
            refuse(context, "400 Bad Request")
            return
        }
        record(target)
        connecting = true
        pending?.moveReaderIndex(forwardBy: text[..<headEnd.upperBound].utf8.count)
        let client = context.channel
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        ClientBootstrap(group: context.eventLoop)
            .channelInitializer { peer in
                peer.eventLoop.makeCompletedFuture { try peer.pipeline.syncOperations.addHandler(Relay(partner: client)) }
            }
            .connect(host: String(target[..<colon]), port: port)
            .whenComplete { result in
                let (handler, context) = bound.value
                switch result {
                case .success(let peer): handler.open(context, to: peer)
                case .failure: handler.refuse(context, "502 Bad Gateway")
                }
            }
    }

    private func open(_ context: ChannelHandlerContext, to peer: any Channel) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "HTTP/1.1 200 Connection Established\r\n\r\n")), promise: nil)
        if let rest = pending, rest.readableBytes > 0 { peer.writeAndFlush(rest, promise: nil) }
        pending = nil
        try? context.pipeline.syncOperations.addHandler(Relay(partner: peer))
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    private func refuse(_ context: ChannelHandlerContext, _ status: String) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "HTTP/1.1 \(status)\r\nContent-Length: 0\r\n\r\n")))
            .whenComplete { _ in context.close(promise: nil) }
    }
}

/// Copies what one end of a tunnel reads to the other end; closes the other end when this one closes.
private final class Relay: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let partner: any Channel

    init(partner: any Channel) { self.partner = partner }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        partner.writeAndFlush(unwrapInboundIn(data), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        partner.close(promise: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
