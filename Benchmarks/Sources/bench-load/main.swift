import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// One connection slot: its loop, target, stats and current channel (touched only on its loop).
final class Slot {
    let loop: EventLoop
    let target: Target
    let stats = SlotStats()
    var channel: Channel?
    var handler: LoadHandler?
    init(loop: EventLoop, target: Target) {
        self.loop = loop
        self.target = target
    }
}

let options: Options
do {
    options = try Options.parse(Array(CommandLine.arguments.dropFirst()))
} catch {
    FileHandle.standardError.write(Data((Options.usage + "\n").utf8))
    exit(2)
}
let targets = options.urls.compactMap(Target.init)
guard targets.count == options.urls.count else {
    FileHandle.standardError.write(Data("bench-load: only http://host:port/path URLs\n".utf8))
    exit(2)
}

// Many idle streams need many descriptors.
var limit = rlimit()
if getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 {
    limit.rlim_cur = limit.rlim_max
    _ = setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
}

let mode: RunPlan.Mode = options.mode == "stream" ? .stream : options.mode == "idle" ? .idle : .request
let group = MultiThreadedEventLoopGroup(numberOfThreads: options.threads)
let start = nowNanoseconds()
let second = 1_000_000_000.0
let rampSeconds = mode == .idle ? Double(options.connections) / options.rampPerSecond : 0
let measureStart = start + UInt64((rampSeconds + options.warmup) * second)
let plan = RunPlan(
    mode: mode, body: ByteBuffer(string: options.body), measureStart: measureStart,
    end: measureStart + UInt64(options.duration * second),
    stallNanoseconds: UInt64(options.intervalMs * 2 * 1_000_000), expectChunks: options.expectChunks)
let slotsDone = NIOLockedValueBox(0)

func head(for target: Target) -> HTTPRequestHead {
    var headers = HTTPHeaders()
    headers.add(name: "Host", value: "\(target.host):\(target.port)")
    headers.add(name: "Content-Length", value: String(plan.body.readableBytes))
    if !options.body.isEmpty { headers.add(name: "Content-Type", value: "application/json") }
    for (name, value) in options.headers { headers.add(name: name, value: value) }
    return HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: options.method), uri: target.path, headers: headers)
}

func connect(_ slot: Slot) {
    let handler = LoadHandler(plan: plan, head: head(for: slot.target), stats: slot.stats) {
        slot.channel = nil
        slot.handler = nil
        if mode != .idle && nowNanoseconds() < plan.end {
            slot.loop.scheduleTask(in: .milliseconds(20)) { connect(slot) }
        } else {
            slotsDone.withLockedValue { $0 += 1 }
        }
    }
    slot.handler = handler
    ClientBootstrap(group: slot.loop)
        .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
        .connectTimeout(.seconds(10))
        .channelInitializer { channel in
            channel.pipeline.addHTTPClientHandlers().flatMap { channel.pipeline.addHandler(handler) }
        }
        .connect(host: slot.target.host, port: slot.target.port)
        .whenComplete { result in
            switch result {
            case .success(let channel): slot.channel = channel
            case .failure(let error):
                slot.stats.error("connect: \(error)")
                slot.handler = nil
                if mode != .idle && nowNanoseconds() < plan.end {
                    slot.loop.scheduleTask(in: .milliseconds(100)) { connect(slot) }
                } else {
                    slotsDone.withLockedValue { $0 += 1 }
                }
            }
        }
}

func sleep(until deadline: UInt64) {
    let now = nowNanoseconds()
    if deadline > now { usleep(useconds_t(min(Double(deadline - now) / 1000, Double(UInt32.max)))) }
}

var slots: [Slot] = []
for index in 0..<options.connections {
    slots.append(Slot(loop: group.next(), target: targets[index % targets.count]))
}
// Ramp: in batches every 10 ms at the asked rate (idle mode); all at once otherwise.
let batch = mode == .idle ? max(1, Int(options.rampPerSecond / 100)) : slots.count
for (index, slot) in slots.enumerated() {
    slot.loop.execute { connect(slot) }
    if (index + 1) % batch == 0 { usleep(10_000) }
}

sleep(until: plan.measureStart)
let rssStart = rssKiB(options.pids)
let cpuStart = cpuSeconds(options.pids)
var rssPeak = rssStart
while nowNanoseconds() < plan.end {
    usleep(250_000)
    rssPeak = max(rssPeak, rssKiB(options.pids))
}
let cpuEnd = cpuSeconds(options.pids)
let rssEnd = rssKiB(options.pids)

// Idle streams are closed now; other answers in flight may finish (bounded by --grace).
if mode == .idle {
    for slot in slots {
        slot.loop.execute {
            if let channel = slot.channel, let handler = slot.handler,
               let context = try? channel.pipeline.syncOperations.context(handler: handler) {
                handler.stop(context: context)
            }
        }
    }
}
let graceEnd = nowNanoseconds() + UInt64(options.grace * second)
while slotsDone.withLockedValue({ $0 }) < slots.count && nowNanoseconds() < graceEnd { usleep(20_000) }
let unfinished = slots.count - slotsDone.withLockedValue { $0 }
for slot in slots { slot.loop.execute { slot.channel?.close(promise: nil) } }

let total = SlotStats()
for slot in slots {
    if let stats = try? slot.loop.submit({ slot.stats }).wait() { total.merge(stats) }
}
let firstTokens = slots.filter { slot in (try? slot.loop.submit { slot.stats.gotFirstToken }.wait()) ?? false }.count
// An answer still in flight after the grace period, or an idle stream that never got its first chunk, is an error.
if mode == .idle {
    total.errors += options.connections - firstTokens
} else {
    total.errors += unfinished
}
if total.errorSamples.isEmpty && total.errors > 0 { total.errorSamples.append(mode == .idle ? "no first chunk" : "no answer in time") }
try? group.syncShutdownGracefully()

total.latencies.sort()
total.ttfts.sort()
total.gaps.sort()
var result: [String: Any] = [
    "mode": options.mode, "label": options.label, "connections": options.connections,
    "duration_s": options.duration, "completed": total.completedInWindow,
    "per_second": Double(total.completedInWindow) / options.duration,
    "errors": total.errors, "error_samples": total.errorSamples, "unfinished": mode == .idle ? 0 : unfinished,
    "streams": total.streams, "tokens": total.tokens, "chunk_mismatches": total.chunkMismatches,
    "stalls": total.stalls, "streams_with_first_token": firstTokens,
    "rss_kib_start": rssStart, "rss_kib_end": rssEnd, "rss_kib_peak": rssPeak,
]
func add(_ name: String, _ values: [UInt64]) {
    result[name + "_p50_us"] = percentileMicros(values, 0.5)
    result[name + "_p99_us"] = percentileMicros(values, 0.99)
    result[name + "_min_us"] = percentileMicros(values, 0)
    result[name + "_max_us"] = percentileMicros(values, 1)
    result[name + "_count"] = values.count
}
add("latency", total.latencies)
add("ttft", total.ttfts)
add("gap", total.gaps)
if !options.pids.isEmpty {
    result["cpu_s"] = cpuEnd - cpuStart
    if total.completedInWindow > 0 { result["cpu_us_per_completed"] = (cpuEnd - cpuStart) * 1e6 / Double(total.completedInWindow) }
}
let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
FileHandle.standardOutput.write(data + Data("\n".utf8))
