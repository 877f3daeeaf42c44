import NIOCore
import NIOHTTP1

/// Settings every connection shares (immutable once the run starts).
struct RunPlan: Sendable {
    enum Mode: Sendable { case request, stream, idle }
    let mode: Mode
    let body: ByteBuffer
    let measureStart: UInt64
    let end: UInt64
    let stallNanoseconds: UInt64
    let expectChunks: Int
}

/// Drives one keep-alive connection: sends the request, reads the answer, times what arrives, repeats.
final class LoadHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let plan: RunPlan
    private let head: HTTPRequestHead
    private let stats: SlotStats
    private let onFinished: () -> Void
    private var sentAt: UInt64 = 0
    private var measuring = false
    private var status: UInt = 0
    private var keepAlive = true
    private var inResponse = false
    private var event: [UInt8] = []
    private var lastByteWasNewline = false
    private var tokens = 0
    private var lastToken: UInt64 = 0
    private var sawEnd = false
    private var finished = false

    init(plan: RunPlan, head: HTTPRequestHead, stats: SlotStats, onFinished: @escaping () -> Void) {
        self.plan = plan
        self.head = head
        self.stats = stats
        self.onFinished = onFinished
        event.reserveCapacity(512)
    }

    func channelActive(context: ChannelHandlerContext) {
        send(context: context)
    }

    private func send(context: ChannelHandlerContext) {
        let now = nowNanoseconds()
        if plan.mode != .idle && now >= plan.end {
            finish(context: context)
            return
        }
        sentAt = now
        measuring = now >= plan.measureStart
        status = 0
        tokens = 0
        lastToken = 0
        sawEnd = false
        inResponse = true
        event.removeAll(keepingCapacity: true)
        lastByteWasNewline = false
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if plan.body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(plan.body))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let response):
            status = response.status.code
            keepAlive = response.isKeepAlive
            if status != 200 { stats.error("HTTP \(status)") }
        case .body(let buffer):
            if plan.mode != .request && status == 200 { scan(buffer, at: nowNanoseconds()) }
        case .end:
            let now = nowNanoseconds()
            inResponse = false
            completeResponse(at: now)
            if plan.mode == .idle {
                if now < plan.end && !finished { stats.error("stream ended early") }
                finish(context: context)
            } else if keepAlive {
                send(context: context)
            } else {
                context.close(promise: nil)
            }
        }
    }

    private func completeResponse(at now: UInt64) {
        guard status == 200 else { return }
        switch plan.mode {
        case .request:
            if measuring { stats.latencies.append(now - sentAt) }
            if now >= plan.measureStart && now <= plan.end { stats.completedInWindow += 1 }
        case .stream, .idle:
            if now >= plan.measureStart && now <= plan.end { stats.completedInWindow += 1 }
            guard measuring else { return }
            stats.streams += 1
            stats.tokens += tokens
            if plan.expectChunks > 0 && tokens != plan.expectChunks { stats.chunkMismatches += 1 }
            if !sawEnd { stats.error("stream without its end marker") }
        }
    }

    /// Splits the body into SSE events (blank-line separated) and classifies each as it completes.
    private func scan(_ buffer: ByteBuffer, at now: UInt64) {
        buffer.withUnsafeReadableBytes { bytes in
            for byte in bytes {
                if byte == 13 { continue }
                if byte == 10 {
                    if lastByteWasNewline {
                        if !event.isEmpty { classify(at: now) }
                        event.removeAll(keepingCapacity: true)
                        lastByteWasNewline = false
                        continue
                    }
                    lastByteWasNewline = true
                } else {
                    lastByteWasNewline = false
                }
                event.append(byte)
            }
        }
    }

    private func classify(at now: UInt64) {
        if event.starts(with: Self.deltaEvent) || hasContent() {
            token(at: now)
        } else if event.starts(with: Self.doneEvent) || contains(Self.doneMarker) {
            sawEnd = true
        } else if event.starts(with: Self.errorEvent) || contains(Self.errorData) {
            if measuring { stats.error("error event") }
        }
    }

    private func token(at now: UInt64) {
        if tokens == 0 {
            if measuring { stats.ttfts.append(now - sentAt) }
            stats.gotFirstToken = true
        } else {
            let gap = now - lastToken
            if measuring || (plan.mode == .idle && now >= plan.measureStart) {
                stats.gaps.append(gap)
                if plan.stallNanoseconds > 0 && gap > plan.stallNanoseconds { stats.stalls += 1 }
            }
        }
        lastToken = now
        tokens += 1
    }

    /// `"content":"x` (or `"content": "x`) with a non-empty string.
    private func hasContent() -> Bool {
        let key = Self.contentKey
        guard event.count > key.count else { return false }
        var index = 0
        let limit = event.count - key.count
        while index < limit {
            if event[index] == 34 && event[index + 1] == 99 && event[index + 2] == 111 && matches(key, at: index) {
                var next = index + key.count
                while next < event.count && event[next] == 32 { next += 1 }
                return next + 1 < event.count && event[next] == 34 && event[next + 1] != 34
            }
            index += 1
        }
        return false
    }

    private func matches(_ needle: [UInt8], at index: Int) -> Bool {
        guard index + needle.count <= event.count else { return false }
        for offset in 0..<needle.count where event[index + offset] != needle[offset] { return false }
        return true
    }

    private func contains(_ needle: [UInt8]) -> Bool {
        guard event.count >= needle.count else { return false }
        for index in 0...(event.count - needle.count) where matches(needle, at: index) { return true }
        return false
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !finished {
            if inResponse && (plan.mode == .idle || nowNanoseconds() < plan.end) { stats.error("connection closed") }
            finished = true
            onFinished()
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if !finished && (plan.mode == .idle || nowNanoseconds() < plan.end) { stats.error("\(error)") }
        context.close(promise: nil)
    }

    /// Called by the runner when it closes the connection on purpose.
    func stop(context: ChannelHandlerContext) {
        finish(context: context)
    }

    private func finish(context: ChannelHandlerContext) {
        guard !finished else { return }
        finished = true
        onFinished()
        context.close(promise: nil)
    }

    private static let contentKey = Array(#""content":"#.utf8)
    private static let deltaEvent = Array("event: delta".utf8)
    private static let doneEvent = Array("event: done".utf8)
    private static let errorEvent = Array("event: error".utf8)
    private static let doneMarker = Array("[DONE]".utf8)
    private static let errorData = Array(#"data: {"error""#.utf8)
}
